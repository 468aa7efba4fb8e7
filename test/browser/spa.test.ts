// The SPA example (examples/spa on tessera-auth/client, served by examples/protected-api) in a real
// Chromium, in cookie mode: a silent refresh after the access token expires, sessions, logout; the
// tokens never visible to scripts. Then /docs under its strict CSP: authorize with a token and call
// GET /auth/me from the page. @see issue 6, issue 20 (two tabs: two-tabs.test.ts)
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startServer, startServerProcess, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail } from '../helpers/client.js'
import { EXAMPLE_APP, launchChromium, skipWithoutChromium as skip } from './chromium.js'
import { ROOT } from '../helpers/paths.js'

const SCREENSHOT = resolve(ROOT, 'test-artifacts/spa.png')
const ACCESS_TTL_SECONDS = 3

/** What a script on the page can see of the cookies: never a token. */
async function assertNoTokenVisible(page: Page, step: string): Promise<void> {
  const visible = await page.evaluate<string>('document.cookie')
  assert.doesNotMatch(visible, /tessera_access|tessera_refresh/, `${step}: document.cookie shows a token cookie: ${visible}`)
  assert.doesNotMatch(visible, /eyJ|tsr_/, `${step}: document.cookie shows a token: ${visible}`)
}

async function statusText(page: Page): Promise<string> {
  return (await page.locator('#status').textContent()) ?? ''
}

describe('the SPA example and /docs in Chromium', { skip }, () => {
  let server: RunningServer
  /** The plain server, cookie mode on, with the default access lifetime: /docs is driven slower than 3 s. */
  let docsServer: RunningServer
  let browser: Browser
  const cspViolations: string[] = []

  before(async () => {
    // One after the other, so that a failed start leaves no server unassigned (and so never stopped).
    // The example is its own program (examples/), so it runs as a process.
    server = await startServerProcess({ AUTH_COOKIES: 'on', ACCESS_TOKEN_TTL: `${ACCESS_TTL_SECONDS}s` }, { script: EXAMPLE_APP })
    docsServer = await startServer({ AUTH_COOKIES: 'on' })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await Promise.all([server?.stop(), docsServer?.stop()])
  })

  function watch(page: Page): void {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`)
    })
  }

  it('signs up, logs in, refreshes silently after expiry, lists and ends sessions, logs out: cookies only', { timeout: 45_000 }, async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    watch(page)
    const refreshes: number[] = []
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/auth/refresh' && response.request().method() === 'POST') refreshes.push(response.status())
    })
    const email = uniqueEmail('spa')

    await page.goto(`${server.url}/app/`)
    await page.locator('#signed-out').waitFor()
    await assertNoTokenVisible(page, 'signed out')

    // Sign up: the page is signed in, and the browser holds the httpOnly cookies (Secure ones, over http://127.0.0.1).
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.click('#signup')
    await page.locator('#user-email', { hasText: email }).waitFor()
    const names = (await context.cookies()).map((cookie) => `${cookie.name}${cookie.httpOnly ? ' httpOnly' : ''}`).sort()
    assert.deepEqual(names, ['tessera_access httpOnly', 'tessera_csrf', 'tessera_refresh httpOnly', 'tessera_refresh httpOnly'])
    await assertNoTokenVisible(page, 'after sign-up')
    assert.match(await page.evaluate<string>('document.cookie'), /^tessera_csrf=[A-Za-z0-9_-]{43}$/)

    // Log out, then log in through the form.
    await page.click('#logout')
    await page.locator('#signed-out').waitFor()
    assert.deepEqual(await context.cookies(), [], 'logout expired every cookie')
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.click('#login')
    await page.locator('#user-email', { hasText: email }).waitFor()
    await assertNoTokenVisible(page, 'after login')

    // Another device logs in too, so there is a session to end.
    await login(server.url, email)

    // Past the access token's lifetime: the page has refreshed by itself, and /auth/me still answers.
    const refreshesBefore = refreshes.length
    await page.waitForTimeout((ACCESS_TTL_SECONDS + 1) * 1000)
    assert.ok(refreshes.length > refreshesBefore, 'a refresh request was made')
    assert.ok(refreshes.every((status) => status === 200), `refreshes answered ${refreshes}`)
    assert.ok(Number(await page.locator('#refresh-count').textContent()) >= 1)
    await assertNoTokenVisible(page, 'after the silent refresh')
    const me = page.waitForResponse((response) => new URL(response.url()).pathname === '/auth/me')
    await page.click('#reload-user')
    assert.equal((await me).status(), 200)
    await page.locator('#status', { hasText: 'Profile reloaded' }).waitFor()

    // Sessions: this one and the other device's; end the other.
    await page.click('#load-sessions')
    await page.locator('#sessions tr').nth(1).waitFor()
    assert.equal(await page.locator('#sessions tr').count(), 2)
    await page.locator('#sessions button.end-session').click()
    await page.locator('#status', { hasText: 'Session ended' }).waitFor()
    assert.equal(await page.locator('#sessions tr').count(), 1)
    assert.equal(await page.locator('#sessions tr td').last().textContent(), 'this one')
    await assertNoTokenVisible(page, 'after ending a session')

    // Log out: signed out, cookies gone, the API refuses the page.
    await page.click('#logout')
    await page.locator('#status', { hasText: 'Logged out' }).waitFor()
    await assertNoTokenVisible(page, 'after logout')
    assert.deepEqual(await context.cookies(), [])
    const status = await page.evaluate(async () => (await fetch('/auth/me')).status)
    assert.equal(status, 401)
    assert.deepEqual(await page.evaluate('[localStorage.length, sessionStorage.length]'), [0, 0], 'nothing in web storage')
    assert.match(await statusText(page), /Logged out/)

    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    console.log(`# screenshot: ${SCREENSHOT}`)
    await context.close()
  })

  it('a page of another origin cannot make the browser change state with the cookies', { timeout: 20_000 }, async () => {
    // 127.0.0.1 and localhost are different origins (and sites): the cookies are not even sent, and the
    // JSON body forces a preflight that CORS (no CORS_ORIGINS) does not grant.
    const context = await browser.newContext()
    const page = await context.newPage()
    const account = await register(server.url)
    await page.goto(`${server.url}/app/`)
    await page.locator('#signed-out').waitFor()
    await page.fill('#email', account.email)
    await page.fill('#password', PASSWORD)
    await page.click('#login')
    await page.locator('#user-email', { hasText: account.email }).waitFor()
    const foreign = server.url.replace('127.0.0.1', 'localhost')
    await page.goto(`${foreign}/docs/static/index.css`)
    const outcome = await page.evaluate(async (target) => {
      try {
        const response = await fetch(`${target}/auth/me`, { method: 'PATCH', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"full_name":"pwned"}' })
        return `status ${response.status}`
      } catch (error) {
        return `blocked: ${String(error)}`
      }
    }, server.url)
    assert.match(outcome, /^blocked/)
    const me = await api(server.url, '/auth/me', { token: (await login(server.url, account.email)).accessToken })
    assert.equal(me.body.full_name, null)
    await context.close()
  })

  it('/docs works under its CSP: authorize with a token, call GET /auth/me, see 200', { timeout: 30_000 }, async () => {
    const account = await register(docsServer.url)
    const context = await browser.newContext()
    const page = await context.newPage()
    watch(page)
    await page.goto(`${docsServer.url}/docs`)
    await page.locator('.swagger-ui .information-container').waitFor()

    await page.click('.swagger-ui .auth-wrapper button.authorize')
    const bearer = page.locator('.auth-container', { hasText: 'bearerAuth' })
    await bearer.locator('input').fill(account.accessToken)
    await bearer.locator('button.authorize').click()
    await page.click('.swagger-ui .modal-ux button.close-modal')

    const operation = page.locator('.opblock-get', { has: page.locator('[data-path="/auth/me"]') }).first()
    await operation.locator('.opblock-summary').click()
    const tryOut = operation.locator('button.try-out__btn')
    if ((await tryOut.count()) > 0 && (await tryOut.textContent())?.includes('Try it out')) await tryOut.click()
    const answer = page.waitForResponse((response) => new URL(response.url()).pathname === '/auth/me')
    await operation.locator('button.execute').click()
    const response = await answer
    assert.equal(response.request().headers().authorization, `Bearer ${account.accessToken}`)
    assert.equal(response.status(), 200)
    assert.equal((await response.json()).email, account.email)
    await operation.locator('.live-responses-table .response-col_status', { hasText: '200' }).first().waitFor()
    await context.close()
  })

  it('no page broke its Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, [])
  })
})
