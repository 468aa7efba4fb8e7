// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { assertProblem, assertFieldError } from '../helpers/problems.js'

const ENV = { RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m' }
const NEW_PASSWORD = 'a brand new passphrase'

/** An access token with fresh=false, as /auth/refresh issues. */
async function nonFreshToken(url: string, account: Account): Promise<string> {
  const response = await api(url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
  assert.equal(response.status, 200, response.text)
  assert.equal(decodeJwt(response.body.access_token).fresh, false)
  return response.body.access_token
}

const USER_KEYS = ['active', 'created_at', 'email', 'email_verified', 'full_name', 'id', 'last_login_at', 'locale', 'mfa', 'pending_email', 'roles', 'updated_at', 'username']

describe('GET /auth/me', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(ENV)
  })
  after(() => server.stop())

  it('answers the caller as a user object without password fields, not cacheable', async () => {
    const account = await register(server.url, { username: `me_${process.pid}`, full_name: 'Grace Hopper' })
    const response = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(Object.keys(response.body).sort(), USER_KEYS)
    assert.equal(response.body.id, account.user.id)
    assert.equal(response.body.email, account.email)
    assert.equal(response.body.username, `me_${process.pid}`)
    assert.equal(response.body.full_name, 'Grace Hopper')
    assert.deepEqual(response.body.roles, [])
    assert.equal(response.body.active, true)
  })

  it('reads the Bearer scheme case-insensitively', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/auth/me', { headers: { authorization: `bEaReR ${account.accessToken}` } })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.id, account.user.id)
  })

  it('accepts a non-fresh token from a refresh', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/auth/me', { token: await nonFreshToken(server.url, account) })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.id, account.user.id)
  })

  it('never reads the token from the query string', async () => {
    const account = await register(server.url)
    const response = await api(server.url, `/auth/me?access_token=${account.accessToken}`)
    assertProblem(response, 401, 'authorization_required')
  })

  it('without a token needs authorization', async () => {
    assertProblem(await api(server.url, '/auth/me'), 401, 'authorization_required')
  })

  it('with a refresh token as Bearer is wrong_token_type', async () => {
    const account = await register(server.url)
    assertProblem(await api(server.url, '/auth/me', { token: account.refreshToken }), 401, 'wrong_token_type')
  })

  it('with a garbage token is token_invalid', async () => {
    assertProblem(await api(server.url, '/auth/me', { token: 'not.a.jwt' }), 401, 'token_invalid')
  })
})

describe('PATCH /auth/me', () => {
  let server: RunningServer
  const takenUsername = `Taken_${process.pid}`
  let taken: Account
  before(async () => {
    server = await startServer(ENV)
    taken = await register(server.url, { username: takenUsername })
  })
  after(() => server.stop())

  const patch = (token: string, body: unknown) => api(server.url, '/auth/me', { method: 'PATCH', token, body })

  it('sets username and full_name and answers the updated user', async () => {
    const account = await register(server.url)
    const username = `new_${process.pid}`
    const response = await patch(account.accessToken, { username, full_name: 'Ada Lovelace' })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.equal(response.body.username, username)
    assert.equal(response.body.full_name, 'Ada Lovelace')
    assert.ok(Date.parse(response.body.updated_at) >= Date.parse(account.user.updated_at))
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.username, username)
    assert.equal(me.body.full_name, 'Ada Lovelace')
  })

  it('null clears full_name and leaves username alone', async () => {
    const username = `clr_${process.pid}`
    const account = await register(server.url, { username, full_name: 'To Be Cleared' })
    const response = await patch(account.accessToken, { full_name: null })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.full_name, null)
    assert.equal(response.body.username, username)
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.full_name, null)
  })

  it('null clears username', async () => {
    const account = await register(server.url, { username: `clru_${process.pid}` })
    const response = await patch(account.accessToken, { username: null })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.username, null)
  })

  it('an empty body changes nothing', async () => {
    const account = await register(server.url, { full_name: 'Unchanged' })
    const response = await patch(account.accessToken, {})
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.full_name, 'Unchanged')
    assert.equal(response.body.email, account.email)
  })

  it('keeps the own username when it is sent again in another case', async () => {
    const username = `Own_${process.pid}`
    const account = await register(server.url, { username })
    const response = await patch(account.accessToken, { username: username.toLowerCase() })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.username, username.toLowerCase())
  })

  it('a username another user holds, in another case, is a conflict', async () => {
    const account = await register(server.url)
    const response = await patch(account.accessToken, { username: takenUsername.toUpperCase() })
    assertProblem(response, 409, 'user_exists')
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.username, null)
  })

  it('an email change with a fresh token waits, lower-cased, in pending_email; the current email still logs in', async () => {
    // Its link completes the change (test/http/email-flows.test.ts); EMAIL_CHANGE_CONFIRMATION=off changes it at once.
    const account = await register(server.url)
    const newEmail = uniqueEmail('moved')
    const response = await patch(account.accessToken, { email: `  ${newEmail.toUpperCase()} ` })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.email, account.email)
    assert.equal(response.body.pending_email, newEmail)
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
    assertProblem(await api(server.url, '/auth/login', { body: { email: newEmail, password: PASSWORD } }), 401, 'invalid_credentials')
  })

  it('changing the email with a non-fresh token is fresh_token_required', async () => {
    const account = await register(server.url)
    const response = await patch(await nonFreshToken(server.url, account), { email: uniqueEmail('stale') })
    assertProblem(response, 401, 'fresh_token_required')
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.email, account.email)
  })

  it('changing username and full_name with a non-fresh token is allowed', async () => {
    const account = await register(server.url)
    const response = await patch(await nonFreshToken(server.url, account), { username: `stale_${process.pid}`, full_name: 'Still Me' })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.full_name, 'Still Me')
  })

  it('an email another user holds, in another case, is a conflict', async () => {
    const account = await register(server.url)
    assertProblem(await patch(account.accessToken, { email: taken.email.toUpperCase() }), 409, 'user_exists')
  })

  const cases: Array<{ name: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; status: number; code: string; errorPath?: string }> = [
    { name: 'an unknown field "roles" is refused', body: { roles: ['admin'] }, status: 400, code: 'validation_failed', errorPath: '/roles' },
    { name: 'an unknown field "active" is refused', body: { active: false }, status: 400, code: 'validation_failed', errorPath: '/active' },
    { name: 'an unknown field "password" is refused', body: { password: NEW_PASSWORD }, status: 400, code: 'validation_failed', errorPath: '/password' },
    { name: 'a 2-character username is refused', body: { username: 'ab' }, status: 400, code: 'validation_failed', errorPath: '/username' },
    { name: 'a username containing "@" is refused', body: { username: 'ada@home' }, status: 400, code: 'validation_failed', errorPath: '/username' },
    { name: 'a username that is a number is refused', body: { username: 12345 }, status: 400, code: 'validation_failed', errorPath: '/username' },
    { name: 'an empty full_name is refused', body: { full_name: '' }, status: 400, code: 'validation_failed', errorPath: '/full_name' },
    { name: 'a 201-character full_name is refused', body: { full_name: 'x'.repeat(201) }, status: 400, code: 'validation_failed', errorPath: '/full_name' },
    { name: 'an invalid email is refused', body: { email: 'not-an-email' }, status: 400, code: 'validation_failed', errorPath: '/email' },
    { name: 'a null email is refused', body: { email: null }, status: 400, code: 'validation_failed', errorPath: '/email' },
    { name: 'a text/plain body is an unsupported media type', rawBody: '{"full_name":"x"}', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
    { name: 'unparseable JSON is invalid_json', rawBody: '{"full_name":', headers: { 'content-type': 'application/json' }, status: 400, code: 'invalid_json' },
    {
      name: 'a body over 64 KiB is too large',
      rawBody: JSON.stringify({ full_name: 'x'.repeat(70 * 1024) }),
      headers: { 'content-type': 'application/json' },
      status: 413,
      code: 'payload_too_large',
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const account = await register(server.url, { full_name: 'Before' })
      const response = await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: c.body, rawBody: c.rawBody, headers: c.headers })
      assertProblem(response, c.status, c.code)
      if (c.errorPath) assertFieldError(response, c.errorPath)
      assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.full_name, 'Before')
    })
  }

  it('without a token needs authorization', async () => {
    assertProblem(await api(server.url, '/auth/me', { method: 'PATCH', body: { full_name: 'x' } }), 401, 'authorization_required')
  })
})

describe('PUT /auth/password', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(ENV)
  })
  after(() => server.stop())

  const put = (token: string | undefined, body: unknown) => api(server.url, '/auth/password', { method: 'PUT', token, body })

  it('changes the password: 204, the current session survives, another session is revoked', async () => {
    const account = await register(server.url)
    const other = await login(server.url, account.email)
    const response = await put(account.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD })
    assert.equal(response.status, 204, response.text)
    assert.equal(response.text, '')

    // The session that changed the password goes on: its access token and its refresh token.
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).status, 200)
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assert.equal(refreshed.status, 200, refreshed.text)

    // Every other session ends at once.
    assertProblem(await api(server.url, '/auth/me', { token: other.accessToken }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: other.refreshToken } }), 401, 'token_revoked')
  })

  it('the old password no longer logs in and the new one does', async () => {
    const account = await register(server.url)
    assert.equal((await put(account.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD })).status, 204)
    assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }), 401, 'invalid_credentials')
    const fresh = await api(server.url, '/auth/login', { body: { email: account.email, password: NEW_PASSWORD } })
    assert.equal(fresh.status, 200, fresh.text)
  })

  it('lists only the current session afterwards', async () => {
    const account = await register(server.url)
    await login(server.url, account.email)
    await login(server.url, account.email)
    assert.equal((await put(account.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD })).status, 204)
    const sessions = await api(server.url, '/auth/sessions', { token: account.accessToken })
    assert.equal(sessions.status, 200, sessions.text)
    assert.deepEqual(
      sessions.body.data.map((session: { id: string }) => session.id),
      [decodeJwt(account.accessToken).sid],
    )
  })

  it('a non-fresh token is fresh_token_required and the password stays', async () => {
    const account = await register(server.url)
    const response = await put(await nonFreshToken(server.url, account), { current_password: PASSWORD, new_password: NEW_PASSWORD })
    assertProblem(response, 401, 'fresh_token_required')
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
  })

  it('a wrong current password is invalid_credentials and no session ends', async () => {
    const account = await register(server.url)
    const other = await login(server.url, account.email)
    const response = await put(account.accessToken, { current_password: 'not my password', new_password: NEW_PASSWORD })
    assertProblem(response, 401, 'invalid_credentials')
    assert.equal((await api(server.url, '/auth/me', { token: other.accessToken })).status, 200)
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
  })

  const cases: Array<{ name: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; status: number; code: string; errorPath?: string }> = [
    { name: 'a missing current_password is refused', body: { new_password: NEW_PASSWORD }, status: 400, code: 'validation_failed', errorPath: '/current_password' },
    { name: 'a missing new_password is refused', body: { current_password: PASSWORD }, status: 400, code: 'validation_failed', errorPath: '/new_password' },
    { name: 'a 7-character new_password is refused', body: { current_password: PASSWORD, new_password: '1234567' }, status: 400, code: 'validation_failed', errorPath: '/new_password' },
    { name: 'a 129-character new_password is refused', body: { current_password: PASSWORD, new_password: 'p'.repeat(129) }, status: 400, code: 'validation_failed', errorPath: '/new_password' },
    { name: 'a new_password that is a number is refused', body: { current_password: PASSWORD, new_password: 123456789 }, status: 400, code: 'validation_failed', errorPath: '/new_password' },
    { name: 'an unknown field is refused', body: { current_password: PASSWORD, new_password: NEW_PASSWORD, logout_others: false }, status: 400, code: 'validation_failed', errorPath: '/logout_others' },
    { name: 'an empty body is refused', rawBody: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'validation_failed' },
    { name: 'a text/plain body is an unsupported media type', rawBody: JSON.stringify({ current_password: PASSWORD, new_password: NEW_PASSWORD }), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
    { name: 'unparseable JSON is invalid_json', rawBody: '{"current_password":', headers: { 'content-type': 'application/json' }, status: 400, code: 'invalid_json' },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const account = await register(server.url)
      const response = await api(server.url, '/auth/password', { method: 'PUT', token: account.accessToken, body: c.body, rawBody: c.rawBody, headers: c.headers })
      assertProblem(response, c.status, c.code)
      if (c.errorPath) assertFieldError(response, c.errorPath)
      assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
    })
  }

  it('without a token needs authorization', async () => {
    assertProblem(await put(undefined, { current_password: PASSWORD, new_password: NEW_PASSWORD }), 401, 'authorization_required')
  })
})

describe('DELETE /auth/me', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(ENV)
  })
  after(() => server.stop())

  const remove = (token?: string) => api(server.url, '/auth/me', { method: 'DELETE', token })

  it('deletes the account: 204, its tokens are revoked and it no longer logs in', async () => {
    const account = await register(server.url)
    const other = await login(server.url, account.email)
    const response = await remove(account.accessToken)
    assert.equal(response.status, 204, response.text)
    assert.equal(response.text, '')
    assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/me', { token: other.accessToken }), 401, 'token_revoked')
    // The refresh token's rows go with the account, so "revoked" and "invalid" both say it truthfully.
    const refresh = await api(server.url, '/auth/refresh', { body: { refresh_token: other.refreshToken } })
    assert.equal(refresh.status, 401, refresh.text)
    assert.ok(['token_revoked', 'token_invalid'].includes(refresh.body.code), refresh.text)
    assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }), 401, 'invalid_credentials')
  })

  it('frees the email for a new registration', async () => {
    const account = await register(server.url)
    assert.equal((await remove(account.accessToken)).status, 204)
    const again = await api(server.url, '/auth/register', { body: { email: account.email, password: PASSWORD } })
    assert.equal(again.status, 201, again.text)
    assert.notEqual(again.body.user.id, account.user.id)
  })

  it('a non-fresh token is fresh_token_required and the account stays', async () => {
    const account = await register(server.url)
    assertProblem(await remove(await nonFreshToken(server.url, account)), 401, 'fresh_token_required')
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
  })

  it('without a token needs authorization', async () => {
    assertProblem(await remove(), 401, 'authorization_required')
  })
})

describe('DELETE /auth/me by the last admin', () => {
  let server: RunningServer
  const adminEmail = `root-${process.pid}@example.com`
  const adminPassword = 'admin password 123'
  before(async () => {
    server = await startServer({ ...ENV, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword })
  })
  after(() => server.stop())

  it('the last active admin cannot delete themselves: 409 last_admin', async () => {
    const admin = await login(server.url, adminEmail, adminPassword)
    assert.deepEqual(admin.user.roles, ['admin'])
    const response = await api(server.url, '/auth/me', { method: 'DELETE', token: admin.accessToken })
    assertProblem(response, 409, 'last_admin')
    assert.equal((await api(server.url, '/auth/me', { token: admin.accessToken })).status, 200)
  })

  it('an admin may delete themselves once another active admin exists', async () => {
    const admin = await login(server.url, adminEmail, adminPassword)
    const second = { email: uniqueEmail('admin2'), password: 'second admin pass' }
    const created = await api(server.url, '/admin/users', { token: admin.accessToken, body: { ...second, roles: ['admin'] } })
    assert.equal(created.status, 201, created.text)
    const secondAdmin = await login(server.url, second.email, second.password)
    assert.equal((await api(server.url, '/auth/me', { method: 'DELETE', token: admin.accessToken })).status, 204)
    // Now the second admin is the last one.
    assertProblem(await api(server.url, '/auth/me', { method: 'DELETE', token: secondAdmin.accessToken }), 409, 'last_admin')
  })
})
