// The SPA example's two-step verification in a real Chromium (cookie mode): set up TOTP from the
// QR code the server drew, confirm it with a code computed from the shown secret, see the ten
// recovery codes, log out, log in again with the password and a code, then with a recovery code.
// @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { PASSWORD, uniqueEmail } from '../helpers/client.js'
import { totpCode } from '../helpers/mfa.js'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { EXAMPLE_APP, launchChromium, skipWithoutChromium as skip } from './chromium.js'

async function statusText(page: Page): Promise<string> {
  return (await page.locator('#status').textContent()) ?? ''
}

describe('the SPA example\'s two-step verification in Chromium', { skip }, () => {
  let server: ServerProcess
  let browser: Browser
  const cspViolations: string[] = []

  before(async () => {
    server = await startServerProcess({ AUTH_COOKIES: 'on', RATE_LIMIT_AUTH: '1000/1m' }, { script: EXAMPLE_APP })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function logIn(page: Page, email: string) {
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.click('#login')
  }

  it('enrol from the QR code, keep the recovery codes, sign in with a code and with a recovery code', { timeout: 90_000 }, async () => {
    const page = await browser.newPage()
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
    await page.goto(`${server.url}/app/`)
    await page.locator('#signed-out').waitFor()
    const email = uniqueEmail('spa-mfa')
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.click('#signup')
    await page.locator('#signed-in').waitFor()
    await page.locator('#totp-state[data-totp="false"]').waitFor()

    await page.click('#totp-start')
    await page.locator('#totp-qr svg path').first().waitFor()
    const secret = (await page.locator('#totp-secret').textContent()) ?? ''
    assert.match(secret, /^[A-Z2-7]{32}$/)
    await page.fill('#totp-code', totpCode(secret))
    await page.click('#totp-confirm')
    await page.locator('#totp-state[data-totp="true"]').waitFor()
    const recoveryCodes = await page.locator('#recovery-codes li').allTextContents()
    assert.equal(recoveryCodes.length, 10)

    await page.click('#logout')
    await page.locator('#signed-out').waitFor()
    await logIn(page, email)
    await page.locator('#mfa-challenge:not([hidden])').waitFor()
    assert.match(await statusText(page), /code/)
    // The step of the confirming code is spent: the next step's code signs in.
    await page.fill('#mfa-code', totpCode(secret, Date.now() + 30_000))
    await page.click('#mfa-submit')
    await page.locator('#signed-in:not([hidden])').waitFor()
    await page.locator('#totp-state[data-totp="true"]').waitFor()

    await page.click('#logout')
    await page.locator('#signed-out:not([hidden])').waitFor()
    await logIn(page, email)
    await page.locator('#mfa-challenge:not([hidden])').waitFor()
    await page.fill('#mfa-code', recoveryCodes[0]!)
    await page.click('#mfa-submit')
    await page.locator('#signed-in:not([hidden])').waitFor()
    assert.deepEqual(cspViolations, [])
  })
})
