// When the database or Redis is unreachable, authenticated requests get 503 with Retry-After (never
// a 200 from a stale allow), /health names the failed check, and service resumes by itself. @see issue 4
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestDatabase, unavailable, type TestDatabase } from '../helpers/databases.js'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, register, type Account } from '../helpers/client.js'

async function eventually(limitMs: number, probe: () => Promise<boolean>): Promise<void> {
  const start = Date.now()
  while (!(await probe())) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const meStatus = async (server: ServerProcess, account: Account) => (await api(server.url, '/auth/me', { token: account.accessToken })).status

const privateRedis = await startPrivateRedis()

describe('Redis goes away and comes back', { skip: privateRedis ? false : 'redis-server is not installed' }, () => {
  let redis: PrivateRedis
  let server: ServerProcess
  let account: Account

  before(async () => {
    redis = privateRedis!
    server = await startServerProcess({ REDIS_URL: redis.url })
    account = await register(server.url)
  })
  after(async () => {
    await server?.stop()
    await redis?.stop()
  })

  it('authenticated requests, logins and /health answer 503 while Redis is down, without crashing', async () => {
    assert.equal(await meStatus(server, account), 200)
    await redis.kill()
    await eventually(3000, async () => (await meStatus(server, account)) === 503)
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.code, 'service_unavailable')
    assert.match(me.headers.get('retry-after') ?? '', /^\d+$/)
    const loggedIn = await api(server.url, '/auth/login', { body: { email: account.email, password: account.password } })
    assert.equal(loggedIn.status, 503)
    assert.equal(loggedIn.body.code, 'service_unavailable')
    const health = await api(server.url, '/health')
    assert.equal(health.status, 503)
    assert.equal(health.body.checks.redis, 'error')
    assert.equal(health.body.checks.database, 'ok')
    assert.equal(server.process.exitCode, null, 'the server is still running')
  })

  it('service resumes without a restart once Redis is back', async () => {
    await redis.restart()
    await eventually(8000, async () => (await meStatus(server, account)) === 200)
    assert.equal((await api(server.url, '/health')).status, 200)
    const loggedIn = await api(server.url, '/auth/login', { body: { email: account.email, password: account.password } })
    assert.equal(loggedIn.status, 200)
    assert.ok(!server.output.some((line) => /unhandled|uncaught/i.test(line)), 'no unhandled rejection was logged')
  })
})

const postgresSkip = await unavailable('postgres')

describe('PostgreSQL goes away and comes back', { skip: postgresSkip ?? false }, () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let server: ServerProcess
  let account: Account

  before(async () => {
    database = await createTestDatabase('postgres')
    proxy = await startTcpProxy('127.0.0.1', 5432)
    const url = new URL(database.url)
    url.host = proxy.address
    server = await startServerProcess({ DATABASE_URL: url.toString(), REVOCATION_POLL_INTERVAL: '1s' })
    account = await register(server.url)
  })
  after(async () => {
    await server?.stop({ keepData: true })
    await proxy?.close()
    await database?.drop()
  })

  it('authenticated requests and /health answer 503 while the database is unreachable', async () => {
    assert.equal(await meStatus(server, account), 200)
    proxy.cut()
    await eventually(5000, async () => (await meStatus(server, account)) === 503)
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.code, 'service_unavailable')
    assert.match(me.headers.get('retry-after') ?? '', /^\d+$/)
    const health = await api(server.url, '/health')
    assert.equal(health.status, 503)
    assert.equal(health.body.checks.database, 'error')
    assert.equal(server.process.exitCode, null, 'the server is still running')
  })

  it('service resumes without a restart once the database is back', async () => {
    proxy.restore()
    await eventually(10000, async () => (await meStatus(server, account)) === 200)
    assert.equal((await api(server.url, '/health')).status, 200)
    assert.ok(!server.output.some((line) => /unhandled|uncaught/i.test(line)), 'no unhandled rejection was logged')
  })
})
