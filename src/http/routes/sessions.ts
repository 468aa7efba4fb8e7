import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { noStore } from '../request-info.js'
import { IdParams, problems, Timestamp, Uuid } from '../schemas/common.js'

const Session = Type.Object(
  {
    id: Uuid,
    created_at: Timestamp,
    last_used_at: Timestamp,
    expires_at: Timestamp,
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean({ description: 'The session of the token that made this request' }),
  },
  { description: 'A login on one device' },
)

const iso = (ms: number) => new Date(ms).toISOString()

/** The caller's sessions (devices): list them, end one. */
export async function sessionRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const security = [{ bearerAuth: [] }]

  app.get(
    '/auth/sessions',
    {
      onRequest: app.requireAuth(),
      schema: {
        summary: "The current user's live sessions, newest first",
        tags: ['sessions'],
        security,
        response: { 200: Type.Object({ data: Type.Array(Session) }), ...problems(401) },
      },
    },
    async (request, reply) => {
      const auth = request.auth!
      const sessions = await services.sessions.list(auth.userId)
      noStore(reply)
      return {
        data: sessions.map((session) => ({
          id: session.id,
          created_at: iso(session.createdAt),
          last_used_at: iso(session.lastUsedAt),
          expires_at: iso(session.expiresAt),
          ip: session.ip,
          user_agent: session.userAgent,
          current: session.id === auth.sessionId,
        })),
      }
    },
  )

  app.delete(
    '/auth/sessions/:id',
    {
      config: { audit: { success: { type: 'session.ended', details: (request) => ({ session_id: (request.params as { id: string }).id }) } } },
      onRequest: app.requireAuth(),
      schema: {
        summary: 'End one of your sessions',
        tags: ['sessions'],
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await services.sessions.revokeOwn(request.auth!.userId, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
