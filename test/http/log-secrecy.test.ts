// Passwords and tokens never reach a log line, whatever the request carried. @see issue 2
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'

describe('the server log', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServerProcess({ LOG_LEVEL: 'trace' })
  })
  after(() => server.stop())

  it('holds no password, access token or refresh token after a whole session of requests', async () => {
    const password = 'p4ssw0rd-that-must-never-be-logged'
    const newPassword = 'another-s3cret-never-to-be-logged'
    const account = await register(server.url, { password })
    const secrets = [password, newPassword, account.accessToken, account.refreshToken]
    const basic = Buffer.from(`${account.email}:${password}`).toString('base64')
    const loggedIn = await api(server.url, '/auth/login', { method: 'POST', headers: { authorization: `Basic ${basic}` } })
    secrets.push(basic, loggedIn.body.access_token, loggedIn.body.refresh_token)
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: loggedIn.body.refresh_token } })
    secrets.push(refreshed.body.access_token, refreshed.body.refresh_token)
    await api(server.url, '/auth/me', { token: account.accessToken })
    await api(server.url, '/auth/login', { body: { email: account.email, password: `${password}-wrong` } })
    await api(server.url, '/auth/password', { method: 'PUT', token: account.accessToken, body: { current_password: password, new_password: newPassword } })
    await api(server.url, '/auth/me', { token: 'not-a-token', headers: { cookie: `session=${account.refreshToken}` } })
    await api(server.url, '/auth/logout', { method: 'POST', token: refreshed.body.access_token })
    await new Promise((resolve) => setTimeout(resolve, 300)) // log lines are flushed every 100 ms
    const log = server.output.join('\n')
    assert.ok(log.includes('"route":"/auth/login"'), 'the requests were logged')
    for (const secret of secrets) assert.ok(!log.includes(secret), `a secret reached the log: ${secret.slice(0, 12)}…`)
  })

  it('holds no TOTP secret, code, recovery code or mfa_token after enrolment and second-factor logins (issue 18)', async () => {
    const account = await register(server.url)
    const { secret, recoveryCodes } = await enrolTotp(server.url, account)
    const first = await loginForChallenge(server.url, account.email, PASSWORD)
    const code = totpCode(secret, Date.now() + 30_000)
    await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: first.mfaToken, code: '000000' } })
    const done = await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: first.mfaToken, code } })
    assert.equal(done.status, 200, done.text)
    const second = await loginForChallenge(server.url, account.email, PASSWORD)
    await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: second.mfaToken, recovery_code: recoveryCodes[0] } })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const log = server.output.join('\n')
    assert.ok(log.includes('"route":"/auth/mfa/challenge"'), 'the requests were logged')
    // The 6-digit code as a JSON string: bare, it could be part of a timestamp.
    for (const value of [secret, `"${code}"`, first.mfaToken, second.mfaToken, ...recoveryCodes, done.body.access_token]) {
      assert.ok(!log.includes(value), `a secret reached the log: ${value.slice(0, 6)}…`)
    }
  })
})
