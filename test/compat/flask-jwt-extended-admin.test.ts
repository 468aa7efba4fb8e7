/**
 * Seed 000 (Flask-JWT-Extended 3 + MongoEngine, admin routes, "Série API em Flask - Parte 12")
 * with COMPAT_PROFILE=flask-jwt-extended-admin: the tutorial's httpie calls in its order, with
 * the fields they show, and Tessera's own routes beside them. @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN = { ADMIN_EMAIL: 'teste@teste.com', ADMIN_PASSWORD: 'teste-password' }

describe('COMPAT_PROFILE=flask-jwt-extended-admin (seed 000)', () => {
  let server: RunningServer
  before(async () => (server = await startServer({ COMPAT_PROFILE: 'flask-jwt-extended-admin', ...ADMIN })))
  after(() => server.stop())

  it('runs the tutorial: POST /auth, /auth/refresh with the refresh token as Bearer, the admin user routes', async () => {
    const auth = await api(server.url, '/auth', { body: { email: 'teste@teste.com', password: ADMIN.ADMIN_PASSWORD } })
    assert.equal(auth.status, 200, auth.text)
    assert.equal(auth.body.status, 200)
    assert.equal(auth.body.resource, 'Auth')
    assert.equal(auth.body.message, 'Token criado.')
    assert.ok(auth.body.token && auth.body.refresh)
    assert.deepEqual(Object.keys(auth.body.data).sort(), ['active', 'email', 'full_name', 'id'])
    assert.equal(auth.body.data.email, 'teste@teste.com')
    assert.equal(auth.body.data.active, true)

    // Flask-JWT-Extended 3 does not rotate: the client refreshes with the same token each time.
    for (let i = 0; i < 2; i++) {
      const refreshed = await api(server.url, '/auth/refresh', { method: 'POST', headers: { authorization: `Bearer ${auth.body.refresh}` } })
      assert.equal(refreshed.status, 200, refreshed.text)
      assert.equal(refreshed.body.status, 200)
      assert.equal(refreshed.body.message, 'Token criado.')
      assert.ok(refreshed.body.token)
    }
    const token = auth.body.token as string
    const id = auth.body.data.id as string

    const noToken = await api(server.url, `/admin/users/${id}`)
    assertProblem(noToken, 401, 'authorization_required')
    assert.equal(noToken.body.status, 401)
    assert.equal(typeof noToken.body.message, 'string')

    const one = await api(server.url, `/admin/users/${id}`, { token })
    assert.equal(one.status, 200, one.text)
    assert.equal(one.body.status, 200)
    assert.equal(one.body.resource, 'Users')
    assert.deepEqual(one.body.data, auth.body.data)

    const other = await register(server.url)
    const page = await api(server.url, '/admin/users/1', { token })
    assert.equal(page.status, 200, page.text)
    assert.ok(page.body.data.some((user: { id: string }) => user.id === other.user.id))

    const put = await api(server.url, `/admin/users/${other.user.id}`, { method: 'PUT', token, body: { full_name: 'teste sobrenome', cpf_cnpj: '123456' } })
    assert.equal(put.status, 200, put.text)
    assert.equal(put.body.data.full_name, 'teste sobrenome')

    const deleted = await api(server.url, `/admin/users/${other.user.id}`, { method: 'DELETE', token })
    assert.equal(deleted.status, 200, deleted.text)
    assert.equal(deleted.body.status, 200)
    const gone = await api(server.url, `/admin/users/${other.user.id}`, { token })
    assertProblem(gone, 404, 'user_not_found')
    assert.equal(gone.body.status, 404)
  })

  it('a non-admin is refused the admin routes; wrong password and unknown email answer alike (no 404 that tells who has an account)', async () => {
    const user = await register(server.url)
    const login = await api(server.url, '/auth', { body: { email: user.user.email, password: user.password } })
    assert.equal(login.status, 200, login.text)
    assertProblem(await api(server.url, '/admin/users/1', { token: login.body.token }), 403, 'forbidden')
    const wrong = await api(server.url, '/auth', { body: { email: user.user.email, password: 'wrong-password' } })
    const unknown = await api(server.url, '/auth', { body: { email: 'nobody@teste.com', password: 'wrong-password' } })
    assertProblem(wrong, 401, 'invalid_credentials')
    assert.deepEqual(unknown.body, wrong.body)
  })

  it('its logins, failed logins and admin deletions are in the audit log as Tessera\'s own are', async () => {
    const user = await register(server.url)
    assert.equal((await api(server.url, '/auth', { body: { email: user.user.email, password: 'wrong-password' } })).status, 401)
    assert.equal((await api(server.url, '/auth', { body: { email: user.user.email, password: user.password } })).status, 200)
    const admin = await api(server.url, '/auth', { body: { email: 'teste@teste.com', password: ADMIN.ADMIN_PASSWORD } })
    assert.equal((await api(server.url, `/admin/users/${user.user.id}`, { method: 'DELETE', token: admin.body.token })).status, 200)
    const audit = await api(server.url, '/admin/audit?per_page=100', { token: admin.body.token })
    assert.equal(audit.status, 200, audit.text)
    const types = (audit.body.data as Array<{ type: string; target_id: string | null }>).filter((event) => event.target_id === user.user.id).map((event) => event.type)
    for (const type of ['login.failed', 'login.succeeded', 'admin.user_deleted']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`)
  })

  it("Tessera's own routes keep working beside the profile, answering with their own fields", async () => {
    const login = await api(server.url, '/auth/login', { body: { email: 'teste@teste.com', password: ADMIN.ADMIN_PASSWORD } })
    assert.equal(login.status, 200, login.text)
    const token = login.body.access_token as string
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: login.body.refresh_token } })
    assert.equal(refreshed.status, 200, refreshed.text)
    assert.ok(refreshed.body.access_token && refreshed.body.refresh_token && refreshed.body.user)
    const list = await api(server.url, '/admin/users?per_page=5', { token })
    assert.equal(list.status, 200, list.text)
    assert.equal(list.body.per_page, 5)
    const one = await api(server.url, `/admin/users/${login.body.user.id}`, { token })
    assert.equal(one.body.id, login.body.user.id) // the user object at the top, as Tessera answers
    assert.deepEqual(one.body.roles, ['admin'])
    const patched = await api(server.url, `/admin/users/${login.body.user.id}`, { method: 'PATCH', token, body: { full_name: 'Root' } })
    assert.equal(patched.status, 200, patched.text)
  })
})
