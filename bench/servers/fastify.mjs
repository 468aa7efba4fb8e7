// Reference point, not a target: bare Fastify (no logger, no hooks) answering the same body as the baseline.
// The gap between this and `baseline` is the framework's own cost; the gap between this and `protected` is Tessera's.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ answer: 42 }))
const url = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ msg: 'tessera listening', url }))
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
