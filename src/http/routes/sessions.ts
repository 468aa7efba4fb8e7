import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { noStore } from '../request-info.js'
import { IdParams, problems } from '../schemas/common.js'
import { Session, toSessionWire } from '../schemas/session.js'

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
        data: sessions.map((session) => ({ ...toSessionWire(session), current: session.id === auth.sessionId })),
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
