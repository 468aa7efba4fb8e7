/**
 * Seed 003 (the old Flask-JWT, MongoDB, "Flask Web API に JWT認証を組み込む") with
 * COMPAT_PROFILE=flask-jwt: the tutorial's two curl calls, POST /auth with {username,
 * password} and a protected GET with `Authorization: JWT <token>`, and its error shape. @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

describe('COMPAT_PROFILE=flask-jwt (seed 003)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(
      { COMPAT_PROFILE: 'flask-jwt' },
      { routes: (app) => void app.get('/holodules/:date', { onRequest: app.requireAuth() }, async () => ({ result: 0, holodules: [] })) },
    )
    // user01 as the tutorial saves it, but through Tessera: a username-only account registered by a Tessera admin would do too.
    const registered = await api(server.url, '/auth/register', { body: { email: 'user01@example.com', username: 'user01', password: 'password01' } })
    assert.equal(registered.status, 201, registered.text)
  })
  after(() => server.stop())

  it('runs the tutorial: POST /auth → {access_token}, then Authorization: JWT <token>', async () => {
    const auth = await api(server.url, '/auth', { body: { username: 'user01', password: 'password01' } })
    assert.equal(auth.status, 200, auth.text)
    assert.deepEqual(Object.keys(auth.body), ['access_token'])
    const holodules = await api(server.url, '/holodules/20201209', { headers: { authorization: `JWT ${auth.body.access_token}` } })
    assert.equal(holodules.status, 200, holodules.text)
    assert.deepEqual(holodules.body, { result: 0, holodules: [] })
    // Bearer still works beside JWT.
    assert.equal((await api(server.url, '/holodules/20201209', { token: auth.body.access_token })).status, 200)
  })

  it('answers errors with Flask-JWT fields: status_code, error, description', async () => {
    const none = await api(server.url, '/holodules/20201209')
    assertProblem(none, 401, 'authorization_required')
    assert.equal(none.body.status_code, 401)
    assert.equal(typeof none.body.error, 'string')
    assert.equal(typeof none.body.description, 'string')
    assertProblem(await api(server.url, '/auth', { body: { username: 'user01', password: 'wrong' } }), 401, 'invalid_credentials')
  })
})
