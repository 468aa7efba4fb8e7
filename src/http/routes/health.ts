import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../../errors.js'
import type { Services } from '../../services/index.js'
import { problemType } from '../plugins/problem.js'

const CHECK_TIMEOUT_MS = 2000

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: '`degraded` (still 200) when mail delivery is failing: mails wait in the outbox' }),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('degraded')]), {
    description: '`database`, `redis` when REDIS_URL is set, and `mail` (`degraded` while the last delivery attempt failed); the 503 answer carries the same member with the failed check as "error"',
  }),
})

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Liveness and readiness: 200 when every dependency answers, else 503 naming the failed check. */
export async function healthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health of the server and its dependencies',
        tags: ['operations'],
        response: { 200: Health, 503: Type.Unsafe({ $ref: 'Problem#', description: 'problem+json with a `checks` member' }) },
      },
    },
    async (request, reply) => {
      const checks: Record<string, 'ok' | 'error' | 'degraded'> = {}
      try {
        await withTimeout(services.storage.ping(), CHECK_TIMEOUT_MS)
        checks.database = 'ok'
      } catch (error) {
        request.log.warn({ err: error }, 'health check failed: database')
        checks.database = 'error'
      }
      if (services.redis) {
        try {
          if (!services.redis.ready) throw new Error('not connected')
          await withTimeout(services.redis.commands.ping(), CHECK_TIMEOUT_MS)
          checks.redis = 'ok'
        } catch (error) {
          request.log.warn({ err: error }, 'health check failed: redis')
          checks.redis = 'error'
        }
      }
      // Mail is not a reason to take the server out of rotation: the outbox keeps every mail until SMTP answers.
      if (services.mailSender) checks.mail = services.mailSender.status
      reply.header('cache-control', 'no-store')
      if (Object.values(checks).every((value) => value !== 'error')) {
        return { status: checks.mail === 'degraded' ? ('degraded' as const) : ('ok' as const), checks: checks as Record<string, 'ok' | 'degraded'> }
      }
      const problem = new AppError('service_unavailable', 'A dependency is unreachable')
      return reply
        .code(503)
        .header('retry-after', '5')
        .type('application/problem+json')
        .send(JSON.stringify({ type: problemType(problem.code), title: 'Service unavailable', status: 503, detail: problem.message, code: problem.code, checks }))
    },
  )
}
