// runs-on: every-database
// Several Tessera instances on one database (and Redis): a revocation on one is honoured by the
// others at once (Redis) or within the poll interval (database only). @see issue 4
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createTestDatabase, unavailable, type TestDatabase } from '../helpers/databases.js'
import { redisUnavailable, SHARED_REDIS_URL } from '../helpers/redis-server.js'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
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

const skipShared = (await unavailable('postgres')) ?? (await redisUnavailable())

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
