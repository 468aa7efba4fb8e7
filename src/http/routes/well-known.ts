import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'

const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) })

/** RFC 8414-style discovery: the public keys that verify Tessera's access tokens. */
export async function wellKnownRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Public signing keys (empty with HS256, whose key is secret)',
        tags: ['discovery'],
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return services.keys.jwks()
    },
  )
}
