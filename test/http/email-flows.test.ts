// Accounts over email, end to end against a real SMTP server (smtp-server, mails parsed by
// mailparser): registration's verification link, verify on request, forgot and reset, the
// confirmed email change, the notices, and every error of the links. @see issue 16
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail } from '../helpers/client.js'
import { linkIn, startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'

const NEW_PASSWORD = 'a brand new password 42'

describe('accounts over email', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  const to = (address: string, subject?: RegExp) => (mail: ReceivedMail) => mail.envelope.to.includes(address) && (subject === undefined || subject.test(mail.subject ?? ''))

  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, PUBLIC_URL: 'https://app.example.test', MAIL_FROM: 'Acme <no-reply@acme.test>', RATE_LIMIT_AUTH: '1000/1m' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('registration sends a verification link; following it verifies the address', async () => {
    const account = await register(server.url, { full_name: 'Ada Lovelace' })
    assert.equal(account.user.email_verified, false)
    assert.equal(account.user.pending_email, null)
    const mail = await smtp.waitForMail(to(account.email))
    assert.equal(mail.envelope.from, 'no-reply@acme.test')
    assert.match(mail.text ?? '', /Ada Lovelace/)
    assert.match(String(mail.html), /Ada Lovelace/)
    assert.ok(linkIn(mail).startsWith('https://app.example.test/verify-email?token='), linkIn(mail))

    const verified = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(mail) } })
    assert.equal(verified.status, 200, verified.text)
    assert.equal(verified.body.email_verified, true)
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.email_verified, true)

    // A link works once.
    const again = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(mail) } })
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 'email_token_invalid')
  })

  it('verification on request: a new link voids the older one; a verified address gets no mail', async () => {
    const account = await register(server.url)
    const first = await smtp.waitForMail(to(account.email))
    const requested = await api(server.url, '/auth/email/verify/request', { method: 'POST', token: account.accessToken })
    assert.equal(requested.status, 202, requested.text)
    const second = await smtp.waitForMail((mail) => to(account.email)(mail) && mail !== first)
    assert.notEqual(tokenIn(first), tokenIn(second))

    const old = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(first) } })
    assert.equal(old.body.code, 'email_token_invalid', 'a newer link of the same purpose voids the older one')
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(second) } })).status, 200)

    const count = smtp.mails.filter(to(account.email)).length
    assert.equal((await api(server.url, '/auth/email/verify/request', { method: 'POST', token: account.accessToken })).status, 202)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal(smtp.mails.filter(to(account.email)).length, count, 'nothing is sent for a verified address')
  })

  it('forgot, then reset: new password, address verified, every session ended, a "password changed" notice', async () => {
    const account = await register(server.url)
    await smtp.waitForMail(to(account.email))
    const other = await login(server.url, account.email)

    const forgot = await api(server.url, '/auth/password/forgot', { body: { email: account.email.toUpperCase() } })
    assert.equal(forgot.status, 202, forgot.text)
    assert.deepEqual(forgot.body, { status: 'accepted' })
    const resetMail = await smtp.waitForMail((mail) => to(account.email)(mail) && linkIn(mail).includes('/reset-password?'))
    const token = tokenIn(resetMail)

    const reset = await api(server.url, '/auth/password/reset', { body: { token, new_password: NEW_PASSWORD } })
    assert.equal(reset.status, 204, reset.text)
    for (const session of [account, other]) {
      const me = await api(server.url, '/auth/me', { token: session.accessToken })
      assert.equal(me.status, 401)
      assert.equal(me.body.code, 'token_revoked')
    }
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 401)
    const fresh = await login(server.url, account.email, NEW_PASSWORD)
    assert.equal(fresh.user.email_verified, true, 'a reset proves the address')

    const notice = await smtp.waitForMail((mail) => to(account.email)(mail) && mail !== resetMail && !/token=/.test(mail.text ?? ''))
    assert.ok(notice.subject, 'the notice has a subject')

    const reused = await api(server.url, '/auth/password/reset', { body: { token, new_password: 'yet another password 1' } })
    assert.equal(reused.status, 400)
    assert.equal(reused.body.code, 'email_token_invalid')
  })

  it('a password change voids every link sent before it, and sends a notice', async () => {
    const account = await register(server.url)
    const verification = await smtp.waitForMail(to(account.email))
    await api(server.url, '/auth/password/forgot', { body: { email: account.email } })
    const resetMail = await smtp.waitForMail((mail) => to(account.email)(mail) && linkIn(mail).includes('/reset-password?'))
    const before = smtp.mails.filter(to(account.email)).length

    const changed = await api(server.url, '/auth/password', { method: 'PUT', token: account.accessToken, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } })
    assert.equal(changed.status, 204, changed.text)
    await smtp.waitForMail(() => smtp.mails.filter(to(account.email)).length > before)

    for (const [path, body] of [
      ['/auth/password/reset', { token: tokenIn(resetMail), new_password: 'not this one either 1' }],
      ['/auth/email/verify', { token: tokenIn(verification) }],
    ] as const) {
      const response = await api(server.url, path, { body })
      assert.equal(response.status, 400, `${path}: ${response.text}`)
      assert.equal(response.body.code, 'email_token_invalid', path)
    }
  })

  it('an email change waits in pending_email for the link sent to the new address; the old address gets a notice', async () => {
    const account = await register(server.url)
    await smtp.waitForMail(to(account.email))
    const newEmail = uniqueEmail('moved')

    const changed = await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { email: newEmail } })
    assert.equal(changed.status, 200, changed.text)
    assert.equal(changed.body.email, account.email)
    assert.equal(changed.body.pending_email, newEmail)

    const confirm = await smtp.waitForMail(to(newEmail))
    const notice = await smtp.waitForMail((mail) => to(account.email)(mail) && (mail.text ?? '').includes(newEmail))
    assert.doesNotMatch(notice.text ?? '', /token=/, 'the notice carries no link that could complete the change')

    const confirmed = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(confirm) } })
    assert.equal(confirmed.status, 200, confirmed.text)
    assert.equal(confirmed.body.email, newEmail)
    assert.equal(confirmed.body.email_verified, true)
    assert.equal(confirmed.body.pending_email, null)
    await login(server.url, newEmail)
  })

  it('an email change whose address is taken meanwhile fails cleanly with 409 user_exists', async () => {
    const account = await register(server.url)
    const wanted = uniqueEmail('wanted')
    assert.equal((await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { email: wanted } })).status, 200)
    const confirm = await smtp.waitForMail(to(wanted))
    await register(server.url, { email: wanted }) // someone else takes it first

    const late = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(confirm) } })
    assert.equal(late.status, 409, late.text)
    assert.equal(late.body.code, 'user_exists')
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.email, account.email)
    assert.equal(me.body.pending_email, null, 'the change that cannot happen is ended')
  })

  it('changing the email needs a fresh token', async () => {
    const account = await register(server.url)
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    const response = await api(server.url, '/auth/me', { method: 'PATCH', token: refreshed.body.access_token, body: { email: uniqueEmail('stale') } })
    assert.equal(response.status, 401)
    assert.equal(response.body.code, 'fresh_token_required')
  })

  it('a token of one purpose is refused for another; a mistyped or unknown one too', async () => {
    const account = await register(server.url)
    const verification = await smtp.waitForMail(to(account.email))
    const wrongPurpose = await api(server.url, '/auth/password/reset', { body: { token: tokenIn(verification), new_password: NEW_PASSWORD } })
    assert.equal(wrongPurpose.status, 400)
    assert.equal(wrongPurpose.body.code, 'email_token_invalid')
    for (const token of ['x', 'A'.repeat(43), `${tokenIn(verification)}x`]) {
      const response = await api(server.url, '/auth/email/verify', { body: { token } })
      assert.equal(response.status, 400, token)
      assert.equal(response.body.code, 'email_token_invalid', token)
    }
    assert.equal((await api(server.url, '/auth/email/verify', { body: {} })).body.code, 'validation_failed')
  })

  it('mails are in the account\'s locale, and a hostile full name is escaped in the HTML part', async () => {
    const hostile = '<img src=x onerror=alert(1)> & "Ada"'
    const account = await register(server.url, { locale: 'ja', full_name: hostile })
    const mail = await smtp.waitForMail(to(account.email))
    assert.match(mail.subject ?? '', /[\u3040-\u30ff\u4e00-\u9fff]/, `a Japanese subject: ${mail.subject}`)
    assert.ok(!String(mail.html).includes('<img src=x'), 'the name is not markup in the HTML part')
    assert.ok(String(mail.html).includes('&lt;img src=x onerror=alert(1)&gt;'), 'the name is shown, escaped')
    assert.ok((mail.text ?? '').includes(hostile), 'the text part carries the name as it is')
  })

  it('the locale comes from the body or Accept-Language, is stored, and shown in the user object', async () => {
    const byBody = await register(server.url, { locale: 'ja' })
    assert.equal(byBody.user.locale, 'ja')
    const email = uniqueEmail('accept')
    const byHeader = await api(server.url, '/auth/register', { body: { email, password: PASSWORD }, headers: { 'accept-language': 'fr;q=0.9, pt-BR;q=0.8' } })
    assert.equal(byHeader.body.user.locale, 'pt-BR')
    const none = await register(server.url)
    assert.equal(none.user.locale, null)
    const bad = await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, locale: '<script>' } })
    assert.equal(bad.body.code, 'validation_failed')
  })
})

describe('link lifetimes', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, VERIFY_TOKEN_TTL: '1s', RESET_TOKEN_TTL: '1s' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('a link past its lifetime is email_token_expired', async () => {
    const account = await register(server.url)
    const verification = await smtp.waitForMail((mail) => mail.envelope.to.includes(account.email))
    await api(server.url, '/auth/password/forgot', { body: { email: account.email } })
    const resetMail = await smtp.waitForMail((mail) => mail.envelope.to.includes(account.email) && linkIn(mail).includes('/reset-password?'))
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const verify = await api(server.url, '/auth/email/verify', { body: { token: tokenIn(verification) } })
    assert.equal(verify.status, 400)
    assert.equal(verify.body.code, 'email_token_expired')
    const reset = await api(server.url, '/auth/password/reset', { body: { token: tokenIn(resetMail), new_password: NEW_PASSWORD } })
    assert.equal(reset.body.code, 'email_token_expired')
  })
})
