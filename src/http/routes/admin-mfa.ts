import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { ADMIN_ROLE } from '../../services/users.js'
import { noStoreHook } from '../request-info.js'
import { IdParams, problems } from '../schemas/common.js'

/** `DELETE /admin/users/{id}/mfa`: an admin removes every second factor of an account (a lost phone). */
export async function adminMfaRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onRequest', app.requireAuth({ role: ADMIN_ROLE }))
  app.addHook('onSend', noStoreHook)
  app.delete(
    '/admin/users/:id/mfa',
    {
      config: { audit: { success: { type: 'admin.mfa_reset', targetFromParams: true } } },
      schema: {
        summary: 'Remove every second factor and passkey of a user',
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await services.users.requireUser(request.params.id)
      const removed = await services.totp.resetByAdmin(user)
      request.auditNote = { targetId: user.id, details: { totp: removed.totp, passkeys: removed.passkeys } }
      return reply.code(204).send(null)
    },
  )
}
