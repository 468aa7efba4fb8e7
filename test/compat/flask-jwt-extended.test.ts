/**
 * Seed 002 (Flask-RESTful + Flask-JWT-Extended 4, "基于JWT实现Flask API身份认证") with
 * COMPAT_PROFILE=flask-jwt-extended: its client flow, every call in the tutorial's order and
 * the fields its client reads, then Flask-JWT-Extended 4's refresh semantics (the refresh
 * token is reused, never rotated; a refresh gives a non-fresh access token only). @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'admin-password-1' }

describe('COMPAT_PROFILE=flask-jwt-extended (seed 002)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(
      { COMPAT_PROFILE: 'flask-jwt-extended', ...ADMIN },
      { routes: (app) => void app.get('/secret', { onRequest: app.requireAuth() }, async () => ({ answer: 42 })) },
    )
  })
  after(() => server.stop())

  it('runs the tutorial client: registration, login, secret, refresh, logout of access then refresh', async () => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
    // POST /registration {username, password}: no email, as the tutorial's reqparse asks.
    const registered = await api(server.url, '/registration', { body: { username: 'liming', password: 'liming-password' } })
    assert.equal(registered.status, 200, registered.text)
    assert.equal(registered.body.message, 'User liming was created')
    assert.ok(registered.body.access_token && registered.body.refresh_token)

    const login = await api(server.url, '/login', { body: { username: 'liming', password: 'liming-password' } })
    assert.equal(login.status, 200, login.text)
    assert.equal(login.body.message, 'Logged in as liming')
    const { access_token: access, refresh_token: refresh } = login.body
    assert.ok(access && refresh)

    assert.deepEqual((await api(server.url, '/secret', { headers: bearer(access) })).body, { answer: 42 })

    // The client keeps the refresh token from login for every refresh.
    const first = await api(server.url, '/token/refresh', { method: 'POST', headers: bearer(refresh) })
    assert.equal(first.status, 200, first.text)
    const second = await api(server.url, '/token/refresh', { method: 'POST', headers: bearer(refresh) })
    assert.equal(second.status, 200, second.text)
    assert.deepEqual(Object.keys(second.body), ['access_token'])
    assert.deepEqual((await api(server.url, '/secret', { headers: bearer(second.body.access_token) })).body, { answer: 42 })

    const loggedOutAccess = await api(server.url, '/logout/access', { method: 'POST', headers: bearer(second.body.access_token) })
    assert.equal(loggedOutAccess.status, 200, loggedOutAccess.text)
    assert.equal(loggedOutAccess.body.message, 'Access token has been revoked')
    const loggedOutRefresh = await api(server.url, '/logout/refresh', { method: 'POST', headers: bearer(refresh) })
    assert.equal(loggedOutRefresh.status, 200, loggedOutRefresh.text)
    assert.equal(loggedOutRefresh.body.message, 'Refresh token has been revoked')

    // Both tokens of the session are dead now, as the blocklist made them in Flask.
    const refused = await api(server.url, '/token/refresh', { method: 'POST', headers: bearer(refresh) })
    assertProblem(refused, 401, 'token_revoked')
    assert.equal(refused.body.msg, refused.body.detail) // Flask-JWT-Extended clients read `msg`
    assertProblem(await api(server.url, '/secret', { headers: bearer(access) }), 401, 'token_revoked')
  })

  it('Flask-JWT-Extended 4 refresh semantics: the refresh token is reusable, refreshed access tokens are not fresh, and a refresh token is no access token', async () => {
    const login = await api(server.url, '/login', { body: { username: 'liming', password: 'liming-password' } })
    const { access_token: access, refresh_token: refresh } = login.body
    assert.equal(decodeJwt(access).fresh, true) // create_access_token(fresh=True) after a password
    const tokens = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const refreshed = await api(server.url, '/token/refresh', { method: 'POST', headers: { authorization: `Bearer ${refresh}` } })
      assert.equal(refreshed.status, 200, refreshed.text)
      assert.equal(decodeJwt(refreshed.body.access_token).fresh, false)
      tokens.add(refreshed.body.access_token)
    }
    assert.equal(tokens.size, 5)
    // @jwt_required() refuses a refresh token, @jwt_required(refresh=True) an access token.
    assertProblem(await api(server.url, '/secret', { headers: { authorization: `Bearer ${refresh}` } }), 401, 'wrong_token_type')
    assertProblem(await api(server.url, '/token/refresh', { method: 'POST', headers: { authorization: `Bearer ${access}` } }), 401, 'wrong_token_type')
    // Tessera's own refresh also keeps the token (the setting is deployment-wide) and its answer shape.
    const own = await api(server.url, '/auth/refresh', { body: { refresh_token: refresh } })
    assert.equal(own.status, 200, own.text)
    assert.equal(own.body.refresh_token, refresh)
  })

  it('a wrong password or an unknown user is 401 with a message; a taken username is 409', async () => {
    const wrong = await api(server.url, '/login', { body: { username: 'liming', password: 'not-the-password' } })
    assertProblem(wrong, 401, 'invalid_credentials')
    const unknown = await api(server.url, '/login', { body: { username: 'nobody-here', password: 'not-the-password' } })
    assert.deepEqual(unknown.body, wrong.body)
    assert.equal(typeof wrong.body.message, 'string')
    assertProblem(await api(server.url, '/registration', { body: { username: 'LiMing', password: 'liming-password' } }), 409, 'user_exists')
    assertProblem(await api(server.url, '/registration', { body: { username: 'short', password: '123456' } }), 400, 'validation_failed')
  })

  it('GET /users and DELETE /users, the test routes, need an admin and never show a password', async () => {
    const user = await api(server.url, '/login', { body: { username: 'liming', password: 'liming-password' } })
    assertProblem(await api(server.url, '/users', { token: user.body.access_token }), 403, 'forbidden')
    assertProblem(await api(server.url, '/users'), 401, 'authorization_required')
    const admin = await api(server.url, '/auth/login', { body: { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD } })
    const list = await api(server.url, '/users', { token: admin.body.access_token })
    assert.equal(list.status, 200, list.text)
    assert.ok(list.body.users.some((entry: { username: string }) => entry.username === 'liming'))
    assert.ok(!list.text.includes('password') && !list.text.includes('$argon2'))
    const deleted = await api(server.url, '/users', { method: 'DELETE', token: admin.body.access_token })
    assert.equal(deleted.status, 200, deleted.text)
    assert.equal(deleted.body.message, '1 row(s) deleted')
    assertProblem(await api(server.url, '/login', { body: { username: 'liming', password: 'liming-password' } }), 401, 'invalid_credentials')
    // The admin stays, and Tessera's own routes answer beside the profile.
    const me = await api(server.url, '/auth/me', { token: admin.body.access_token })
    assert.equal(me.status, 200, me.text)
  })
})
