// runs-on: every-database
// (only 'two instances on one database without Redis' uses the pass's database; the PostgreSQL and Redis describes run once, in the SQLite pass)
// Several Tessera instances on one database (and Redis): a revocation on one is honoured by the
// others at once (Redis, or PostgreSQL LISTEN/NOTIFY) or within the poll interval (other databases). @see issue 4
// Instances sharing only PostgreSQL: the logout's NOTIFY commits with its row before the 204. @see issue 14 (finding 11)
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createTestDatabase, testBackend, unavailable, type TestDatabase } from '../helpers/databases.js'
import { redisUnavailable, SHARED_REDIS_URL } from '../helpers/redis-server.js'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { api, login, register, PASSWORD } from '../helpers/client.js'

/** Polls `probe` until it returns true; resolves with the milliseconds it took, or rejects after `limitMs`. */
async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now()
  for (;;) {
    if (await probe()) return performance.now() - start
    if (performance.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const revokedOn = (server: ServerProcess, token: string) => async () => {
  const response = await api(server.url, '/auth/me', { token })
  return response.status === 401 && response.body.code === 'token_revoked'
}

/** The describes that make their own PostgreSQL database run in the SQLite pass only: the other passes would repeat them unchanged. */
const otherPass = testBackend() === 'sqlite' ? undefined : 'runs in the SQLite pass only'
const skipShared = otherPass ?? (await unavailable('postgres')) ?? (await redisUnavailable())

describe('three instances on one PostgreSQL and Redis', { skip: skipShared ?? false }, () => {
  let database: TestDatabase
  const servers: ServerProcess[] = []
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'admin password 123' }

  before(async () => {
    database = await createTestDatabase('postgres')
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: `tessera-test-${randomUUID()}:`,
      // Polling is slowed to a minute: only Redis can explain a revocation seen within 100 ms.
      REVOCATION_POLL_INTERVAL: '60s',
      REFRESH_REUSE_GRACE: '0',
      RATE_LIMIT_AUTH: '1000/1m',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    }
    for (let i = 0; i < 3; i++) servers.push(await startServerProcess(env)) // one by one: migrations and the admin bootstrap run once
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  it('a logout on A is honoured by B and C within 100 ms', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const account = await register(a.url)
    assert.equal((await api(b.url, '/auth/me', { token: account.accessToken })).status, 200)
    assert.equal((await api(a.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
    const [onB, onC] = await Promise.all([within(100, revokedOn(b, account.accessToken)), within(100, revokedOn(c, account.accessToken))])
    assert.ok(onB <= 100 && onC <= 100)
  })

  it('a password change on B revokes the other sessions on A and C within 100 ms', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const first = await register(a.url)
    const second = await login(c.url, first.email)
    const changed = await api(b.url, '/auth/password', { method: 'PUT', token: first.accessToken, body: { current_password: PASSWORD, new_password: 'a brand new password' } })
    assert.equal(changed.status, 204)
    await within(100, revokedOn(a, second.accessToken))
    await within(100, revokedOn(c, second.accessToken))
  })

  it('a deactivation by an admin on C revokes the user on A and B within 100 ms', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const adminTokens = await login(c.url, admin.email, admin.password)
    const user = await register(a.url)
    const patched = await api(c.url, `/admin/users/${user.user.id}`, { method: 'PATCH', token: adminTokens.accessToken, body: { active: false } })
    assert.equal(patched.status, 200)
    await within(100, revokedOn(a, user.accessToken))
    await within(100, revokedOn(b, user.accessToken))
  })

  it('reuse of a rotated refresh token on A ends the session on B and C within 100 ms', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const account = await register(b.url)
    const rotated = await api(a.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assert.equal(rotated.status, 200)
    await new Promise((resolve) => setTimeout(resolve, 1100)) // past REFRESH_REUSE_GRACE=0, at one-second token resolution
    const reused = await api(a.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assert.equal(reused.body.code, 'refresh_token_reused')
    await within(100, revokedOn(b, rotated.body.access_token))
    await within(100, revokedOn(c, account.accessToken))
  })

  it('the refresh token a logout ended on A is refused on B', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess]
    const account = await register(a.url)
    assert.equal((await api(a.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
    const refreshed = await api(b.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assert.equal(refreshed.status, 401)
    assert.equal(refreshed.body.code, 'token_revoked')
  })
})

describe('limits shared through Redis', { skip: skipShared ?? false }, () => {
  let database: TestDatabase
  const servers: ServerProcess[] = []

  before(async () => {
    database = await createTestDatabase('postgres')
    const env = { DATABASE_URL: database.url, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: `tessera-test-${randomUUID()}:`, RATE_LIMIT_AUTH: '6/1m', LOGIN_FAILURE_LIMIT: '2/1m' }
    for (let i = 0; i < 3; i++) servers.push(await startServerProcess(env))
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  it('count failed logins of one account across instances', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const account = await register(a.url) // 1 of 6
    for (const server of [a, b]) {
      const failed = await api(server.url, '/auth/login', { body: { email: account.email, password: 'wrong password!' } }) // 2, 3 of 6
      assert.equal(failed.body.code, 'invalid_credentials')
    }
    const locked = await api(c.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }) // 4 of 6
    assert.equal(locked.status, 429)
    assert.equal(locked.body.code, 'rate_limited')
  })

  it('count requests per address across instances', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess]
    const statuses: number[] = []
    for (const server of [a, b, c]) statuses.push((await api(server.url, '/auth/login', { body: { email: 'nobody@example.com', password: 'whatever123' } })).status)
    // 4 requests were counted by the previous test; the budget of 6 ends within these three.
    assert.equal(statuses.at(-1), 429)
    const limited = await api(a.url, '/auth/register', { body: { email: 'late@example.com', password: PASSWORD } })
    assert.equal(limited.status, 429)
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/)
  })
})

describe('two instances on one database without Redis', () => {
  let first: ServerProcess
  let second: ServerProcess

  before(async () => {
    first = await startServerProcess({ REVOCATION_POLL_INTERVAL: '1s' })
    second = await startServerProcess({ REVOCATION_POLL_INTERVAL: '1s', DATABASE_URL: first.env.DATABASE_URL! })
  })
  after(async () => {
    await second?.stop({ keepData: true })
    await first?.stop()
  })

  it('a logout on one is honoured by the other within the poll interval (1 s, plus one poll of slack)', async () => {
    const account = await register(first.url)
    assert.equal((await api(second.url, '/auth/me', { token: account.accessToken })).status, 200)
    assert.equal((await api(first.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
    const elapsed = await within(2000, revokedOn(second, account.accessToken))
    assert.ok(elapsed <= 2000)
  })
})

const skipPostgres = otherPass ?? (await unavailable('postgres'))

describe('two instances sharing only PostgreSQL (no Redis)', { skip: skipPostgres ?? false }, () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let a: ServerProcess
  let b: ServerProcess
  let c: ServerProcess

  before(async () => {
    database = await createTestDatabase('postgres')
    // C reaches PostgreSQL through a proxy, so a test can take its connections (the LISTEN one too) away.
    // B does not: the proxy runs in this test process, which would hold up the NOTIFY on its way to B.
    proxy = await startTcpProxy('127.0.0.1', 5432)
    const throughProxy = new URL(database.url)
    throughProxy.host = proxy.address
    // Polling is slowed to a minute: only LISTEN/NOTIFY can explain a revocation seen at once.
    const env = { REVOCATION_POLL_INTERVAL: '60s', RATE_LIMIT_AUTH: '1000/1m' }
    a = await startServerProcess({ ...env, DATABASE_URL: database.url })
    b = await startServerProcess({ ...env, DATABASE_URL: database.url })
    c = await startServerProcess({ ...env, DATABASE_URL: throughProxy.toString() })
  })
  after(async () => {
    await c?.stop({ keepData: true })
    await b?.stop({ keepData: true })
    await a?.stop({ keepData: true })
    await proxy?.close()
    await database?.drop()
  })

  it('B refuses a token right after its logout on A got 204 (50 trials)', async () => {
    const TRIALS = 50
    let accepted = 0
    for (let trial = 0; trial < TRIALS; trial++) {
      const account = await register(a.url)
      assert.equal((await api(b.url, '/auth/me', { token: account.accessToken })).status, 200)
      assert.equal((await api(a.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
      const onB = await api(b.url, '/auth/me', { token: account.accessToken })
      if (onB.status === 200) accepted++
      else assert.equal(onB.body.code, 'token_revoked')
    }
    console.log(`[postgres-only] accepted on B after the 204 on A: ${accepted} of ${TRIALS} trials`)
    assert.equal(accepted, 0, `${accepted} of ${TRIALS} trials accepted a logged-out token`)
  })

  it('an instance fails closed while its LISTEN connection is lost, and has caught up before it accepts again', async () => {
    const loggedOut = await register(a.url)
    const staying = await register(a.url)
    for (const account of [loggedOut, staying]) assert.equal((await api(c.url, '/auth/me', { token: account.accessToken })).status, 200)
    proxy.cut()
    await within(8000, async () => {
      const me = await api(c.url, '/auth/me', { token: staying.accessToken })
      return me.status === 503 && me.body.code === 'service_unavailable'
    })
    // Made while B hears nothing: B must learn of it from the database before trusting any token again.
    assert.equal((await api(a.url, '/auth/logout', { method: 'POST', token: loggedOut.accessToken })).status, 204)
    proxy.restore()
    await within(10_000, async () => (await api(c.url, '/auth/me', { token: staying.accessToken })).status === 200)
    const revoked = await api(c.url, '/auth/me', { token: loggedOut.accessToken })
    assert.equal(revoked.status, 401)
    assert.equal(revoked.body.code, 'token_revoked')
  })

  it('a logout that an instance too stuck to confirm would lie about answers 503, and that instance fails closed until it has caught up', async () => {
    const account = await register(a.url)
    assert.equal((await api(c.url, '/auth/me', { token: account.accessToken })).status, 200)
    // A stopped process is one whose event loop never comes back: it cannot confirm.
    c.process.kill('SIGSTOP')
    let logout
    try {
      logout = await api(a.url, '/auth/logout', { method: 'POST', token: account.accessToken })
    } finally {
      c.process.kill('SIGCONT')
    }
    assert.equal(logout.status, 503)
    assert.equal(logout.body.code, 'service_unavailable')
    // A ended C's LISTEN connection before answering: woken, C refuses until it has read the table again.
    const first = await api(c.url, '/auth/me', { token: account.accessToken })
    assert.notEqual(first.status, 200, 'the stuck instance accepted the token when it woke')
    await within(10_000, revokedOn(c, account.accessToken))
    // Stored all along: B, which confirmed, refuses it too.
    assert.equal((await api(b.url, '/auth/me', { token: account.accessToken })).body.code, 'token_revoked')
  })
})
