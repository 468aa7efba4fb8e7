import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { Config } from './config.js'
import { loggerOptions } from './logger.js'
import { rewriteCompatUrl } from './http/compat-aliases.js'
import { COMPAT_PROFILES } from './compat/profiles.js'
import { createProfileRewrite } from './compat/router.js'
import { BODY_LIMIT } from './http/plugins/body-guards.js'
import { apiDocsPlugin, openapiPlugin } from './http/plugins/openapi.js'
import { apiSecurityHeaders, securityHeadersPlugin } from './http/plugins/security-headers.js'
import { createClientErrorHandler, createFrameworkErrorHandler, hostHeaderProblem } from './http/transport-errors.js'
import { tesseraPlugin } from './plugin.js'
import { createServices, type ServiceDeps, type Services } from './services/index.js'
import { openStorage, type Storage } from './storage/index.js'

export interface BuildAppOptions extends ServiceDeps {
  config: Config
  /** Open storage to use; when absent, `config.databaseUrl` is opened and closed with the app. */
  storage?: Storage
  /** Overrides Fastify's logger option (tests pass `false`). */
  logger?: FastifyServerOptions['logger']
  /**
   * How often node looks for connections past headersTimeout or requestTimeout (node's default:
   * 30 s). Not a setting: a test of the 408 answer lowers it so as not to wait half a minute.
   */
  connectionsCheckingInterval?: number
}

/** Fastify's `rewriteUrl` for the compatibility settings, or nothing when both are off. */
function compatRewrite(config: Config): { rewriteUrl?: (request: { method?: string; url?: string }) => string } {
  const profile = config.compatProfile === undefined ? undefined : COMPAT_PROFILES[config.compatProfile]
  const byProfile = profile ? createProfileRewrite(profile) : undefined
  if (!byProfile && !config.compatRoutes) return {}
  return {
    rewriteUrl: (request) => byProfile?.(request) ?? (config.compatRoutes ? rewriteCompatUrl(request) : (request.url ?? '/')),
  }
}

/**
 * The whole Tessera server as a Fastify instance, ready to `listen()` or to
 * `inject()`. Never listens by itself. Add your own routes before `ready()`.
 *
 * @example
 * ```ts
 * const app = await buildApp({ config: loadConfig(process.env) })
 * app.get('/secret', { onRequest: app.requireAuth() }, async () => ({ answer: 42 }))
 * await app.listen({ port: 3000 })
 * ```
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  return (await buildAppWithServices(options)).app
}

/**
 * buildApp(), also handing back the services it wired: for start.ts (the admin bootstrap), which
 * is Tessera's own code and so uses the services, not the host's `app.tessera`. Not exported by index.ts.
 */
export async function buildAppWithServices(options: BuildAppOptions): Promise<{ app: FastifyInstance; services: Services }> {
  const { config } = options
  const storage = options.storage ?? (await openStorage(config.databaseUrl, config))
  let services: Services
  let app: FastifyInstance | undefined
  try {
    services = await createServices(config, storage, {
      now: options.now,
      passwordHashCost: options.passwordHashCost,
      onBackgroundError: (error) => app?.log.error({ err: error }, 'background task failed'),
      // A server sends the outbox's mails; its log is the app's (created below, so looked up at each call).
      sendMail: options.sendMail ?? true,
      log: {
        info: (fields, message) => app?.log.info(fields, message),
        warn: (fields, message) => app?.log.warn(fields, message),
        error: (fields, message) => app?.log.error(fields, message),
      },
    })
  } catch (error) {
    if (!options.storage) await storage.close()
    throw error
  }

  // Errors of the HTTP layer (bad request line, 408, 414, 431, a bad URL) are problem+json too.
  const transportErrors = { securityHeaders: await apiSecurityHeaders(), log: () => app!.log }
  app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: BODY_LIMIT,
    // Trust X-Forwarded-For only from the configured number of proxy hops in front of us.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxy,
    // A client's X-Request-Id is kept for tracing only when it is a plain token; anything else is replaced.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID()
    },
    // Fastify's two lines per request are replaced by the one in the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler: createClientErrorHandler(transportErrors),
    frameworkErrors: createFrameworkErrorHandler(transportErrors),
    // A missing Host is answered by the hook below as problem+json, not by node's bare 400.
    http: { requireHostHeader: false, ...(options.connectionsCheckingInterval ? { connectionsCheckingInterval: options.connectionsCheckingInterval } : {}) },
    // COMPAT_PROFILE: its table's routes first (src/compat/router.ts); COMPAT_ROUTES=on: the Flask
    // tutorials' paths routed to Tessera's own (http/compat-aliases.ts).
    ...compatRewrite(config),
  })

  // A client gets 10 s to send its headers and 30 s for the whole request (requestTimeout above):
  // slow-header connections cannot hold sockets open (Node's default allows 60 s).
  app.server.headersTimeout = 10_000

  // The hooks every request runs are callback hooks, not async ones: an async hook costs a
  // promise and a microtask per request, measurable on a protected route (docs/performance.md).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  // One line per request, with what an operator needs and nothing secret.
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        user: request.auth?.userId,
      },
      'request',
    )
    done()
  })
  // Closing: Node's server.close() drops the connections idle at that moment; the ones answering a
  // request stay kept-alive afterwards and would hold the shutdown for keepAliveTimeout. Drop each
  // as soon as its response is out.
  let closingIdle: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    closingIdle = setInterval(() => app?.server.closeIdleConnections(), 50)
    closingIdle.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(closingIdle)
  })
  app.addHook('onClose', async () => {
    await services.stop()
    if (!options.storage) await storage.close()
  })

  // Redis down at start: the server starts anyway and fails closed (503) until it connects, so say
  // so now rather than leave "listening" followed by unexplained 503s (@see issue 13).
  if (services.redis && !services.redis.ready) {
    app.log.warn(
      { redis: services.redis.target, reason: services.redis.lastError },
      `REDIS_URL (${services.redis.target}) is not reachable${services.redis.lastError ? ` (${services.redis.lastError})` : ''}: logins and authenticated requests answer 503 until it is; retrying in the background`,
    )
  }

  await app.register(securityHeadersPlugin)
  // After the security headers, so the 400 carries them; RFC 9112 §3.2 (http/transport-errors.ts).
  app.addHook('onRequest', (request, _reply, done) => done(hostHeaderProblem(request.raw)))
  await app.register(openapiPlugin, { authCookies: config.authCookies })
  await app.register(tesseraPlugin, { services })
  await app.register(apiDocsPlugin)
  return { app, services }
}
