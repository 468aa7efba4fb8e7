import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { AppError } from '../errors.js'
import { createLoginFailures, type LoginFailures } from './login-failures.js'
import { createRedisLoginFailures } from './login-failures-redis.js'
import { redisUnavailable, SHARED_REDIS_URL } from '../../test/helpers/redis-server.js'

const redisSkip = await redisUnavailable()
const redis = redisSkip ? undefined : new Redis(SHARED_REDIS_URL)

const rateLimited = (retryAfter?: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'rate_limited' && (retryAfter === undefined || error.headers?.['retry-after'] === retryAfter)

const stores: Array<[string, ((max: number) => LoginFailures) | undefined]> = [
  ['memory', (max) => createLoginFailures({ max, windowSeconds: 60 }, Date.now)],
  ['redis', redis && ((max) => createRedisLoginFailures(redis, `tessera-test-${randomUUID()}:`, { max, windowSeconds: 60 }))],
]

for (const [name, create] of stores) {
  describe(`login failure limit (${name})`, { skip: create ? false : redisSkip }, () => {
    const key = () => `id:${randomUUID()}|127.0.0.1`

    it('locks a key after max failures, with Retry-After, even for the right password', async () => {
      const failures = create!(3)
      const locked = key()
      for (let i = 0; i < 3; i++) {
        await failures.assertAllowed(locked)
        await failures.recordFailure(locked)
      }
      await assert.rejects(failures.assertAllowed(locked), rateLimited())
      await failures.assertAllowed(key()) // other accounts are unaffected
    })

    it('forgets failures after a successful login', async () => {
      const failures = create!(2)
      const k = key()
      await failures.recordFailure(k)
      await failures.clear(k)
      await failures.recordFailure(k)
      await failures.assertAllowed(k)
    })

    it('reserveAttempt: of 20 concurrent attempts exactly max get through; the key is then locked for assertAllowed too (issue 18)', async () => {
      const failures = create!(3)
      const k = key()
      const settled = await Promise.allSettled(Array.from({ length: 20 }, () => failures.reserveAttempt(k)))
      assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 3)
      for (const lost of settled.filter((s) => s.status === 'rejected')) assert.ok(rateLimited()((lost as PromiseRejectedResult).reason))
      await assert.rejects(failures.assertAllowed(k), rateLimited())
      await failures.clear(k)
      await failures.reserveAttempt(k)
    })
  })
}

describe('login failure limit (memory, injected clock)', () => {
  it('unlocks when the window that began at the first failure ends', async () => {
    let now = 1_000_000
    const failures = createLoginFailures({ max: 3, windowSeconds: 60 }, () => now)
    for (let i = 0; i < 3; i++) await failures.recordFailure('k')
    now += 10_000
    await assert.rejects(failures.assertAllowed('k'), rateLimited('50'))
    now += 50_000
    await failures.assertAllowed('k')
  })
})

after(() => redis?.disconnect())
