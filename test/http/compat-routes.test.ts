// COMPAT_ROUTES and TOKEN_SCHEMES (issue 8): clients written for the Flask tutorials keep working
// when the operator turns the aliases on, and get 404/401 when they are off (the default).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register, uniqueEmail, PASSWORD } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ALIASES = ['/auth', '/login', '/registration', '/token/refresh', '/logout/access', '/logout/refresh']

describe('compatibility aliases off (the default)', () => {
  let server: RunningServer
  before(async () => (server = await startServer()))
  after(() => server.stop())

  for (const path of ALIASES) {
    it(`POST ${path} is 404 not_found`, async () => {
      assertProblem(await api(server.url, path, { body: { email: uniqueEmail(), password: PASSWORD } }), 404, 'not_found')
    })
  }

  it('an Authorization: JWT header is not accepted', async () => {
    const account = await register(server.url)
    assertProblem(await api(server.url, '/auth/me', { headers: { authorization: `JWT ${account.accessToken}` } }), 401, 'authorization_required')
  })
})

describe('COMPAT_ROUTES=on and TOKEN_SCHEMES=Bearer,JWT', () => {
  let server: RunningServer
  before(async () => (server = await startServer({ COMPAT_ROUTES: 'on', TOKEN_SCHEMES: 'Bearer,JWT' })))
  after(() => server.stop())

  it('POST /registration registers, POST /auth logs in by username (Flask-JWT) and POST /login by email', async () => {
    const email = uniqueEmail('compat')
    const username = `compat${Date.now().toString(36)}`
    const registered = await api(server.url, '/registration', { body: { email, username, password: PASSWORD } })
    assert.equal(registered.status, 201, registered.text)
    assert.equal(registered.body.user.email, email)

    const byUsername = await api(server.url, '/auth', { body: { username, password: PASSWORD } })
    assert.equal(byUsername.status, 200, byUsername.text)
    assert.ok(byUsername.body.access_token)
    const byEmail = await api(server.url, '/login/', { body: { email, password: PASSWORD } })
    assert.equal(byEmail.status, 200, byEmail.text)
    assertProblem(await api(server.url, '/login', { body: { email, password: 'not the password' } }), 401, 'invalid_credentials')
    assertProblem(await api(server.url, '/registration', { body: { email, password: PASSWORD, admin: true } }), 400, 'validation_failed')
  })

  it('accepts Authorization: JWT <token> as Flask-JWT clients send it, and Bearer still', async () => {
    const account = await register(server.url)
    const viaJwt = await api(server.url, '/auth/me', { headers: { authorization: `JWT ${account.accessToken}` } })
    assert.equal(viaJwt.status, 200, viaJwt.text)
    assert.equal(viaJwt.body.id, account.user.id)
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).status, 200)
    assertProblem(await api(server.url, '/auth/me', { headers: { authorization: `Token ${account.accessToken}` } }), 401, 'authorization_required')
  })

  it('POST /token/refresh rotates a refresh token sent as Authorization: Bearer', async () => {
    const account = await register(server.url)
    const refreshed = await api(server.url, '/token/refresh', { method: 'POST', token: account.refreshToken })
    assert.equal(refreshed.status, 200, refreshed.text)
    assert.notEqual(refreshed.body.refresh_token, account.refreshToken)
  })

  it('POST /logout/access ends the session of the access token', async () => {
    const account = await register(server.url)
    assert.equal((await api(server.url, '/logout/access', { method: 'POST', token: account.accessToken })).status, 204)
    assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
  })

  it('POST /logout/refresh ends the session of the refresh token sent as Authorization: Bearer', async () => {
    const account = await register(server.url)
    assertProblem(await api(server.url, '/logout/refresh', { method: 'POST', token: account.accessToken }), 401, 'wrong_token_type')
    assert.equal((await api(server.url, '/logout/refresh', { method: 'POST', token: account.refreshToken })).status, 204)
    assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/logout/refresh', { method: 'POST' }), 401, 'authorization_required')
  })

  it("Tessera's own routes are unchanged", async () => {
    const account = await register(server.url)
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
  })
})
