import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditDeclaration } from '../http/audit-events.js'
import { toAppError, sendProblem } from '../http/plugins/problem.js'
import { DOCS_CSP } from '../http/plugins/security-headers.js'
import { noStore } from '../http/request-info.js'
import { CREATE_USER_AUDIT, DELETE_USER_AUDIT, UPDATE_USER_AUDIT } from '../http/routes/admin-users.js'
import { LOGIN_AUDIT, LOGOUT_AUDIT, REFRESH_AUDIT, REGISTER_AUDIT } from '../http/routes/auth.js'
import type { Services } from '../services/index.js'
import { ACTIONS } from './actions.js'
import type { CompatProfile, CompatRoute } from './profile.js'
import { problemFields, render } from './render.js'
import { compileRoutes, COMPAT_PREFIX } from './router.js'
import { profileSwagger, SWAGGER_INITIALIZER, swaggerPage } from './swagger.js'

/**
 * The audit events of the actions that do a Tessera route's work: that route's own declaration,
 * so a profile's login records what Tessera's login records (http/audit-events.ts).
 */
const AUDIT: Partial<Record<CompatRoute['action'], AuditDeclaration>> = {
  register: REGISTER_AUDIT,
  login: LOGIN_AUDIT,
  refresh: REFRESH_AUDIT,
  logout: LOGOUT_AUDIT,
  'create-user': CREATE_USER_AUDIT,
  'update-user': UPDATE_USER_AUDIT,
  'delete-user': DELETE_USER_AUDIT,
}

/** Actions that answer with tokens: rate limited as Tessera's own login, register and refresh are. */
const AUTH_ACTIONS = new Set(['register', 'login', 'refresh'])

/**
 * The one interpreter of every profile table: each route of the table becomes a
 * Fastify route at its internal path (router.ts sends matching requests there),
 * guarded by `requireAuth` when the table says so, running its action and
 * answering with its template. Errors stay problem+json, with the profile's
 * legacy fields added (e.g. `message`), so old clients find what they read.
 * The routes are kept out of /openapi.json: they are not Tessera's API.
 */
export async function compatProfileRoutes(app: FastifyInstance, { services, profile }: { services: Services; profile: CompatProfile }): Promise<void> {
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const appError = toAppError(error)
    if (appError.status >= 500 && appError.code !== 'service_unavailable') request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, appError, problemFields(profile, appError, true))
  })

  for (const { route, internalPath } of compileRoutes(profile)) {
    const guard = route.auth === 'admin' ? app.requireAuth({ role: 'admin' }) : route.auth === 'access' ? app.requireAuth() : undefined
    app.route({
      method: route.method,
      url: internalPath,
      ...(guard ? { onRequest: guard } : {}),
      config: { ...(AUTH_ACTIONS.has(route.action) ? {} : { rateLimit: false }), ...(AUDIT[route.action] ? { audit: AUDIT[route.action] } : {}) },
      schema: { hide: true },
      handler: async (request, reply) => handle(services, profile, route, request, reply),
    })
  }
  if (profile.routes.some((route) => route.action === 'swagger-ui')) {
    app.get(`${COMPAT_PREFIX}/${profile.name}/swagger-initializer.js`, { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(SWAGGER_INITIALIZER),
    )
  }
}

async function handle(services: Services, profile: CompatProfile, route: CompatRoute, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  if (route.action === 'swagger-json') return reply.send(profileSwagger(profile))
  if (route.action === 'swagger-ui') {
    return reply.header('content-security-policy', DOCS_CSP).type('text/html; charset=utf-8').send(swaggerPage(`${COMPAT_PREFIX}/${profile.name}/swagger-initializer.js`))
  }
  const values = await ACTIONS[route.action]({ services, profile, route, request })
  if (AUTH_ACTIONS.has(route.action)) noStore(reply)
  const status = route.status ?? (route.response === undefined ? 204 : 200)
  if (route.response === undefined) return reply.code(status).send(null)
  return reply.code(status).send(render(route.response, { ...values, status }))
}
