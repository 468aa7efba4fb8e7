// AUTH_COOKIES=on: tokens as httpOnly cookies, authentication by cookie, the header winning over it,
// cookies expired on logout and on a refresh that can never work again. @see issue 6
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startServers, type RunningServer } from '../helpers/server.js'
import { api, PASSWORD, register, uniqueEmail } from '../helpers/client.js'
import { asBrowser, cookiesNamed, parseSetCookies, registerWithCookies, sessionFrom, type SetCookie } from '../helpers/cookies.js'
import { assertProblem } from '../helpers/problems.js'

const ACCESS_TTL = 600
const REFRESH_TTL = 86400

function assertExpired(cookies: SetCookie[], name: string, paths: string[]): void {
  const expired = cookies.filter((cookie) => cookie.name === name)
  assert.deepEqual(expired.map((cookie) => cookie.attributes.path).sort(), [...paths].sort(), `${name} expired on ${paths}`)
  for (const cookie of expired) {
    assert.equal(cookie.value, '')
    assert.equal(cookie.attributes['max-age'], '0')
  }
}

function assertAllExpired(response: { headers: Headers }): void {
  const cookies = parseSetCookies(response.headers)
  assertExpired(cookies, 'tessera_access', ['/'])
  assertExpired(cookies, 'tessera_refresh', ['/auth/refresh', '/auth/logout'])
  assertExpired(cookies, 'tessera_csrf', ['/'])
}

describe('AUTH_COOKIES=on', () => {
  let server: RunningServer
  let origin: string
  before(async () => {
    server = await startServer({ AUTH_COOKIES: 'on', ACCESS_TOKEN_TTL: String(ACCESS_TTL), REFRESH_TOKEN_TTL: String(REFRESH_TTL), REFRESH_REUSE_GRACE: '0', TRUST_PROXY: '1' })
    origin = new URL(server.url).origin
  })
  after(() => server.stop())

  describe('register, login and refresh set the cookies', () => {
    it('register: access HttpOnly Secure SameSite=Lax Path=/ for the access lifetime, the JSON body unchanged', async () => {
      const email = uniqueEmail()
      const sent = Date.now()
      const response = await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })
      assert.equal(response.status, 201)
      assert.deepEqual(Object.keys(response.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user'])
      const [access, ...more] = cookiesNamed(response, 'tessera_access')
      assert.equal(more.length, 0)
      assert.equal(access!.value, response.body.access_token)
      const maxAge = Number(access!.attributes['max-age'])
      assert.deepEqual(access!.attributes, { 'max-age': String(maxAge), path: '/', httponly: true, secure: true, samesite: 'Lax' })
      // The token's iat is whole seconds, so it ends up to a second before now + TTL: the cookie must
      // be gone by then (an expired token still in the cookie made a logout answer 401).
      const { exp } = JSON.parse(Buffer.from(access!.value.split('.')[1]!, 'base64url').toString()) as { exp: number }
      assert.ok(sent / 1000 + maxAge <= exp, `the cookie (Max-Age ${maxAge}) outlives the token (exp ${exp}, sent at ${sent / 1000})`)
      assert.ok(maxAge >= ACCESS_TTL - 1, `Max-Age ${maxAge} is the token's lifetime`)
    })

    it('the refresh cookie: HttpOnly Secure SameSite=Strict, only for /auth/refresh and /auth/logout, for the refresh lifetime', async () => {
      const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } })
      const refresh = cookiesNamed(response, 'tessera_refresh')
      assert.deepEqual(refresh.map((cookie) => cookie.attributes.path).sort(), ['/auth/logout', '/auth/refresh'])
      for (const cookie of refresh) {
        assert.equal(cookie.value, response.body.refresh_token)
        assert.deepEqual({ ...cookie.attributes, path: undefined }, { 'max-age': String(REFRESH_TTL), path: undefined, httponly: true, secure: true, samesite: 'Strict' })
      }
    })

    it('the CSRF cookie is readable by scripts (not HttpOnly), Secure, SameSite=Lax, Path=/, and is no token', async () => {
      const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } })
      const [csrf] = cookiesNamed(response, 'tessera_csrf')
      assert.deepEqual(csrf!.attributes, { 'max-age': String(REFRESH_TTL), path: '/', secure: true, samesite: 'Lax' })
      assert.match(csrf!.value, /^[A-Za-z0-9_-]{43}$/)
      assert.notEqual(csrf!.value, response.body.access_token)
      assert.notEqual(csrf!.value, response.body.refresh_token)
    })

    it('login sets the same three cookies', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/login', { body: { email: session.email, password: PASSWORD } })
      assert.equal(response.status, 200)
      const after = sessionFrom(response, session.email)
      assert.equal(after.access, response.body.access_token)
      assert.equal(after.refresh, response.body.refresh_token)
      assert.notEqual(after.csrf, session.csrf, 'a new session has its own CSRF token')
    })

    it('over HTTPS (X-Forwarded-Proto behind TRUST_PROXY) the names carry __Host- and __Secure-', async () => {
      const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } })
      const names = parseSetCookies(response.headers).map((cookie) => `${cookie.name} ${cookie.attributes.path}`)
      assert.deepEqual(names.sort(), ['__Host-tessera_access /', '__Host-tessera_csrf /', '__Secure-tessera_refresh /auth/logout', '__Secure-tessera_refresh /auth/refresh'])
      for (const cookie of parseSetCookies(response.headers)) assert.equal(cookie.attributes.secure, true)
      const access = response.body.access_token
      const https = { 'x-forwarded-proto': 'https' }
      assert.equal((await api(server.url, '/auth/me', { headers: { ...https, cookie: `__Host-tessera_access=${access}` } })).status, 200)
      // Over HTTPS an unprefixed cookie (settable by any subdomain or over plain HTTP) is never read.
      assertProblem(await api(server.url, '/auth/me', { headers: { ...https, cookie: `tessera_access=${access}` } }), 401, 'authorization_required')
    })

    it('a refresh by cookie sets rotated cookies and keeps the session\'s CSRF token', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })
      assert.equal(response.status, 200, response.text)
      const next = sessionFrom(response, session.email)
      assert.notEqual(next.refresh, session.refresh)
      assert.equal(next.refresh, response.body.refresh_token)
      assert.equal(next.csrf, session.csrf)
      assert.equal((await api(server.url, '/auth/me', asBrowser(next, undefined, { cookies: ['access'] }))).status, 200)
    })
  })

  describe('authenticating by cookie', () => {
    it('GET /auth/me with only the access cookie answers the user', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } })
      assert.equal(response.status, 200)
      assert.equal(response.body.id, session.user.id)
    })

    it('the Authorization header wins over the cookie', async () => {
      const cookieUser = await registerWithCookies(server.url)
      const headerUser = await register(server.url)
      const response = await api(server.url, '/auth/me', { token: headerUser.accessToken, headers: { cookie: `tessera_access=${cookieUser.access}` } })
      assert.equal(response.status, 200)
      assert.equal(response.body.id, headerUser.user.id)
    })

    it('a bad Authorization header is refused even beside a good cookie (no fallback)', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/me', { token: 'not-a-jwt', headers: { cookie: `tessera_access=${session.access}` } })
      assertProblem(response, 401, 'token_invalid')
    })

    it('a refresh token in the access cookie is wrong_token_type', async () => {
      const session = await registerWithCookies(server.url)
      assertProblem(await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.refresh}` } }), 401, 'wrong_token_type')
    })

    it('the body\'s refresh token wins over the refresh cookie', async () => {
      const cookieUser = await registerWithCookies(server.url)
      const bodyUser = await register(server.url)
      const response = await api(server.url, '/auth/refresh', { body: { refresh_token: bodyUser.refreshToken }, headers: { cookie: `tessera_refresh=${cookieUser.refresh}` } })
      assert.equal(response.status, 200)
      assert.equal(response.body.user.id, bodyUser.user.id)
    })
  })

  describe('cookies are expired', () => {
    it('by a logout with cookies', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/logout', { method: 'POST', ...asBrowser(session, origin) })
      assert.equal(response.status, 204)
      assertAllExpired(response)
      assertProblem(await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } }), 401, 'token_revoked')
    })

    it('by a logout with the refresh cookie alone (the access cookie has gone), which ends the session', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/logout', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })
      assert.equal(response.status, 204, response.text)
      assertAllExpired(response)
      assertProblem(await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } }), 401, 'token_revoked')
    })

    it('by deleting the account with the cookies (DELETE /auth/me)', async () => {
      const session = await registerWithCookies(server.url)
      const response = await api(server.url, '/auth/me', { method: 'DELETE', ...asBrowser(session, origin) })
      assert.equal(response.status, 204, response.text)
      assertAllExpired(response)
    })

    it('by a logout with a Bearer header', async () => {
      const account = await register(server.url)
      const response = await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })
      assert.equal(response.status, 204)
      assertAllExpired(response)
    })

    it('by a refresh cookie presented again after rotation: refresh_token_reused', async () => {
      const session = await registerWithCookies(server.url)
      const first = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })
      assert.equal(first.status, 200)
      const replay = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })
      assertProblem(replay, 401, 'refresh_token_reused')
      assertAllExpired(replay)
    })

    it('by a refresh cookie of a session that has ended: token_revoked', async () => {
      const session = await registerWithCookies(server.url)
      await api(server.url, '/auth/logout', { method: 'POST', ...asBrowser(session, origin) })
      const response = await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin, { cookies: ['refresh', 'csrf'] }) })
      assertProblem(response, 401, 'token_revoked')
      assertAllExpired(response)
    })
  })
})

describe('AUTH_COOKIES=off (the default)', () => {
  let server: RunningServer
  let cookieServer: RunningServer
  before(async () => {
    ;[server, cookieServer] = await startServers({}, { AUTH_COOKIES: 'on' })
  })
  after(() => Promise.all([server.stop(), cookieServer.stop()]))

  it('register, login and refresh set no cookies', async () => {
    const account = await register(server.url)
    const login = await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })
    const refresh = await api(server.url, '/auth/refresh', { body: { refresh_token: login.body.refresh_token } })
    assert.equal(login.status, 200)
    assert.equal(refresh.status, 200)
    for (const response of [login, refresh]) assert.deepEqual(response.headers.getSetCookie(), [])
  })

  it('cookies are ignored: a valid access cookie is authorization_required, a refresh cookie too', async () => {
    // Tokens from a server sharing the JWT secret, so they would verify if they were read.
    const session = await registerWithCookies(cookieServer.url)
    assert.equal((await api(cookieServer.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } })).status, 200)
    assertProblem(await api(server.url, '/auth/me', { headers: { cookie: `tessera_access=${session.access}` } }), 401, 'authorization_required')
    const origin = new URL(server.url).origin
    assertProblem(await api(server.url, '/auth/refresh', { method: 'POST', ...asBrowser(session, origin) }), 401, 'authorization_required')
  })
})
