import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { RateRule } from '../../config.js'
import { AppError } from '../../errors.js'
import type { RedisConnections } from '../../services/redis.js'

export interface AuthRateLimitOptions {
  rule: RateRule
  /** With `REDIS_URL`: the count is shared by every instance. */
  redis?: RedisConnections | undefined
}

/**
 * `RATE_LIMIT_AUTH`: one budget per client address shared by every route of
 * the scope it is registered in (register, login, refresh), kept in Redis when
 * `REDIS_URL` is set so that it counts across instances. Routes that opt out
 * say `config: { rateLimit: false }`. Not encapsulated (fastify-plugin), so it
 * applies to the scope that registers it and to nothing outside that scope.
 */
export const authRateLimitPlugin = fp<AuthRateLimitOptions>(
  async (app, { rule, redis }) => {
    if (redis) {
      // Counted in Redis: without it the limit cannot hold across instances, so fail closed.
      app.addHook('onRequest', async () => {
        if (!redis.ready) throw new AppError('service_unavailable', 'The rate limiter is unreachable; try again shortly', { headers: { 'retry-after': '1' } })
      })
    }
    await app.register(rateLimit, {
      global: true,
      ...(redis ? { redis: redis.commands, nameSpace: `${redis.prefix}rate-limit:` } : {}),
      max: rule.max,
      timeWindow: rule.windowSeconds * 1000,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', 'Too many requests from this address; try again later', {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
        }),
    })
  },
  { name: 'tessera-auth-rate-limit' },
)
