import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, jwtVerify, SignJWT } from 'jose'
import { startServer, startServerProcess, assertRefusedAtStart, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN_EMAIL = 'settings-admin@example.com'
const ADMIN_PASSWORD = 'admin password 123'

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-settings-'))
}

// Each bad setting is a unit test of loadConfig (src/config.test.ts); this one checks what the process makes of a refusal.
describe('a bad setting stops the server at start', () => {
  it('JWT_SECRET shorter than 32 bytes exits with code 1 and one stderr line naming JWT_SECRET, without a stack trace', async () => {
    const line = await assertRefusedAtStart({ JWT_SECRET: 'too-short-secret' }, 'JWT_SECRET')
    assert.doesNotMatch(line, /\n|^\s+at /, 'no stack trace')
  })
})

describe('REGISTRATION=closed', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ REGISTRATION: 'closed', ADMIN_EMAIL, ADMIN_PASSWORD })
  })
  after(() => server.stop())

  it('refuses self-registration with 403 registration_disabled', async () => {
    const email = uniqueEmail('closed')
    const response = await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })
    assertProblem(response, 403, 'registration_disabled')
    const attempt = await api(server.url, '/auth/login', { body: { email, password: PASSWORD } })
    assertProblem(attempt, 401, 'invalid_credentials')
  })

  it('still lets an admin create users, who can then log in', async () => {
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const email = uniqueEmail('made-by-admin')
    const created = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD } })
    assert.equal(created.status, 201, created.text)
    const account = await login(server.url, email)
    assert.equal(account.user.id, created.body.id)
  })
})

describe('ADMIN_EMAIL/ADMIN_PASSWORD bootstrap', () => {
  const dir = tempDir()
  after(() => rmSync(dir, { recursive: true, force: true }))

  async function adminsOf(url: string, password = ADMIN_PASSWORD): Promise<any[]> {
    const admin = await login(url, ADMIN_EMAIL, password)
    const response = await api(url, '/admin/users?role=admin&per_page=100', { token: admin.accessToken })
    assert.equal(response.status, 200, response.text)
    return response.body.data
  }

  it('creates the admin on the first start', async () => {
    const server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD }, { dir })
    try {
      const admins = await adminsOf(server.url)
      assert.equal(admins.length, 1)
      assert.equal(admins[0].email, ADMIN_EMAIL)
      assert.deepEqual(admins[0].roles, ['admin'])
      assert.equal(admins[0].active, true)
    } finally {
      await server.stop()
    }
  })

  it('a restart on the same data directory neither fails nor duplicates the admin', async () => {
    const server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD }, { dir })
    try {
      const admins = await adminsOf(server.url)
      assert.equal(admins.length, 1)
      const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const all = await api(server.url, `/admin/users?q=${encodeURIComponent(ADMIN_EMAIL)}`, { token: admin.accessToken })
      assert.equal(all.body.total, 1)
    } finally {
      await server.stop()
    }
  })

  it('a restart with a different ADMIN_PASSWORD leaves the existing admin\'s password alone', async () => {
    const server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD: 'some other password 789' }, { dir })
    try {
      const admins = await adminsOf(server.url)
      assert.equal(admins.length, 1)
      const other = await api(server.url, '/auth/login', { body: { email: ADMIN_EMAIL, password: 'some other password 789' } })
      assertProblem(other, 401, 'invalid_credentials')
    } finally {
      await server.stop()
    }
  })
})

describe('token settings: ACCESS_TOKEN_TTL, JWT_ISSUER, JWT_AUDIENCE', () => {
  let server: RunningServer
  const issuer = 'https://auth.settings.test'
  const audience = 'settings-audience'
  before(async () => {
    server = await startServer({ ACCESS_TOKEN_TTL: '2s', JWT_ISSUER: issuer, JWT_AUDIENCE: audience })
  })
  after(() => server.stop())

  it('ACCESS_TOKEN_TTL=2s gives expires_in 2 and a token whose exp - iat is 2', async () => {
    const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail('ttl'), password: PASSWORD } })
    assert.equal(response.status, 201, response.text)
    assert.equal(response.body.expires_in, 2)
    const claims = decodeJwt(response.body.access_token)
    assert.equal(claims.exp! - claims.iat!, 2)

    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: response.body.refresh_token } })
    assert.equal(refreshed.status, 200, refreshed.text)
    assert.equal(refreshed.body.expires_in, 2)
    const refreshedClaims = decodeJwt(refreshed.body.access_token)
    assert.equal(refreshedClaims.exp! - refreshedClaims.iat!, 2)
  })

  it('JWT_ISSUER and JWT_AUDIENCE appear as iss and aud, and such a token is accepted', async () => {
    const account = await register(server.url)
    const claims = decodeJwt(account.accessToken)
    assert.equal(claims.iss, issuer)
    assert.ok(claims.aud === audience || (Array.isArray(claims.aud) && claims.aud.length === 1 && claims.aud[0] === audience), `aud ${JSON.stringify(claims.aud)}`)
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.status, 200)
  })

  const forged = [
    { name: 'the default issuer', change: { iss: 'tessera' } },
    { name: 'the default audience', change: { aud: 'tessera' } },
  ]
  for (const c of forged) {
    it(`a token with ${c.name} instead of the configured one gets 401 token_invalid`, async () => {
      const account = await register(server.url)
      const claims = { ...decodeJwt(account.accessToken), ...c.change }
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(TEST_JWT_SECRET))
      const response = await api(server.url, '/auth/me', { token })
      assertProblem(response, 401, 'token_invalid')
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })
  }
})

// The process reads .env from its working directory (serve.ts), so these start processes.
describe('a .env file in the working directory', () => {
  const dir = tempDir()
  before(() => {
    writeFileSync(join(dir, '.env'), '# settings for the test\nREGISTRATION=closed\nJWT_ISSUER=issuer-from-dotenv\n')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('is read when the environment does not set a variable', async () => {
    const server = await startServerProcess({}, { dir })
    try {
      const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail('dotenv'), password: PASSWORD } })
      assertProblem(response, 403, 'registration_disabled')
    } finally {
      await server.stop()
    }
  })

  it('loses to a real environment variable, while its other values still apply', async () => {
    const server = await startServerProcess({ REGISTRATION: 'open' }, { dir })
    try {
      const account = await register(server.url)
      assert.equal(decodeJwt(account.accessToken).iss, 'issuer-from-dotenv')
    } finally {
      await server.stop()
    }
  })
})

describe('without JWT_SECRET', () => {
  const dir = tempDir()
  after(() => rmSync(dir, { recursive: true, force: true }))
  let account: { email: string; accessToken: string; refreshToken: string }

  it('starts with a generated key (an empty JWT_SECRET counts as unset) instead of the test secret', async () => {
    const server = await startServer({ JWT_SECRET: '' }, { dir })
    try {
      account = await register(server.url)
      assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).status, 200)
      await assert.rejects(jwtVerify(account.accessToken, new TextEncoder().encode(TEST_JWT_SECRET)), 'the token is signed with the test secret')
    } finally {
      await server.stop()
    }
  })

  it('keeps the generated key in the database, so a token issued before a restart still works after it', async () => {
    assert.ok(account, 'the previous test must have registered an account')
    const server = await startServer({ JWT_SECRET: '' }, { dir })
    try {
      const me = await api(server.url, '/auth/me', { token: account.accessToken })
      assert.equal(me.status, 200, me.text)
      assert.equal(me.body.email, account.email)
      const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
      assert.equal(refreshed.status, 200, refreshed.text)
    } finally {
      await server.stop()
    }
  })

  it('a server with another database generates another key and rejects that token with token_invalid', async () => {
    assert.ok(account, 'the first test must have registered an account')
    const server = await startServer({ JWT_SECRET: '' })
    try {
      const response = await api(server.url, '/auth/me', { token: account.accessToken })
      assertProblem(response, 401, 'token_invalid')
    } finally {
      await server.stop()
    }
  })
})
