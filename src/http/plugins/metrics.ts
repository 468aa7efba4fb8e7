import { timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { AppError } from '../../errors.js'
import type { Services } from '../../services/index.js'

/**
 * Prometheus metrics on `GET /metrics`: process defaults, request latency by
 * route, and Tessera's own gauges. A registry per app, so several apps (tests)
 * can live in one process. With `METRICS_TOKEN` set, scrapers must send it as a
 * Bearer token.
 */
export const metricsPlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    const registry = new Registry()
    // 1 ms sampling: at prom-client's default 10 ms every reading carries 10 ms of sampling interval.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1 })
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    })
    const problems = new Counter({ name: 'tessera_problems_total', help: 'Error responses by code', labelNames: ['code'], registers: [registry] })
    new Gauge({
      name: 'tessera_password_hash_load',
      help: 'Password hashes running or waiting',
      registers: [registry],
      collect() {
        this.set(services.passwords.load)
      },
    })
    new Gauge({
      name: 'tessera_revoked_sessions',
      help: 'Revoked sessions held in memory',
      registers: [registry],
      collect() {
        this.set(services.revocation.size)
      },
    })

    // The mail outbox (issue 16): how many mails wait, are being sent, went out or were given up,
    // counted in storage (every instance sees the same queue); and this process's deliveries.
    new Gauge({
      name: 'tessera_mail_outbox',
      help: 'Mails in the outbox by state (pending, sending, sent, failed), across every instance',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await services.outbox.countByState()
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count)
      },
    })
    const sender = services.mailSender
    if (sender) {
      const counter = (name: string, help: string, read: () => number) =>
        new Counter({
          name,
          help,
          registers: [registry],
          collect() {
            this.reset()
            this.inc(read())
          },
        })
      counter('tessera_mail_sent_total', 'Mails this process delivered', () => sender.stats.sent)
      counter('tessera_mail_attempt_failures_total', 'Delivery attempts of this process that failed (each retry counts)', () => sender.stats.attemptFailures)
      counter('tessera_mail_failed_total', 'Mails this process gave up on after the last attempt', () => sender.stats.failed)
      new Gauge({
        name: 'tessera_mail_degraded',
        help: '1 while the last delivery attempt of this process failed (SMTP down or refusing)',
        registers: [registry],
        collect() {
          this.set(sender.status === 'degraded' ? 1 : 0)
        },
      })
    }

    // Callback hooks: no promise per request (see app.ts).
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched'
      duration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000)
      done()
    })
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (reply.statusCode >= 400 && typeof payload === 'string' && payload.startsWith('{"type":"urn:tessera:problem:')) {
        const code = /"code":"([a-z_]+)"/.exec(payload)?.[1]
        if (code) problems.inc({ code })
      }
      done(null, payload)
    })

    const token = services.config.metricsToken === undefined ? undefined : Buffer.from(services.config.metricsToken)
    const schema = {
      summary: 'Prometheus metrics (Bearer METRICS_TOKEN when that setting is set)',
      tags: ['operations'],
      response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    }
    app.get('/metrics', { schema }, async (request, reply) => {
      if (token) {
        const bearer = /^bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1]
        if (bearer === undefined) throw new AppError('authorization_required', 'Send the metrics token as a Bearer token')
        const presented = Buffer.from(bearer)
        if (presented.length !== token.length || !timingSafeEqual(presented, token)) throw new AppError('token_invalid', 'The metrics token is not valid')
      }
      reply.type(registry.contentType)
      return registry.metrics()
    })
  },
  { name: 'tessera-metrics' },
)
