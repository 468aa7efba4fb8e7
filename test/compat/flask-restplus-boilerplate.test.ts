/**
 * Seed 004 (the Flask-RESTPlus boilerplate, "Flask로 API 서버 만들기 (6)") with
 * COMPAT_PROFILE=flask-restplus-boilerplate: the tutorial's test_auth.py flow (register, log
 * in, log out with the token), its user routes with the token in `Authorization` without a
 * scheme, and its Swagger at `/` and `/swagger.json`. @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'admin-password' }

describe('COMPAT_PROFILE=flask-restplus-boilerplate (seed 004)', () => {
  let server: RunningServer
  before(async () => (server = await startServer({ COMPAT_PROFILE: 'flask-restplus-boilerplate', ...ADMIN })))
  after(() => server.stop())

  it('runs test_valid_logout: register, log in, log out with the token', async () => {
    const registered = await api(server.url, '/user/', { body: { email: 'example@gmail.com', username: 'username', password: '12345678' } })
    assert.equal(registered.status, 201, registered.text)
    assert.ok(registered.body.Authorization)
    assert.equal(registered.body.status, 'success')

    const login = await api(server.url, '/auth/login', { body: { email: 'example@gmail.com', password: '12345678' } })
    assert.equal(login.status, 200, login.text)
    assert.ok(login.body.Authorization)
    assert.equal(login.body.message, 'Successfully logged in.')

    const logout = await api(server.url, '/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + login.body.Authorization } })
    assert.equal(logout.status, 200, logout.text)
    assert.equal(logout.body.status, 'success')
    assertProblem(await api(server.url, '/auth/me', { token: login.body.Authorization }), 401, 'token_revoked')
  })

  it('protected user routes take the token in Authorization with no scheme (token_required)', async () => {
    const login = await api(server.url, '/auth/login', { body: { email: 'example@gmail.com', password: '12345678' } })
    const me = await api(server.url, '/auth/me', { headers: { Authorization: login.body.Authorization } })
    assert.equal(me.status, 200, me.text)
    const one = await api(server.url, `/user/${me.body.id}`, { headers: { Authorization: login.body.Authorization } })
    assert.equal(one.status, 200, one.text)
    assert.deepEqual(one.body, { email: 'example@gmail.com', username: 'username', public_id: me.body.id })
    // GET /user/ is @admin_token_required.
    const refused = await api(server.url, '/user/', { headers: { Authorization: login.body.Authorization } })
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.body.code, 'forbidden')
    const admin = await api(server.url, '/auth/login', { body: { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD } })
    const list = await api(server.url, '/user/', { headers: { Authorization: admin.body.Authorization } })
    assert.equal(list.status, 200, list.text)
    assert.ok(list.body.data.some((user: { public_id: string }) => user.public_id === me.body.id))
    // A logout with no token: the boilerplate's error has status "fail" and a message.
    const none = await api(server.url, '/auth/logout', { method: 'POST' })
    assert.equal(none.status, 401, none.text)
    assert.equal(none.body.status, 'fail')
    assert.equal(typeof none.body.message, 'string')
  })

  it('a taken email is 409 with status fail; a wrong password is 401', async () => {
    const taken = await api(server.url, '/user/', { body: { email: 'example@gmail.com', username: 'other', password: '12345678' } })
    assert.equal(taken.status, 409, taken.text)
    assert.equal(taken.body.status, 'fail')
    assert.equal((await api(server.url, '/auth/login', { body: { email: 'example@gmail.com', password: 'wrong-one' } })).status, 401)
  })

  it("/auth/login and /auth/logout keep Tessera's own fields beside the legacy ones", async () => {
    const login = await api(server.url, '/auth/login', { body: { email: 'example@gmail.com', password: '12345678' } })
    assert.equal(login.body.access_token, login.body.Authorization)
    assert.equal(login.body.token_type, 'Bearer')
    assert.ok(login.body.refresh_token && login.body.user)
    const byRefresh = await api(server.url, '/auth/logout', { body: { refresh_token: login.body.refresh_token } })
    assert.equal(byRefresh.status, 200, byRefresh.text)
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: login.body.refresh_token } }), 401, 'token_revoked')
    // Tessera's other problems keep their numeric status.
    const problem = await api(server.url, '/auth/me')
    assert.equal(problem.body.status, 401)
  })

  it('serves its Swagger at / and /swagger.json, listing the profile routes only', async () => {
    const swagger = await api(server.url, '/swagger.json')
    assert.equal(swagger.status, 200, swagger.text)
    assert.equal(swagger.body.swagger, '2.0')
    assert.ok(swagger.body.paths['/user/'].post && swagger.body.paths['/auth/login'].post && swagger.body.paths['/user/{public_id}'].get)
    const page = await fetch(new URL('/', server.url))
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    const html = await page.text()
    const script = /src="(\/compat\/[^"]+)"/.exec(html)?.[1]
    assert.ok(script, html)
    const initializer = await fetch(new URL(script, server.url))
    assert.equal(initializer.status, 200)
    assert.match(await initializer.text(), /\/swagger\.json/)
    assert.equal((await fetch(new URL('/docs/static/swagger-ui-bundle.js', server.url))).status, 200)
    // Tessera's own OpenAPI is unchanged: the profile's routes are not in it.
    const openapi = await api(server.url, '/openapi.json')
    assert.equal(openapi.body.paths['/user/'], undefined)
    assert.ok(!Object.keys(openapi.body.paths).some((path) => path.startsWith('/compat')))
  })
})
