import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { ADMIN_ROLE } from '../../services/users.js'
import { noStoreHook } from '../request-info.js'
import { problems } from '../schemas/common.js'
import { SigningKey, toKeyWire } from '../schemas/signing-key.js'


/** Signing keys for admins: list, and rotate without logging anyone out (docs/keys.md). */
export async function adminKeyRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onSend', noStoreHook)
  const tags = ['admin']
  const security = [{ bearerAuth: [] }]

  app.get(
    '/admin/keys',
    {
      onRequest: app.requireAuth({ role: ADMIN_ROLE }),
      schema: {
        summary: 'List signing keys: the active one, retired ones still verifying, expired ones not yet deleted',
        tags,
        security,
        response: { 200: Type.Object({ data: Type.Array(SigningKey) }), ...problems(401, 403) },
      },
    },
    async () => ({ data: (await services.signingKeys.list()).map(toKeyWire) }),
  )

  app.post(
    '/admin/keys/rotate',
    {
      config: { audit: { success: { type: 'admin.key_rotated' } } },
      // A fresh token: a stolen admin token that was only refreshed cannot swap the keys.
      onRequest: app.requireAuth({ role: ADMIN_ROLE, fresh: true }),
      schema: {
        summary: 'Add a new signing key, active at once on every instance; the previous one verifies until its tokens expire',
        description: '403 `forbidden` also when the key is pinned by JWT_SECRET or JWT_PRIVATE_KEY_FILE.',
        tags,
        security,
        response: { 201: SigningKey, ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      const key = toKeyWire(await services.signingKeys.rotate())
      request.auditNote = { details: { kid: key.kid } }
      return reply.code(201).send(key)
    },
  )
}
