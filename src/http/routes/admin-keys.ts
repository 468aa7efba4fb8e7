import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import type { KeyInfo } from '../../services/key-store.js'
import { ADMIN_ROLE } from '../../services/users.js'
import { noStore } from '../request-info.js'
import { problems, Timestamp } from '../schemas/common.js'

/** A signing key as admins see it: public information only, never private material. */
const SigningKey = Type.Object({
  kid: Type.String(),
  algorithm: Type.String({ examples: ['ES256'] }),
  state: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('expired')], {
    description: '`active` signs new tokens; `retired` still verifies until `verifies_until`; `expired` verifies nothing and is about to be deleted',
  }),
  created_at: Type.Union([Timestamp, Type.Null()], { description: 'Null for a key pinned by JWT_SECRET or JWT_PRIVATE_KEY_FILE' }),
  retired_at: Type.Union([Timestamp, Type.Null()]),
  verifies_until: Type.Union([Timestamp, Type.Null()], { description: 'Null while active' }),
  public_jwk: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], { description: 'As published in the JWKS; null for HS256' }),
})

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

function toKeyWire(key: KeyInfo) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    created_at: iso(key.createdAt),
    retired_at: iso(key.retiredAt),
    verifies_until: iso(key.verifiesUntil),
    public_jwk: key.publicJwk,
  }
}

/** Signing keys for admins: list, and rotate without logging anyone out (docs/keys.md). */
export async function adminKeyRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onSend', async (_request, reply, payload) => {
    noStore(reply)
    return payload
  })
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
