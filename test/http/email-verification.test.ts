// The settings of accounts over email and the admin's part: EMAIL_VERIFICATION=required/off,
// EMAIL_CHANGE_CONFIRMATION=off, RATE_LIMIT_EMAIL, PATCH email_verified and the admin's
// send-verification and send-password-reset, the audit trail, and MAIL_URL=log. @see issue 16
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail } from '../helpers/client.js'
import { linkIn, startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'

const ADMIN_EMAIL = 'mail-admin@example.com'
const ADMIN_PASSWORD = 'mail admin password'
const to = (address: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('EMAIL_VERIFICATION=required', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, EMAIL_VERIFICATION: 'required', ADMIN_EMAIL, ADMIN_PASSWORD })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('a correct password on an unverified address is 403 email_not_verified; a wrong one learns nothing', async () => {
    const account = await register(server.url)
    const right = await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })
    assert.equal(right.status, 403, right.text)
    assert.equal(right.body.code, 'email_not_verified')
    const wrong = await api(server.url, '/auth/login', { body: { email: account.email, password: 'a wrong password' } })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body.code, 'invalid_credentials')

    const mail = await smtp.waitForMail(to(account.email))
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(mail) } })).status, 200)
    await login(server.url, account.email)
  })

  it('the ADMIN_EMAIL account counts as verified; an admin can mark an address verified', async () => {
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const account = await register(server.url)
    const patched = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { email_verified: true } })
    assert.equal(patched.status, 200, patched.text)
    assert.equal(patched.body.email_verified, true)
    await login(server.url, account.email)
    const audit = await api(server.url, `/admin/audit?type=admin.user_updated`, { token: admin.accessToken })
    assert.ok(audit.body.data.some((event: { target_id: string; details: { fields: string[] } }) => event.target_id === account.user.id && event.details.fields.includes('email_verified')))
  })
})

describe('the admin sends verification and reset mails; RATE_LIMIT_EMAIL', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  let admin: Awaited<ReturnType<typeof login>>
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_EMAIL: '2/1h', RATE_LIMIT_AUTH: '1000/1m' })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('send-verification and send-password-reset deliver working links, and are audited', async () => {
    const account = await register(server.url)
    await smtp.waitForMail(to(account.email))
    const verification = await api(server.url, `/admin/users/${account.user.id}/send-verification`, { method: 'POST', token: admin.accessToken })
    assert.equal(verification.status, 202, verification.text)
    await smtp.waitForMail(() => smtp.mails.filter(to(account.email)).length === 2)
    const verifyMail = smtp.mails.filter(to(account.email))[1]!
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(verifyMail) } })).status, 200)

    const reset = await api(server.url, `/admin/users/${account.user.id}/send-password-reset`, { method: 'POST', token: admin.accessToken })
    assert.equal(reset.status, 202, reset.text)
    const resetMail = await smtp.waitForMail((mail) => to(account.email)(mail) && linkIn(mail).includes('/reset-password?'))
    assert.equal((await api(server.url, '/auth/password/reset', { body: { token: tokenIn(resetMail), new_password: 'reset by the admin 1' } })).status, 204)

    const types = (await api(server.url, '/admin/audit?per_page=100', { token: admin.accessToken })).body.data.map((event: { type: string }) => event.type)
    for (const type of ['admin.verification_sent', 'admin.password_reset_sent', 'password.reset', 'email.verified', 'user.registered']) assert.ok(types.includes(type), `${type} in ${types}`)
  })

  it('an admin setting a password voids the links and sends a notice', async () => {
    const account = await register(server.url)
    const verification = await smtp.waitForMail(to(account.email))
    const patched = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { password: 'set by an admin 123' } })
    assert.equal(patched.status, 200, patched.text)
    await smtp.waitForMail(() => smtp.mails.filter(to(account.email)).length === 2)
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(verification) } })).body.code, 'email_token_invalid')
  })

  it('send-password-reset refuses an account that cannot receive one', async () => {
    const account = await register(server.url)
    await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })
    const response = await api(server.url, `/admin/users/${account.user.id}/send-password-reset`, { method: 'POST', token: admin.accessToken })
    assert.equal(response.status, 400)
    assert.equal(response.body.code, 'validation_failed')
    const missing = await api(server.url, '/admin/users/0190b5a0-0000-7000-8000-000000000000/send-verification', { method: 'POST', token: admin.accessToken })
    assert.equal(missing.body.code, 'user_not_found')
  })

  it('past RATE_LIMIT_EMAIL the answer stays 202 and no further mail goes to that address', async () => {
    const account = await register(server.url)
    await smtp.waitForMail(to(account.email))
    for (let i = 0; i < 4; i++) {
      const response = await api(server.url, '/auth/password/forgot', { body: { email: account.email } })
      assert.equal(response.status, 202)
    }
    await sleep(1500)
    const resets = smtp.mails.filter((mail) => to(account.email)(mail) && linkIn(mail).includes('/reset-password?'))
    assert.equal(resets.length, 2, 'two reset mails (the limit), not four')
  })
})

describe('EMAIL_VERIFICATION=off and EMAIL_CHANGE_CONFIRMATION=off', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, EMAIL_VERIFICATION: 'off', EMAIL_CHANGE_CONFIRMATION: 'off' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('registration sends nothing; an email change happens at once, unverified, with a notice to the old address', async () => {
    const account = await register(server.url)
    await sleep(1500)
    assert.equal(smtp.mails.filter(to(account.email)).length, 0)
    const newEmail = uniqueEmail('at-once')
    const changed = await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { email: newEmail } })
    assert.equal(changed.status, 200, changed.text)
    assert.equal(changed.body.email, newEmail)
    assert.equal(changed.body.email_verified, false)
    assert.equal(changed.body.pending_email, null)
    const notice = await smtp.waitForMail(to(account.email))
    assert.match(notice.text ?? '', new RegExp(newEmail.replace(/[.]/g, '\\.')))
  })
})

describe('MAIL_URL=log (the default)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({})
  })
  after(() => server?.stop())

  it('each mail is logged at info with its link and written as an .eml file beside the database', async () => {
    const account = await register(server.url)
    const outbox = join(server.dir, 'outbox')
    for (let i = 0; i < 50 && !(existsSync(outbox) && readdirSync(outbox).length > 0); i++) await sleep(100)
    const files = readdirSync(outbox).filter((name) => name.endsWith('.eml'))
    assert.equal(files.length, 1)
    const eml = readFileSync(join(outbox, files[0]!), 'utf8')
    assert.match(eml, new RegExp(`^To: ${account.email}$`, 'm'))
    const line = server.output.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'mail written (MAIL_URL=log)')
    assert.ok(line, 'a log line for the mail')
    assert.equal(line.level, 30)
    assert.equal(line.mail.to, account.email)
    const token = new URL(line.mail.link).searchParams.get('token')!
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token } })).status, 200, 'the logged link works')
  })
})

describe('RATE_LIMIT_AUTH covers the email endpoints', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ RATE_LIMIT_AUTH: '3/1m' })
  })
  after(() => server?.stop())

  it('per client address, across forgot, reset and verify', async () => {
    const statuses: number[] = []
    statuses.push((await api(server.url, '/auth/password/forgot', { body: { email: uniqueEmail() } })).status)
    statuses.push((await api(server.url, '/auth/password/reset', { body: { token: 'x', new_password: 'whatever password' } })).status)
    statuses.push((await api(server.url, '/auth/email/verify', { body: { token: 'x' } })).status)
    const limited = await api(server.url, '/auth/password/forgot', { body: { email: uniqueEmail() } })
    assert.deepEqual(statuses, [202, 400, 400])
    assert.equal(limited.status, 429)
    assert.equal(limited.body.code, 'rate_limited')
    assert.ok(limited.headers.get('retry-after'))
  })
})
