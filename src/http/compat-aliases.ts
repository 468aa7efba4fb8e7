import type { FastifyInstance } from 'fastify'
import type { Services } from '../services/index.js'
import { readCredential } from './credential-source.js'
import { problems } from './schemas/common.js'
import { Type } from 'typebox'

/**
 * `COMPAT_ROUTES=on` (issue 8): the Flask tutorials' route shapes, so clients
 * written for them keep working while they move to Tessera's routes. Off by
 * default; a migration aid, not a second API. Each alias answers exactly as the
 * route it names (same body, same errors, same rate limit), because the request
 * is routed there before Fastify's router sees it.
 */
export const COMPAT_ALIASES: Readonly<Record<string, string>> = {
  'POST /auth': '/auth/login', // Flask-JWT's default endpoint
  'POST /login': '/auth/login',
  'POST /registration': '/auth/register',
  'POST /token/refresh': '/auth/refresh',
  'POST /logout/access': '/auth/logout',
}

/** Fastify's `rewriteUrl`: the alias's target path, query string kept; anything else unchanged. */
export function rewriteCompatUrl(request: { method?: string; url?: string }): string {
  const url = request.url ?? '/'
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  const target = COMPAT_ALIASES[`${request.method} ${path.length > 1 ? path.replace(/\/$/, '') : path}`]
  return target === undefined ? url : target + (query === -1 ? '' : url.slice(query))
}

/**
 * `POST /logout/refresh`: Flask-JWT-Extended's tutorials revoke the refresh
 * token sent as `Authorization: Bearer <refresh_token>`. Tessera's logout reads
 * an access token from that header, so this one has its own small route: it ends
 * the session that refresh token belongs to.
 */
export async function compatRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.post(
    '/logout/refresh',
    {
      // The session of one refresh token, so the scope is always `session`.
      config: { audit: { success: { type: 'logout', details: () => ({ scope: 'session' }) } } },
      schema: {
        summary: 'COMPAT_ROUTES alias: end the session of the refresh token sent as Authorization: Bearer',
        description: 'Only with COMPAT_ROUTES=on, for clients written for the Flask tutorials. Prefer POST /auth/logout.',
        tags: ['auth'],
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null(), ...problems(401) },
      },
    },
    async (request, reply) => {
      // The header only: this route has no body, and cookies are Tessera's browser transport.
      const { token } = readCredential(request, { ...services.config.credentialRules, cookies: false }, 'refresh')
      const session = await services.sessions.findByRefreshToken(token)
      request.auditNote = { actorId: session.userId }
      await services.sessions.revoke(session)
      return reply.code(204).send(null)
    },
  )
}
