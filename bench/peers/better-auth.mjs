// Peer: Better Auth 1.x, email and password on SQLite (better-sqlite3, resolved from Tessera's own
// install), with its `bearer` and `jwt` plugins, on bare node:http. The bench drives its sign-up,
// sign-in, get-session (cookie cache off or on: BA_COOKIE_CACHE) and `/token` endpoints.
// Rate limiting is off, as Tessera's limits are raised for the bench.
import { createServer } from 'node:http'
import Database from 'better-sqlite3'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { toNodeHandler } from 'better-auth/node'
import { bearer, jwt } from 'better-auth/plugins'

const database = new Database(process.env.BA_DATABASE ?? ':memory:')
database.pragma('journal_mode = WAL')
const options = {
  database,
  secret: process.env.BA_SECRET ?? 'bench secret, at least thirty-two characters long',
  baseURL: 'http://127.0.0.1',
  emailAndPassword: { enabled: true },
  plugins: [bearer(), jwt()],
  rateLimit: { enabled: false },
  session: { cookieCache: { enabled: process.env.BA_COOKIE_CACHE === 'on', maxAge: 300 } },
  logger: { disabled: true },
  telemetry: { enabled: false },
}
const { runMigrations } = await getMigrations(options)
await runMigrations()
const handler = toNodeHandler(betterAuth(options))

const server = createServer((request, response) => handler(request, response))
server.keepAliveTimeout = 72_000
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  console.log(JSON.stringify({ msg: 'tessera listening', url: `http://127.0.0.1:${port}` }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
