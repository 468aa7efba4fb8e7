// Two tabs of the SPA example (examples/spa on tessera-auth/client) in one Chromium profile, in both
// client modes: 50 concurrent calls per tab to the app's API after the access token has expired give
// one refresh per expiry for both tabs together, never refresh_token_reused, and both tabs stay
// signed in; logging out in one tab signs the other out. In cookie mode every refresh and the
// logout carry the CSRF header. @see issue 20
//
// The server runs with REFRESH_REUSE_GRACE=0s, so a refresh token presented twice is not smoothed
// over by the grace window: it is reuse, and it ends the session. Refreshes are counted from what
// the browser sent (Playwright sees every request of every tab of the context).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { PASSWORD, uniqueEmail } from '../helpers/client.js'
import { startServerProcess, type RunningServer } from '../helpers/server.js'
import { EXAMPLE_APP, launchChromium, skipWithoutChromium } from './chromium.js'

const ACCESS_TTL_SECONDS = 3
const EXPIRIES = 2

interface SeenRefresh {
  status: number
  /** The refresh token in the body (tokens mode), or 'cookie'. */
  presented: string
  csrf: string | undefined
}

/** Everything the tabs of `context` send to /auth/refresh and /auth/logout, and every refresh_token_reused answer. */
function watchAuthTraffic(context: BrowserContext) {
  const refreshes: SeenRefresh[] = []
  const logouts: Array<{ status: number; csrf: string | undefined }> = []
  const reused: string[] = []
  const pending: Array<Promise<void>> = []
  context.on('response', (response: Response) => {
    const request = response.request()
    const path = new URL(response.url()).pathname
    if (request.method() === 'POST' && path === '/auth/refresh') {
      const body = request.postData()
      const presented = body ? ((JSON.parse(body) as { refresh_token?: string }).refresh_token ?? 'cookie') : 'cookie'
      refreshes.push({ status: response.status(), presented, csrf: request.headers()['x-csrf-token'] })
    }
    if (request.method() === 'POST' && path === '/auth/logout') logouts.push({ status: response.status(), csrf: request.headers()['x-csrf-token'] })
    if (response.status() === 401) {
      pending.push(
        response.json().then(
          (problem: { code?: string }) => void (problem.code === 'refresh_token_reused' && reused.push(path)),
          () => undefined,
        ),
      )
    }
  })
  return { refreshes, logouts, reused, settled: () => Promise.all(pending) }
}

async function burstIn(page: Page): Promise<string> {
  await page.locator('#burst-result[data-done="true"]').waitFor()
  return (await page.locator('#burst-result').textContent()) ?? ''
}

describe('two tabs of the SPA share one sign-in', { skip: skipWithoutChromium }, () => {
  let server: RunningServer
  let browser: Browser

  before(async () => {
    // The process is what the browser talks to (the example app serving the page), so it is spawned.
    ;[server, browser] = await Promise.all([
      startServerProcess({ AUTH_COOKIES: 'on', ACCESS_TOKEN_TTL: `${ACCESS_TTL_SECONDS}s`, REFRESH_REUSE_GRACE: '0s' }, { script: EXAMPLE_APP }),
      launchChromium(),
    ])
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  for (const mode of ['tokens', 'cookies'] as const) {
    it(`${mode} mode: 2 tabs × 50 calls past each expiry → one refresh per expiry, no reuse; logout in one tab signs out the other`, { timeout: 60_000 }, async () => {
      const context = await browser.newContext()
      const traffic = watchAuthTraffic(context)
      const url = `${server.url}/app/?${mode === 'tokens' ? 'mode=tokens&' : ''}auto_refresh=off`
      const email = uniqueEmail(`tabs-${mode}`)

      const first = await context.newPage()
      await first.goto(url)
      await first.locator('#signed-out').waitFor()
      await first.fill('#email', email)
      await first.fill('#password', PASSWORD)
      await first.click('#signup')
      await first.locator('#user-email', { hasText: email }).waitFor()

      // The second tab picks the session up (one refresh, shared with the first tab).
      const second = await context.newPage()
      await second.goto(url)
      await second.locator('#user-email', { hasText: email }).waitFor()
      await traffic.settled()
      assert.equal(traffic.refreshes.length, 1, 'the second tab restored the session with one refresh')

      for (let expiry = 1; expiry <= EXPIRIES; expiry++) {
        const refreshesBefore: number = traffic.refreshes.length
        await first.waitForTimeout((ACCESS_TTL_SECONDS + 0.5) * 1000) // both tabs' access token has expired
        await Promise.all([first.click('#burst'), second.click('#burst')])
        assert.deepEqual(await Promise.all([burstIn(first), burstIn(second)]), ['50 × 200', '50 × 200'], `expiry ${expiry}: every call answered`)
        await traffic.settled()
        assert.equal(traffic.refreshes.length - refreshesBefore, 1, `expiry ${expiry}: one refresh for 100 calls in 2 tabs`)
      }

      assert.deepEqual(traffic.reused, [], 'no refresh_token_reused')
      assert.ok(traffic.refreshes.every((refresh) => refresh.status === 200), JSON.stringify(traffic.refreshes))
      if (mode === 'tokens') {
        const presented = traffic.refreshes.map((refresh) => refresh.presented)
        assert.equal(new Set(presented).size, presented.length, 'each refresh token presented once')
      } else {
        const csrf = (await context.cookies()).find((cookie) => cookie.name === 'tessera_csrf')?.value
        assert.ok(csrf)
        assert.ok(traffic.refreshes.every((refresh) => refresh.presented === 'cookie' && refresh.csrf === csrf), 'every cookie refresh carried X-CSRF-Token')
        assert.doesNotMatch(await first.evaluate<string>('document.cookie'), /tessera_access|tessera_refresh|eyJ|tsr_/)
      }
      for (const page of [first, second]) assert.equal(await page.locator('#signed-in').isVisible(), true, 'both tabs still signed in')

      // Logout in the first tab: the second is told, and shows it.
      await first.click('#logout')
      await first.locator('#status', { hasText: 'Logged out' }).waitFor()
      await second.locator('#status', { hasText: 'Signed out elsewhere' }).waitFor()
      assert.equal(await second.locator('#signed-out').isVisible(), true)
      assert.deepEqual(traffic.logouts.map((logout) => logout.status), [204])
      if (mode === 'tokens') assert.equal(await second.evaluate<string | null>("localStorage.getItem('tessera.refresh_token')"), null)
      else {
        assert.ok(traffic.logouts[0]!.csrf, 'the cookie logout carried X-CSRF-Token')
        assert.deepEqual(await context.cookies(), [])
      }
      // And the session is over on the server: the second tab's call is refused.
      await second.reload()
      await second.locator('#signed-out').waitFor()
      await context.close()
    })
  }

  it('tokens mode, refresh timer on: bursts from both tabs across two expiries are all answered, each refresh token presented once', { timeout: 60_000 }, async () => {
    const context = await browser.newContext()
    const traffic = watchAuthTraffic(context)
    const url = `${server.url}/app/?mode=tokens`
    const email = uniqueEmail('tabs-timer')
    const first = await context.newPage()
    await first.goto(url)
    await first.locator('#signed-out').waitFor()
    await first.fill('#email', email)
    await first.fill('#password', PASSWORD)
    await first.click('#signup')
    await first.locator('#user-email', { hasText: email }).waitFor()
    const second = await context.newPage()
    await second.goto(url)
    await second.locator('#user-email', { hasText: email }).waitFor()

    // Bursts of 50 calls per tab, every 0.7 s, while two access tokens expire; both tabs' timers fire at once each time.
    const until = Date.now() + (2 * ACCESS_TTL_SECONDS + 0.5) * 1000
    while (Date.now() < until) {
      await Promise.all([first.click('#burst'), second.click('#burst')])
      assert.deepEqual(await Promise.all([burstIn(first), burstIn(second)]), ['50 × 200', '50 × 200'])
      await first.waitForTimeout(700)
    }
    await traffic.settled()
    assert.deepEqual(traffic.reused, [])
    assert.ok(traffic.refreshes.length >= 3, `the restore and a timer refresh before each expiry (${traffic.refreshes.length})`)
    assert.ok(traffic.refreshes.every((refresh) => refresh.status === 200), JSON.stringify(traffic.refreshes))
    const presented = traffic.refreshes.map((refresh) => refresh.presented)
    assert.equal(new Set(presented).size, presented.length, 'each refresh token presented once')
    for (const page of [first, second]) assert.equal(await page.locator('#signed-in').isVisible(), true)
    await context.close()
  })
})
