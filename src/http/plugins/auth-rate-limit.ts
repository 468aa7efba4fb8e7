import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { RateRule } from '../../config.js'
import { AppError } from '../../errors.js'

/**
 * `RATE_LIMIT_AUTH`: one budget per client address shared by every route of
 * the scope it is registered in (register, login, refresh). Routes that opt
 * out say `config: { rateLimit: false }`.
 */
export async function registerAuthRateLimit(app: FastifyInstance, rule: RateRule): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: rule.max,
    timeWindow: rule.windowSeconds * 1000,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', 'Too many requests from this address; try again later', {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  })
}
