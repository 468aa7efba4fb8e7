import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { AppError } from '../errors.js'
import type { RateRule } from '../config.js'
import { lockedError, type LoginFailures } from './login-failures.js'

/**
 * `LOGIN_FAILURE_LIMIT` counted in Redis, so every instance shares one count
 * per account and address. Keys are hashed: Redis never holds an email.
 * Redis down means the limit cannot be enforced, so logins fail closed (503).
 */
export function createRedisLoginFailures(redis: Redis, prefix: string, rule: RateRule): LoginFailures {
  const windowMs = rule.windowSeconds * 1000
  const keyOf = (key: string) => `${prefix}login-failures:${createHash('sha256').update(key).digest('base64url')}`

  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw new AppError('service_unavailable', 'The login limiter is unreachable; try again shortly', { cause: error, headers: { 'retry-after': '1' } })
    }
  }

  return {
    async assertAllowed(key) {
      const [count, ttl] = await guarded(async () => {
        const results = await redis.multi().get(keyOf(key)).pttl(keyOf(key)).exec()
        return [Number(results?.[0]?.[1] ?? 0), Number(results?.[1]?.[1] ?? -1)]
      })
      if (count >= rule.max) throw lockedError(Math.ceil((ttl > 0 ? ttl : windowMs) / 1000))
    },
    async recordFailure(key) {
      // The window starts at the first failure: PEXPIRE NX sets the expiry only once.
      await guarded(() => redis.multi().incr(keyOf(key)).pexpire(keyOf(key), windowMs, 'NX').exec())
    },
    async reserveAttempt(key) {
      // INCR is the check and the count at once: of concurrent attempts only `max` get a count up to it.
      const [count, ttl] = await guarded(async () => {
        const results = await redis.multi().incr(keyOf(key)).pexpire(keyOf(key), windowMs, 'NX').pttl(keyOf(key)).exec()
        return [Number(results?.[0]?.[1] ?? 0), Number(results?.[2]?.[1] ?? -1)]
      })
      if (count > rule.max) throw lockedError(Math.ceil((ttl > 0 ? ttl : windowMs) / 1000))
    },
    async clear(key) {
      await guarded(() => redis.del(keyOf(key)))
    },
  }
}
