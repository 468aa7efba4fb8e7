/**
 * Seed 001 (Flask + PyJWT, HTTP Basic login, "Criando uma Flask API REST com autenticação")
 * with COMPAT_PROFILE=pyjwt-basic: Basic credentials on POST /auth, then the user CRUD of the
 * tutorial's Postman collection with `?token=`, the only profile that reads a token from the
 * query string (and says so at start). @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN = { ADMIN_EMAIL: 'hastur@example.com', ADMIN_PASSWORD: 'hastur-password' }
const basic = (login: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` })

describe('COMPAT_PROFILE=pyjwt-basic (seed 001)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(
      { COMPAT_PROFILE: 'pyjwt-basic', ...ADMIN },
      { routes: (app) => void app.get('/', { onRequest: app.requireAuth() }, async () => ({ message: 'Hello World!' })) },
    )
  })
  after(() => server.stop())

  it('warns at start that tokens may travel in the query string', () => {
    assert.ok(server.output.some((line) => line.includes('"level":40') && line.includes('query string')), server.output.join('\n'))
  })

  it('runs the tutorial: POST /auth with Basic, then create, update, list, get and delete users with ?token=', async () => {
    const auth = await api(server.url, '/auth', { method: 'POST', headers: basic(ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD) })
    assert.equal(auth.status, 200, auth.text)
    assert.ok(auth.body.token)
    assert.ok(!Number.isNaN(Date.parse(auth.body.exp)))
    const token = encodeURIComponent(auth.body.token)

    const created = await api(server.url, `/users?token=${token}`, { body: { username: 'hastur', password: 'hastur-new-pass', name: 'Hastur', email: 'h41stur@example.com' } })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.body.message, 'Usuário criado com sucesso')
    assert.equal(created.body.data.username, 'hastur')
    assert.equal(created.body.data.name, 'Hastur')
    assert.equal(created.body.data.password, undefined)
    const id = created.body.data.id as string

    const updated = await api(server.url, `/users/${id}?token=${token}`, { method: 'PUT', body: { username: 'hastur', password: 'hastur-other-pass', name: 'Hastur Dois', email: 'novo@example.com' } })
    assert.equal(updated.status, 201, updated.text)
    assert.equal(updated.body.data.email, 'novo@example.com')

    const list = await api(server.url, `/users?token=${token}`)
    assert.equal(list.status, 201, list.text)
    assert.ok(list.body.data.some((user: { id: string }) => user.id === id))

    const one = await api(server.url, `/users/${id}?token=${token}`)
    assert.equal(one.status, 201, one.text)
    assert.equal(one.body.data.name, 'Hastur Dois')

    // The new user logs in by username over Basic, with the password the update set.
    const theirs = await api(server.url, '/auth', { method: 'POST', headers: basic('hastur', 'hastur-other-pass') })
    assert.equal(theirs.status, 200, theirs.text)
    assert.deepEqual((await api(server.url, `/?token=${encodeURIComponent(theirs.body.token)}`)).body, { message: 'Hello World!' })

    const deleted = await api(server.url, `/users/${id}?token=${token}`, { method: 'DELETE' })
    assert.equal(deleted.status, 201, deleted.text)
    assert.equal(deleted.body.message, 'Usuário deletado')
    assertProblem(await api(server.url, `/users/${id}?token=${token}`), 404, 'user_not_found')
    // Tessera's own request log names the route, never the URL: the token in it is not written.
    assert.ok(!server.output.some((line) => line.includes(auth.body.token) || line.includes(theirs.body.token)), 'a token reached the log')
  })

  it('without a token, or with a bad one, the answer is 401 with a message, as token_required gives', async () => {
    const none = await api(server.url, '/users')
    assertProblem(none, 401, 'authorization_required')
    assert.equal(typeof none.body.message, 'string')
    assertProblem(await api(server.url, '/users?token=not-a-token'), 401, 'token_invalid')
    assertProblem(await api(server.url, '/auth', { method: 'POST', headers: basic(ADMIN.ADMIN_EMAIL, 'wrong-password') }), 401, 'invalid_credentials')
  })

  it('a non-admin may read only their own user', async () => {
    const auth = await api(server.url, '/auth', { method: 'POST', headers: basic(ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD) })
    const created = await api(server.url, `/users?token=${auth.body.token}`, { body: { username: 'plain', password: 'plain-password', name: 'Plain', email: 'plain@example.com' } })
    const mine = await api(server.url, '/auth', { method: 'POST', headers: basic('plain', 'plain-password') })
    assert.equal((await api(server.url, `/users/${created.body.data.id}?token=${mine.body.token}`)).status, 201)
    const list = await api(server.url, `/users?token=${auth.body.token}`)
    const admin = list.body.data.find((user: { email: string }) => user.email === ADMIN.ADMIN_EMAIL)
    assertProblem(await api(server.url, `/users/${admin.id}?token=${mine.body.token}`), 403, 'forbidden')
    assertProblem(await api(server.url, `/users?token=${mine.body.token}`), 403, 'forbidden')
  })
})

describe('the query string carries no token without pyjwt-basic', () => {
  let server: RunningServer
  before(async () => (server = await startServer({ COMPAT_PROFILE: 'flask-jwt-extended', ...ADMIN })))
  after(() => server.stop())

  it('GET /auth/me?token=<a valid token> is authorization_required', async () => {
    const login = await api(server.url, '/auth/login', { body: { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD } })
    assertProblem(await api(server.url, `/auth/me?token=${login.body.access_token}`), 401, 'authorization_required')
    assert.equal((await api(server.url, '/auth/me', { token: login.body.access_token })).status, 200)
  })
})
