import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'

describe('a fresh server', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('registers a user and answers /auth/me with that user', async () => {
    const account = await register(server.url)
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(me.status, 200)
    assert.equal(me.body.email, account.email)
    assert.equal('password_hash' in me.body, false)
  })
})
