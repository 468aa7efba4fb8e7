import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, login, register, uniqueEmail, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'
import { ROOT } from '../helpers/paths.js'

/** The example app (examples/protected-api), which imports `tessera-auth` from dist/ through the package's "exports". */
const EXAMPLE = resolve(ROOT, 'examples/protected-api/server.mjs')

describe('the protected-api example', () => {
  const adminEmail = uniqueEmail('admin')
  const adminPassword = 'admin password 12345'
  let server: ServerProcess
  let user: Account
  before(async () => {
    server = await startServerProcess({ ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword }, { script: EXAMPLE })
    user = await register(server.url)
  })
  after(() => server.stop())

  it('logs its address the way npm start does', () => {
    const line = server.output.find((text) => text.includes('"tessera listening"'))
    assert.ok(line)
    assert.equal(JSON.parse(line).url, server.url)
  })

  it('still serves Tessera\'s own routes', async () => {
    const me = await api(server.url, '/auth/me', { token: user.accessToken })
    assert.equal(me.status, 200)
    assert.equal(me.body.email, user.email)
  })

  describe('GET /secret', () => {
    it('without a token is 401 authorization_required with a Bearer invalid_request challenge', async () => {
      const response = await api(server.url, '/secret')
      assertProblem(response, 401, 'authorization_required')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_request"')
    })

    it('with an access token from /auth/register answers {answer: 42}', async () => {
      const response = await api(server.url, '/secret', { token: user.accessToken })
      assert.equal(response.status, 200)
      assert.deepEqual(response.body, { answer: 42 })
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
      assert.ok(response.headers.get('x-request-id'))
    })

    it('with a garbage token is 401 token_invalid with a Bearer invalid_token challenge', async () => {
      const response = await api(server.url, '/secret', { token: 'not-a-jwt' })
      assertProblem(response, 401, 'token_invalid')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })

    it('with a refresh token as Bearer is 401 wrong_token_type', async () => {
      const response = await api(server.url, '/secret', { token: user.refreshToken })
      assertProblem(response, 401, 'wrong_token_type')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })
  })

  describe('GET /forecast/:date', () => {
    it('answers a forecast for a valid date', async () => {
      const response = await api(server.url, '/forecast/2026-11-22', { token: user.accessToken })
      assert.equal(response.status, 200)
      assert.equal(response.body.date, '2026-11-22')
      assert.equal(typeof response.body.sky, 'string')
      assert.equal(typeof response.body.high_c, 'number')
      assert.equal(typeof response.body.low_c, 'number')
    })

    it('answers the same forecast for the same date every time', async () => {
      const first = await api(server.url, '/forecast/2026-11-22', { token: user.accessToken })
      const second = await api(server.url, '/forecast/2026-11-22', { token: user.accessToken })
      assert.equal(second.status, 200)
      assert.deepEqual(second.body, first.body)
    })

    it('accepts 29 February of a leap year', async () => {
      const response = await api(server.url, '/forecast/2028-02-29', { token: user.accessToken })
      assert.equal(response.status, 200)
      assert.equal(response.body.date, '2028-02-29')
    })

    const invalid = [
      { name: 'a day that does not exist (2026-02-30)', date: '2026-02-30' },
      { name: 'a word (tomorrow)', date: 'tomorrow' },
      { name: '29 February of a common year (2026-02-29)', date: '2026-02-29' },
      { name: 'a month 13 (2026-13-01)', date: '2026-13-01' },
      { name: 'a date without zero padding (2026-1-5)', date: '2026-1-5' },
    ]
    for (const c of invalid) {
      it(`rejects ${c.name} with 400 validation_failed at /date`, async () => {
        const response = await api(server.url, `/forecast/${c.date}`, { token: user.accessToken })
        assertProblem(response, 400, 'validation_failed')
        assert.ok(Array.isArray(response.body.errors))
        assert.equal(response.body.errors[0].path, '/date')
      })
    }

    it('checks the token before the date: no token and a bad date is 401, not 400', async () => {
      const response = await api(server.url, '/forecast/tomorrow')
      assertProblem(response, 401, 'authorization_required')
    })
  })

  describe('GET /reports (admin, fresh token)', () => {
    it('as a normal user is 403 forbidden', async () => {
      const response = await api(server.url, '/reports', { token: user.accessToken })
      assertProblem(response, 403, 'forbidden')
    })

    it('without a token is 401 authorization_required', async () => {
      const response = await api(server.url, '/reports')
      assertProblem(response, 401, 'authorization_required')
    })

    it('as an admin with a token from a password login answers 200', async () => {
      const admin = await login(server.url, adminEmail, adminPassword)
      const response = await api(server.url, '/reports', { token: admin.accessToken })
      assert.equal(response.status, 200)
      assert.equal(response.body.generated_for, admin.user.id)
    })

    it('records each call as a reports.viewed event through app.tessera.audit, read at GET /admin/audit', async () => {
      const admin = await login(server.url, adminEmail, adminPassword)
      const response = await api(server.url, '/reports', { token: admin.accessToken })
      assert.equal(response.status, 200)
      const audit = await api(server.url, '/admin/audit?type=reports.viewed', { token: admin.accessToken })
      assert.equal(audit.status, 200, audit.text)
      const event = audit.body.data.find((row: { request_id: string }) => row.request_id === response.headers.get('x-request-id'))
      assert.ok(event, audit.text)
      assert.equal(event.actor_id, admin.user.id)
    })

    it('as an admin with a refreshed (non-fresh) token is 401 fresh_token_required', async () => {
      const admin = await login(server.url, adminEmail, adminPassword)
      const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: admin.refreshToken } })
      assert.equal(refreshed.status, 200)
      const response = await api(server.url, '/reports', { token: refreshed.body.access_token })
      assertProblem(response, 401, 'fresh_token_required')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })
  })

  describe('after logout', () => {
    it('the session\'s access token is 401 token_revoked on /secret', async () => {
      const account = await register(server.url)
      assert.equal((await api(server.url, '/secret', { token: account.accessToken })).status, 200)
      const logout = await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })
      assert.equal(logout.status, 204)
      const response = await api(server.url, '/secret', { token: account.accessToken })
      assertProblem(response, 401, 'token_revoked')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })

    it('the session\'s access token is 401 token_revoked on /forecast too', async () => {
      const account = await register(server.url)
      await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })
      const response = await api(server.url, '/forecast/2026-11-22', { token: account.accessToken })
      assertProblem(response, 401, 'token_revoked')
    })
  })
})

// @see issue 13: following the main README and then this example gave 409 user_exists and TOKEN=null.
describe('the protected-api example without DATABASE_URL', () => {
  it('uses a database of its own (./data/protected-api.db), not npm start\'s ./data/tessera.db', async () => {
    const server = await startServerProcess({ DATABASE_URL: '' }, { script: EXAMPLE })
    try {
      await register(server.url, { email: 'ada@example.com' })
      assert.ok(existsSync(join(server.dir, 'data', 'protected-api.db')), 'no ./data/protected-api.db')
      assert.equal(existsSync(join(server.dir, 'data', 'tessera.db')), false, 'the example wrote to npm start\'s database')
    } finally {
      await server.stop()
    }
  })
})
