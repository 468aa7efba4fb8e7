import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp, loadConfig } from '../../src/index.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'

describe('an unexpected error', () => {
  // In-process: a route of the user's that fails in a way no client can provoke on Tessera's own routes.
  it('becomes a bare 500 internal_error problem, without stack, message or SQL', async () => {
    const app = await buildApp({ config: loadConfig({ DATABASE_URL: 'sqlite::memory:' }), logger: false })
    app.get('/boom', async () => {
      throw new Error('SQLITE_ERROR: near "select * from users where password_hash": syntax error')
    })
    try {
      const response = await app.inject({ method: 'GET', url: '/boom' })
      assert.equal(response.statusCode, 500)
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
      const body = response.json()
      assert.equal(body.code, 'internal_error')
      assert.equal(body.status, 500)
      assert.doesNotMatch(response.body, /SQLITE|select|password_hash|at .*\.js/)
    } finally {
      await app.close()
    }
  })
})

describe('a login flood beyond the hashing queue', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0', RATE_LIMIT_AUTH: '1000/1m', LOGIN_FAILURE_LIMIT: '1000/1m' }, { hashCost: 'owasp' }) // a real hash holds the one slot long enough
  })
  after(() => server.stop())

  it('is answered 503 service_unavailable with Retry-After, not queued without bound', async () => {
    const account = await register(server.url)
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => api(server.url, '/auth/login', { body: { email: account.email, password: account.password } })),
    )
    const refused = attempts.filter((response) => response.status === 503)
    assert.ok(refused.length > 0, 'some logins are refused while one hash is running')
    assert.ok(attempts.some((response) => response.status === 200), 'the one that got the hashing slot succeeds')
    for (const response of refused) {
      assert.equal(response.body.code, 'service_unavailable')
      assert.match(response.headers.get('retry-after') ?? '', /^\d+$/)
    }
  })
})
