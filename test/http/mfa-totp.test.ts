// TOTP enrolment, login with a second factor, recovery codes, and the amr of each way in. @see issue 18
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { api, login, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const NEXT_STEP = 30_000
const ADMIN_EMAIL = 'mfa-admin@example.com'
const ADMIN_PASSWORD = 'mfa admin password'

describe('TOTP over HTTP', () => {
  let server: RunningServer
  let url: string
  before(async () => {
    server = await startServer({ RATE_LIMIT_AUTH: '1000/1m', LOGIN_FAILURE_LIMIT: '50/15m', ADMIN_EMAIL, ADMIN_PASSWORD })
    url = server.url
  })
  after(() => server?.stop())

  it('enrolment answers 201 {secret, otpauth_uri, qr_svg}; the user shows mfa.totp only once confirmed', async () => {
    const account = await register(url)
    assert.deepEqual(account.user.mfa, { totp: false, passkeys: 0 })
    const started = await api(url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken })
    assert.equal(started.status, 201, started.text)
    assert.match(started.body.secret, /^[A-Z2-7]{32}$/)
    const uri = new URL(started.body.otpauth_uri)
    assert.equal(uri.protocol, 'otpauth:')
    assert.equal(uri.searchParams.get('secret'), started.body.secret)
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1')
    assert.equal(uri.searchParams.get('digits'), '6')
    assert.equal(uri.searchParams.get('period'), '30')
    assert.match(started.body.qr_svg, /^<svg[\s\S]*<\/svg>\s*$/)
    assert.equal(started.headers.get('cache-control'), 'no-store')
    assert.equal((await api(url, '/auth/me', { token: account.accessToken })).body.mfa.totp, false)
    // A second start replaces the unconfirmed one: the first secret no longer confirms.
    const again = await api(url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken })
    assert.notEqual(again.body.secret, started.body.secret)
    assertProblem(await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: totpCode(started.body.secret) } }), 400, 'mfa_code_invalid')
    const confirmed = await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: totpCode(again.body.secret) } })
    assert.equal(confirmed.status, 200, confirmed.text)
    assert.equal(confirmed.body.recovery_codes.length, 10)
    assert.equal(new Set(confirmed.body.recovery_codes).size, 10)
    assert.deepEqual((await api(url, '/auth/me', { token: account.accessToken })).body.mfa, { totp: true, passkeys: 0 })
    // Enabled: starting again is refused until it is removed.
    assertProblem(await api(url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken }), 409, 'mfa_already_enabled')
    assertProblem(await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: totpCode(again.body.secret) } }), 409, 'mfa_already_enabled')
  })

  it('confirmation: a wrong code is 400 mfa_code_invalid; without an enrolment too; a refreshed token cannot start one', async () => {
    const account = await register(url)
    assertProblem(await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: '123456' } }), 400, 'mfa_code_invalid')
    await api(url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken })
    assertProblem(await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: 'abcdef' } }), 400, 'mfa_code_invalid')
    assertProblem(await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: {} }), 400, 'validation_failed', '/code')
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assertProblem(await api(url, '/auth/mfa/totp', { method: 'POST', token: refreshed.body.access_token }), 401, 'fresh_token_required')
    assertProblem(await api(url, '/auth/mfa/totp', { method: 'POST' }), 401, 'authorization_required')
  })

  it('a correct password on an account with TOTP is 401 mfa_required with mfa_token and methods; a code finishes it with amr ["pwd","otp"]', async () => {
    const account = await register(url)
    const { secret } = await enrolTotp(url, account)
    const response = await api(url, '/auth/login', { body: { email: account.email, password: PASSWORD } })
    assertProblem(response, 401, 'mfa_required')
    assert.deepEqual(response.body.methods, ['totp', 'recovery_code'])
    assert.equal(typeof response.body.mfa_token, 'string')
    assert.equal(response.body.access_token, undefined)
    const done = await api(url, '/auth/mfa/challenge', { body: { mfa_token: response.body.mfa_token, code: totpCode(secret, Date.now() + NEXT_STEP) } })
    assert.equal(done.status, 200, done.text)
    assert.equal(done.headers.get('cache-control'), 'no-store')
    const claims = decodeJwt(done.body.access_token)
    assert.deepEqual(claims.amr, ['pwd', 'otp'])
    assert.equal(claims.fresh, true)
    assert.equal(done.body.user.mfa.totp, true)
    // The mfa_token is single use.
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: response.body.mfa_token, code: totpCode(secret) } }), 401, 'mfa_code_invalid')
    // A refresh keeps the amr, not fresh.
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: done.body.refresh_token } })
    assert.deepEqual(decodeJwt(refreshed.body.access_token).amr, ['pwd', 'otp'])
    assert.equal(decodeJwt(refreshed.body.access_token).fresh, false)
  })

  it('a TOTP code works once: the same code again (or the confirming one) is mfa_code_invalid', async () => {
    const account = await register(url)
    const { secret } = await enrolTotp(url, account)
    const confirmingCode = totpCode(secret)
    const first = await loginForChallenge(url, account.email, PASSWORD)
    // The step the confirmation used is spent (unless the clock moved on a step; then this code is the next one's and works).
    const reused = await api(url, '/auth/mfa/challenge', { body: { mfa_token: first.mfaToken, code: confirmingCode } })
    if (reused.status === 401) assertProblem(reused, 401, 'mfa_code_invalid')
    const code = totpCode(secret, Date.now() + NEXT_STEP)
    const ok = reused.status === 200 ? reused : await api(url, '/auth/mfa/challenge', { body: { mfa_token: first.mfaToken, code } })
    assert.equal(ok.status, 200, ok.text)
    const second = await loginForChallenge(url, account.email, PASSWORD)
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: second.mfaToken, code } }), 401, 'mfa_code_invalid')
  })

  it('recovery codes work once each and give amr ["pwd","mfa"]; replacing them voids the old ones', async () => {
    const account = await register(url)
    const { recoveryCodes } = await enrolTotp(url, account)
    const first = await loginForChallenge(url, account.email, PASSWORD)
    // Typed back loosely: upper case, no dashes.
    const done = await api(url, '/auth/mfa/challenge', { body: { mfa_token: first.mfaToken, recovery_code: recoveryCodes[0]!.toUpperCase().replaceAll('-', '') } })
    assert.equal(done.status, 200, done.text)
    assert.deepEqual(decodeJwt(done.body.access_token).amr, ['pwd', 'mfa'])
    const second = await loginForChallenge(url, account.email, PASSWORD)
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: second.mfaToken, recovery_code: recoveryCodes[0] } }), 401, 'mfa_code_invalid')
    const replaced = await api(url, '/auth/mfa/recovery-codes', { method: 'POST', token: done.body.access_token })
    assert.equal(replaced.status, 200, replaced.text)
    assert.equal(replaced.body.recovery_codes.length, 10)
    const third = await loginForChallenge(url, account.email, PASSWORD)
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: third.mfaToken, recovery_code: recoveryCodes[1] } }), 401, 'mfa_code_invalid')
    const fourth = await loginForChallenge(url, account.email, PASSWORD)
    const withNew = await api(url, '/auth/mfa/challenge', { body: { mfa_token: fourth.mfaToken, recovery_code: replaced.body.recovery_codes[0] } })
    assert.equal(withNew.status, 200, withNew.text)
  })

  it('requireAuth({ mfa: true }) is met by a TOTP login (the step-up route of the example host app is in mfa-amr.test.ts)', async () => {
    const account = await register(url)
    const { secret } = await enrolTotp(url, account)
    const { mfaToken } = await loginForChallenge(url, account.email, PASSWORD)
    const done = await api(url, '/auth/mfa/challenge', { body: { mfa_token: mfaToken, code: totpCode(secret, Date.now() + NEXT_STEP) } })
    assert.ok(decodeJwt(done.body.access_token).amr)
    // /auth/me works with it like any token.
    assert.equal((await api(url, '/auth/me', { token: done.body.access_token })).status, 200)
  })

  it('the challenge body: exactly one answer; a passkey that is no WebAuthn assertion is 400 validation_failed; bad tokens are mfa_code_invalid', async () => {
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: 'x' } }), 400, 'validation_failed', '/code')
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: 'x', code: '123456', recovery_code: 'abcd' } }), 400, 'validation_failed', '/recovery_code')
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: 'x', passkey: { id: 'abc' } } }), 400, 'validation_failed', '/passkey/response')
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: 'not a token', code: '123456' } }), 401, 'mfa_code_invalid')
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: 'x', code: '123456', extra: 1 } }), 400, 'validation_failed')
  })

  it('DELETE /auth/mfa/totp (fresh) removes the factor: the password alone logs in again; a second delete is 404', async () => {
    const account = await register(url)
    const { secret } = await enrolTotp(url, account)
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assertProblem(await api(url, '/auth/mfa/totp', { method: 'DELETE', token: refreshed.body.access_token }), 401, 'fresh_token_required')
    const { mfaToken } = await loginForChallenge(url, account.email, PASSWORD)
    const done = await api(url, '/auth/mfa/challenge', { body: { mfa_token: mfaToken, code: totpCode(secret, Date.now() + NEXT_STEP) } })
    const removed = await api(url, '/auth/mfa/totp', { method: 'DELETE', token: done.body.access_token })
    assert.equal(removed.status, 204, removed.text)
    assertProblem(await api(url, '/auth/mfa/totp', { method: 'DELETE', token: done.body.access_token }), 404, 'not_found')
    assertProblem(await api(url, '/auth/mfa/recovery-codes', { method: 'POST', token: done.body.access_token }), 404, 'not_found')
    const plain = await login(url, account.email)
    assert.deepEqual(decodeJwt(plain.accessToken).amr, ['pwd'])
    assert.equal(plain.user.mfa.totp, false)
  })

  it('an admin reset removes every factor and is audited; a non-admin gets 403; an unknown user 404; a password reset by the admin keeps the factor', async () => {
    const admin = await login(url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const account = await register(url)
    const { secret } = await enrolTotp(url, account)
    assertProblem(await api(url, `/admin/users/${account.user.id}/mfa`, { method: 'DELETE', token: account.accessToken }), 403, 'forbidden')
    assertProblem(await api(url, '/admin/users/0190a5a4-0000-7000-8000-000000000000/mfa', { method: 'DELETE', token: admin.accessToken }), 404, 'user_not_found')
    // Setting a new password does not remove the factor.
    const newPassword = 'another password entirely'
    assert.equal((await api(url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { password: newPassword } })).status, 200)
    const pending = await loginForChallenge(url, account.email, newPassword)
    assert.deepEqual(pending.methods, ['totp', 'recovery_code'])
    const reset = await api(url, `/admin/users/${account.user.id}/mfa`, { method: 'DELETE', token: admin.accessToken })
    assert.equal(reset.status, 204, reset.text)
    // The pending login died with the factors; the password alone now logs in.
    assertProblem(await api(url, '/auth/mfa/challenge', { body: { mfa_token: pending.mfaToken, code: totpCode(secret, Date.now() + NEXT_STEP) } }), 401, 'mfa_code_invalid')
    const plain = await login(url, account.email, newPassword)
    assert.equal(plain.user.mfa.totp, false)
    const events = await api(url, `/admin/audit?type=admin.mfa_reset&target_id=${account.user.id}`, { token: admin.accessToken })
    assert.equal(events.status, 200, events.text)
    assert.equal(events.body.data.length, 1)
    assert.equal(events.body.data[0].actor_id, admin.user.id)
    const enabled = await api(url, `/admin/audit?type=mfa.totp_enabled&actor_id=${account.user.id}`, { token: admin.accessToken })
    assert.equal(enabled.body.data.length, 1)
  })
})
