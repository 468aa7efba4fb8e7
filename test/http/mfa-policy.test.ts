// MFA=required and MFA=required_for_admins: an account without a factor gets a token that can only enrol one. @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { api, PASSWORD, register } from '../helpers/client.js'
import { loginForChallenge, totpCode } from '../helpers/mfa.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const ADMIN_EMAIL = 'policy-admin@example.com'
const ADMIN_PASSWORD = 'policy admin password'

describe('MFA=required', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ MFA: 'required', RATE_LIMIT_AUTH: '1000/1m' })
  })
  after(() => server?.stop())

  it('registration and login answer a restricted token: only enrolment, GET /auth/me and logout; everything else is 403 mfa_enrollment_required', async () => {
    const url = server.url
    const registered = await api(url, '/auth/register', { body: { email: `policy-${Date.now()}@example.com`, password: PASSWORD } })
    assert.equal(registered.status, 201, registered.text)
    assert.equal(registered.body.mfa_enrollment_required, true)
    const loggedIn = await api(url, '/auth/login', { body: { email: registered.body.user.email, password: PASSWORD } })
    assert.equal(loggedIn.status, 200, loggedIn.text)
    assert.equal(loggedIn.body.mfa_enrollment_required, true)
    const token = loggedIn.body.access_token
    assert.equal(decodeJwt(token).scope, 'mfa_enrollment')
    assert.equal((await api(url, '/auth/me', { token })).status, 200)
    assertProblem(await api(url, '/auth/sessions', { token }), 403, 'mfa_enrollment_required')
    assertProblem(await api(url, '/auth/me', { method: 'PATCH', token, body: { full_name: 'X' } }), 403, 'mfa_enrollment_required')
    assertProblem(await api(url, '/auth/mfa/recovery-codes', { method: 'POST', token }), 403, 'mfa_enrollment_required')
    // A refresh keeps the restriction.
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: loggedIn.body.refresh_token } })
    assert.equal(refreshed.body.mfa_enrollment_required, true)
    assertProblem(await api(url, '/auth/sessions', { token: refreshed.body.access_token }), 403, 'mfa_enrollment_required')
    // Enrolment works with the restricted token.
    const started = await api(url, '/auth/mfa/totp', { method: 'POST', token })
    assert.equal(started.status, 201, started.text)
    const confirmed = await api(url, '/auth/mfa/totp/confirm', { token, body: { code: totpCode(started.body.secret) } })
    assert.equal(confirmed.status, 200, confirmed.text)
    // The next login asks for the code and then gives an ordinary token.
    const { mfaToken } = await loginForChallenge(url, registered.body.user.email, PASSWORD)
    const done = await api(url, '/auth/mfa/challenge', { body: { mfa_token: mfaToken, code: totpCode(started.body.secret, Date.now() + 30_000) } })
    assert.equal(done.status, 200, done.text)
    assert.equal(done.body.mfa_enrollment_required, undefined)
    assert.equal(decodeJwt(done.body.access_token).scope, undefined)
    assert.equal((await api(url, '/auth/sessions', { token: done.body.access_token })).status, 200)
    // Logout works with a restricted token too.
    assert.equal((await api(url, '/auth/logout', { token: refreshed.body.access_token, body: {} })).status, 204)
  })
})

describe('MFA=required_for_admins', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ MFA: 'required_for_admins', ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_AUTH: '1000/1m' })
  })
  after(() => server?.stop())

  it('restricts the admin without a factor, not other users', async () => {
    const user = await register(server.url)
    assert.equal((await api(server.url, '/auth/sessions', { token: user.accessToken })).status, 200)
    const admin = await api(server.url, '/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })
    assert.equal(admin.status, 200, admin.text)
    assert.equal(admin.body.mfa_enrollment_required, true)
    assertProblem(await api(server.url, '/admin/users', { token: admin.body.access_token }), 403, 'mfa_enrollment_required')
  })
})
