// Peer: the usual Node approach. Fastify with @fastify/jwt (HS256) and an in-memory denylist of
// 100,000 revoked token ids, checked on every request, in front of the same route as Tessera's
// `protected` (`GET /secret`). It prints a valid token on its "listening" line for the bench to use.
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'

const denylist = new Set(Array.from({ length: 100_000 }, () => randomUUID()))
const app = Fastify({ logger: false })
await app.register(fastifyJwt, { secret: process.env.PEER_JWT_SECRET ?? 'bench secret, at least thirty-two bytes', sign: { algorithm: 'HS256', expiresIn: '1h' }, verify: { algorithms: ['HS256'] } })
app.addHook('onRequest', async (request, reply) => {
  try {
    const claims = await request.jwtVerify()
    if (denylist.has(claims.jti)) return reply.code(401).send({ error: 'revoked' })
  } catch {
    return reply.code(401).send({ error: 'invalid token' })
  }
})
app.get('/secret', async () => ({ answer: 42 }))
const url = await app.listen({ host: '127.0.0.1', port: 0 })
const token = app.jwt.sign({ sub: randomUUID(), jti: randomUUID() })
console.log(JSON.stringify({ msg: 'tessera listening', url, token }))
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
