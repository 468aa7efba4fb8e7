// Every change of a second factor mails a notice to the account (through the outbox, in the
// change's transaction), and a password reset keeps the factor. Against a real SMTP server. @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { api, login, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'
import { startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const ADMIN_EMAIL = 'notice-admin@example.com'
const ADMIN_PASSWORD = 'notice admin password'

describe('second-factor notice mails', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  const to = (address: string, subject: RegExp) => (mail: ReceivedMail) => mail.envelope.to.includes(address) && subject.test(mail.subject ?? '')

  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, RATE_LIMIT_AUTH: '1000/1m', ADMIN_EMAIL, ADMIN_PASSWORD })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('enabling TOTP, new recovery codes, removing TOTP and an admin reset each send their notice', async () => {
    const account = await register(server.url)
    const { secret } = await enrolTotp(server.url, account)
    await smtp.waitForMail(to(account.email, /Two-step verification is now on/))
    const { mfaToken } = await loginForChallenge(server.url, account.email, PASSWORD)
    const done = await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: mfaToken, code: totpCode(secret, Date.now() + 30_000) } })
    assert.equal(done.status, 200, done.text)
    assert.equal((await api(server.url, '/auth/mfa/recovery-codes', { method: 'POST', token: done.body.access_token })).status, 200)
    await smtp.waitForMail(to(account.email, /New recovery codes/))
    assert.equal((await api(server.url, '/auth/mfa/totp', { method: 'DELETE', token: done.body.access_token })).status, 204)
    await smtp.waitForMail(to(account.email, /turned off/))

    await enrolTotp(server.url, { accessToken: done.body.access_token })
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert.equal((await api(server.url, `/admin/users/${account.user.id}/mfa`, { method: 'DELETE', token: admin.accessToken })).status, 204)
    await smtp.waitForMail(to(account.email, /An administrator reset the sign-in methods/))
  })

  it('a password reset by link keeps TOTP: the new password still asks for the code', async () => {
    const account = await register(server.url)
    await enrolTotp(server.url, account)
    assert.equal((await api(server.url, '/auth/password/forgot', { body: { email: account.email } })).status, 202)
    const mail = await smtp.waitForMail(to(account.email, /Reset your/))
    const newPassword = 'a brand new password 42'
    const reset = await api(server.url, '/auth/password/reset', { body: { token: tokenIn(mail), new_password: newPassword } })
    assert.equal(reset.status, 204, reset.text)
    const pending = await loginForChallenge(server.url, account.email, newPassword)
    assert.deepEqual(pending.methods, ['totp', 'recovery_code'])
  })
})
