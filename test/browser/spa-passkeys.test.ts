// The SPA example's passkey pages (examples/spa/passkey-pages.js) in Chromium with a virtual
// authenticator, in cookie mode: sign up, add a passkey, log out, sign in with the passkey and no
// username, rename it, remove it. The example is its own program, so it runs as a process
// (npm run build first). @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { PASSWORD, uniqueEmail } from '../helpers/client.js'
import { startServerProcess, type RunningServer } from '../helpers/server.js'
import { EXAMPLE_APP, launchChromium, skipWithoutChromium as skip } from './chromium.js'
import { freePort, openDevice } from './webauthn.js'

describe('the SPA example signs in with a passkey', { skip }, () => {
  let server: RunningServer
  let browser: Browser
  let origin: string

  before(async () => {
    const port = await freePort()
    origin = `http://localhost:${port}`
    server = await startServerProcess({ PORT: String(port), PUBLIC_URL: origin, AUTH_COOKIES: 'on', RATE_LIMIT_AUTH: '1000/1m' }, { script: EXAMPLE_APP })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('adds a passkey, signs out, signs in with it alone, renames and removes it', { timeout: 45_000 }, async () => {
    const device = await openDevice(browser, `${origin}/app/`)
    const { page } = device
    const email = uniqueEmail('spa-passkey')
    await page.locator('#signed-out').waitFor()
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.click('#signup')
    await page.locator('#user-email', { hasText: email }).waitFor()

    await page.click('#add-passkey')
    await page.locator('#status', { hasText: 'added' }).waitFor()
    assert.equal(await page.locator('#passkey-list li').count(), 1)

    await page.click('#logout')
    await page.locator('#signed-out').waitFor()
    await page.click('#passkey-login')
    await page.locator('#user-email', { hasText: email }).waitFor()
    await page.locator('#status', { hasText: 'Signed in with a passkey' }).waitFor()
    await page.locator('#passkey-list li .passkey-name').first().waitFor()

    page.once('dialog', (dialog) => void dialog.accept('Test laptop'))
    await page.click('#passkey-list li .rename-passkey')
    await page.locator('#passkey-list li .passkey-name', { hasText: 'Test laptop' }).waitFor()

    // Removing needs a fresh token: the passkey sign-in gave one.
    await page.click('#passkey-list li .remove-passkey')
    await page.locator('#status', { hasText: 'Passkey removed' }).waitFor()
    assert.equal(await page.locator('#passkey-list li').count(), 0)
    await device.close()
  })
})
