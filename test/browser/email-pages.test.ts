// The SPA example's email pages in a real Chromium, driven by the links of real mails (smtp-server):
// forgot password → the mail → its reset link → a new password → log in with it; and the page of
// a verification link. @see issue 16
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Browser } from 'playwright-core'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { linkIn, startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'
import { EXAMPLE_APP, launchChromium, skipWithoutChromium as skip } from './chromium.js'

const NEW_PASSWORD = 'chosen in the browser 7'

/** A port free right now, so PUBLIC_URL (and with it every link in the mails) is the server's real address. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

describe('the SPA example\'s email pages in Chromium', { skip }, () => {
  let smtp: TestSmtpServer
  let server: ServerProcess
  let browser: Browser
  const to = (address: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address)

  before(async () => {
    smtp = await startSmtpServer()
    const port = await freePort()
    server = await startServerProcess(
      {
        AUTH_COOKIES: 'on',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MAIL_URL: smtp.url,
        EMAIL_LINK_VERIFY: '${PUBLIC_URL}/app/?action=verify-email&token={token}',
        EMAIL_LINK_RESET: '${PUBLIC_URL}/app/?action=reset-password&token={token}',
      },
      { script: EXAMPLE_APP },
    )
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    await smtp?.stop()
  })

  it('forgot → mail → reset link → new password → log in', { timeout: 60_000 }, async () => {
    const account = await register(server.url)
    const page = await browser.newPage()
    await page.goto(`${server.url}/app/`)
    await page.locator('#signed-out').waitFor()

    await page.click('#forgot-toggle')
    await page.fill('#forgot-email', account.email)
    await page.click('#forgot-send')
    await page.locator('#status', { hasText: 'on its way' }).waitFor()

    const mail = await smtp.waitForMail((received) => to(account.email)(received) && /action=reset-password/.test(received.text ?? ''))
    const link = linkIn(mail)
    assert.ok(link.startsWith(`${server.url}/app/?action=reset-password&token=`), link)
    await page.goto(link)
    await page.locator('#reset-form').waitFor()
    assert.doesNotMatch(page.url(), /token=/, 'the token left the address bar')
    await page.fill('#reset-password', NEW_PASSWORD)
    await page.click('#reset-submit')
    await page.locator('#status', { hasText: 'password has been changed' }).waitFor()

    await page.fill('#email', account.email)
    await page.fill('#password', NEW_PASSWORD)
    await page.click('#login')
    await page.locator('#user-email', { hasText: account.email }).waitFor()
    const old = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(old.body.code, 'token_revoked', 'the reset ended the session from before')
    await page.close()
  })

  it('the page of a verification link verifies the address', { timeout: 60_000 }, async () => {
    const account = await register(server.url)
    const mail = await smtp.waitForMail((received) => to(account.email)(received) && /action=verify-email/.test(received.text ?? ''))
    const page = await browser.newPage()
    await page.goto(linkIn(mail))
    await page.locator('#status', { hasText: 'is verified' }).waitFor()
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.body.email_verified, true)
    await page.close()
  })
})
