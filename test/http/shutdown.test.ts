// SIGTERM during a burst of requests: every request already received is answered, and the
// process exits 0 within SHUTDOWN_TIMEOUT. @see issue 7
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServerProcess } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'

describe('graceful shutdown', () => {
  it('answers every request in flight when SIGTERM arrives, then exits 0 within the bound', async () => {
    const server = await startServerProcess({ SHUTDOWN_TIMEOUT: '10s', RATE_LIMIT_AUTH: '1000/1m', LOGIN_FAILURE_LIMIT: '1000/1m' })
    try {
      const account = await register(server.url)
      // Logins wait for argon2 (two at a time), so most of them are still in flight when the signal lands.
      let answered = 0
      const burst = Array.from({ length: 16 }, () =>
        api(server.url, '/auth/login', { body: { email: account.email, password: account.password } }).then((response) => {
          answered++
          return response
        }),
      )
      // Signal only once the server holds every request: each one is answered or waiting for its hash.
      // (A request still in the kernel's buffer at SIGTERM was never received; that is not what this tests.)
      const deadline = Date.now() + 10_000
      for (;;) {
        const metrics = await api(server.url, '/metrics')
        const hashing = Number(/^tessera_password_hash_load (\d+)/m.exec(metrics.text)?.[1] ?? 0)
        if (answered + hashing >= burst.length) break
        assert.ok(Date.now() < deadline, `only ${answered + hashing} of ${burst.length} logins reached the server`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const started = Date.now()
      const exited = new Promise<number | null>((resolve) => server.process.once('close', (code) => resolve(code)))
      server.process.kill('SIGTERM')
      const responses = await Promise.all(burst)
      assert.deepEqual(
        responses.map((response) => response.status),
        responses.map(() => 200),
        'no request received before the signal is lost',
      )
      assert.equal(await exited, 0)
      assert.ok(Date.now() - started < 10_000, 'within SHUTDOWN_TIMEOUT')
      assert.ok(server.output.some((line) => line.includes('"shutting down"')))
    } finally {
      await server.stop()
    }
  })
})
