// CSRF for cookie-authenticated state changes: the X-CSRF-Token header (signed double submit, bound to
// the session) and an Origin/Referer allow-list. Header-authenticated and safe requests need neither. @see issue 6
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, PASSWORD, register } from '../helpers/client.js'
import { asBrowser, registerWithCookies, sessionFrom, type CookieSession } from '../helpers/cookies.js'
import { assertProblem } from '../helpers/problems.js'

const APP_ORIGIN = 'https://app.example.com'

describe('CSRF checks (AUTH_COOKIES=on)', () => {
  let server: RunningServer
  let origin: string
  before(async () => {
    server = await startServer({ AUTH_COOKIES: 'on', CORS_ORIGINS: APP_ORIGIN })
    origin = new URL(server.url).origin
  })
  after(() => server.stop())

  /** PATCH /auth/me by cookie: a state change whose effect can be read back. */
  function rename(session: CookieSession, requestOrigin: string | undefined, name: string, options: Parameters<typeof asBrowser>[2] = {}) {
    return api(server.url, '/auth/me', { method: 'PATCH', body: { full_name: name }, ...asBrowser(session, requestOrigin, options) })
  }

  async function fullName(session: CookieSession): Promise<string | null> {
    return (await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } })).body.full_name
  }

  describe('succeeds', () => {
    it('with the session\'s token and the server\'s own Origin', async () => {
      const session = await registerWithCookies(server.url)
      const response = await rename(session, origin, 'Own Origin')
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.full_name, 'Own Origin')
    })

    it('with an Origin listed in CORS_ORIGINS', async () => {
      const session = await registerWithCookies(server.url)
      assert.equal((await rename(session, APP_ORIGIN, 'Listed')).status, 200)
    })

    it('with no Origin but a Referer on the server\'s own origin', async () => {
      const session = await registerWithCookies(server.url)
      const response = await rename(session, undefined, 'By Referer', { headers: { referer: `${origin}/app/settings?tab=1` } })
      assert.equal(response.status, 200, response.text)
    })

    it('for DELETE /auth/sessions/{id}', async () => {
      const session = await registerWithCookies(server.url)
      const other = sessionFrom(await api(server.url, '/auth/login', { body: { email: session.email, password: PASSWORD } }), session.email)
      const sessions = await api(server.url, '/auth/sessions', { headers: { cookie: `tessera_access=${session.access}` } })
      const otherId = sessions.body.data.find((entry: { current: boolean }) => !entry.current).id
      const response = await api(server.url, `/auth/sessions/${otherId}`, { method: 'DELETE', ...asBrowser(session, origin) })
      assert.equal(response.status, 204, response.text)
      assertProblem(await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${other.access}` } }), 401, 'token_revoked')
    })
  })

  describe('fails with 403 csrf_failed, changing nothing', () => {
    const failures: Array<{ name: string; origin: (own: string) => string | undefined; options: (victim: CookieSession, attacker: CookieSession) => Parameters<typeof asBrowser>[2] }> = [
      { name: 'without the X-CSRF-Token header', origin: (own) => own, options: () => ({ csrf: false }) },
      { name: 'with an empty X-CSRF-Token header', origin: (own) => own, options: () => ({ csrf: '' }) },
      { name: 'with the token of another session (header and cookie both the attacker\'s)', origin: (own) => own, options: (_victim, attacker) => ({ csrf: attacker.csrf, headers: {} }) },
      { name: 'with a made-up token', origin: (own) => own, options: () => ({ csrf: 'A'.repeat(43) }) },
      { name: 'with an Origin that is neither the server nor listed', origin: () => 'https://evil.example.com', options: () => ({}) },
      { name: 'with a listed origin\'s look-alike', origin: () => `${APP_ORIGIN}.evil.example.com`, options: () => ({}) },
      { name: 'with Origin: null (sandboxed frame)', origin: () => 'null', options: () => ({}) },
      { name: 'with neither Origin nor Referer', origin: () => undefined, options: () => ({}) },
      { name: 'with no Origin and a Referer from another site', origin: () => undefined, options: () => ({ headers: { referer: 'https://evil.example.com/' } }) },
    ]
    for (const failure of failures) {
      it(failure.name, async () => {
        const victim = await registerWithCookies(server.url)
        const attacker = await registerWithCookies(server.url)
        const options = failure.options(victim, attacker)
        // "another session": the attacker's token in the header and planted as the CSRF cookie too.
        const session = options?.csrf === attacker.csrf ? { ...victim, csrf: attacker.csrf } : victim
        const response = await rename(session, failure.origin(origin), 'Changed', options)
        assertProblem(response, 403, 'csrf_failed')
        assert.equal(await fullName(victim), null)
      })
    }

    it('when the header is the session\'s token but the CSRF cookie is another', async () => {
      const victim = await registerWithCookies(server.url)
      const attacker = await registerWithCookies(server.url)
      const cookie = `tessera_access=${victim.access}; tessera_csrf=${attacker.csrf}`
      const response = await api(server.url, '/auth/me', { method: 'PATCH', body: { full_name: 'x' }, headers: { cookie, origin, 'x-csrf-token': victim.csrf } })
      assertProblem(response, 403, 'csrf_failed')
    })

    it('on POST /auth/refresh by cookie without the header; the cookies stay and still work', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { csrf: false, cookies: ['refresh', 'csrf'] }) })
      assertProblem(response, 403, 'csrf_failed')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.equal((await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })).status, 200)
    })

    it('on POST /auth/refresh by cookie from another origin', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, 'https://evil.example.com', { cookies: ['refresh', 'csrf'] }) })
      assertProblem(response, 403, 'csrf_failed')
    })

    it('on POST /auth/logout by cookie with another session\'s token; the session lives on', async () => {
      const victim = await registerWithCookies(server.url)
      const attacker = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/logout', { method: 'POST', ...asBrowser({ ...victim, csrf: attacker.csrf }, origin) })
      assertProblem(response, 403, 'csrf_failed')
      assert.equal((await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${victim.access}` } })).status, 200)
    })

    it('on POST /auth/logout by the refresh cookie alone without the header', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/logout', { method: 'POST', ...asBrowser(session, origin, { csrf: false, cookies: ['refresh', 'csrf'] }) })
      assertProblem(response, 403, 'csrf_failed')
    })
  })

  describe('is not needed', () => {
    it('with a Bearer header, even with no Origin and cookies present', async () => {
      const account = await register(server.url)
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { full_name: 'Bearer' }, headers: { cookie: `tessera_access=${session.access}` } })
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.id, account.user.id)
    })

    it('on GET by cookie, whatever the Origin', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/me', asBrowser(session, 'https://evil.example.com', { csrf: false }))
      assert.equal(response.status, 200)
    })

    it('for login and register, which take no cookie', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/login', { body: { email: session.email, password: PASSWORD }, headers: { origin: 'https://evil.example.com' } })
      assert.equal(response.status, 200)
    })
  })
})
