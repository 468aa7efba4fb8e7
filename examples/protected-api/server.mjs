// An API of your own, protected by Tessera.
//
// Tessera's whole server (register, login, refresh, logout, /auth/me, the
// admin API, /health, /metrics, /docs) plus three routes of this app:
//
//   GET /secret          any logged-in user
//   GET /forecast/:date  any logged-in user; :date must be a real YYYY-MM-DD date
//   GET /reports         admins only, and only with a token from a password login (audited)
//
// and, at /app/, the single-page app of examples/spa with the built client at /app/client/
// (start with AUTH_COOKIES=on for its cookie mode; /app/?mode=tokens works either way).
//
// Run it from the repository root after `npm install` (which builds dist/):
//
//   node examples/protected-api/server.mjs
//
// It reads the same settings as `npm start` (HOST, PORT, DATABASE_URL,
// JWT_SECRET, ADMIN_EMAIL, ...) from the environment.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp, ConfigError, loadConfig } from 'tessera-auth'

/**
 * @typedef {import('tessera-auth').AuthContext} AuthContext
 * @typedef {import('fastify').FastifyInstance} FastifyInstance
 */

/** Weather words, picked by a digest of the date so the same date always gives the same forecast. */
const SKIES = /** @type {const} */ (['sunny', 'partly cloudy', 'cloudy', 'light rain', 'showers', 'windy', 'fog', 'snow'])

/**
 * A made-up but deterministic forecast for one day: the same date always
 * gives the same answer, which keeps the example easy to test.
 *
 * @param {string} date a valid `YYYY-MM-DD` date (the route's schema has checked it)
 * @returns {{ date: string, sky: string, high_c: number, low_c: number, rain_chance: number }}
 */
export function forecastFor(date) {
  let seed = 0
  for (const char of date) seed = (seed * 31 + char.charCodeAt(0)) >>> 0
  const month = Number(date.slice(5, 7))
  // Warmer in the middle of the (northern) year, colder at its ends.
  const seasonal = Math.round(12 - 10 * Math.cos(((month - 1) / 12) * 2 * Math.PI))
  const high = seasonal + (seed % 7)
  return {
    date,
    sky: SKIES[seed % SKIES.length] ?? 'sunny',
    high_c: high,
    low_c: high - 4 - (seed % 5),
    rain_chance: (seed >>> 3) % 101,
  }
}

/**
 * Adds this app's routes to a Tessera app. Every route is protected by an
 * `onRequest` hook from `app.requireAuth()`, so a request without a valid,
 * unrevoked access token is refused (401 problem+json) before anything else runs.
 *
 * @param {FastifyInstance} app an app made by `buildApp()`
 */
export function addRoutes(app) {
  app.get('/secret', { onRequest: app.requireAuth() }, async () => ({ answer: 42 }))

  app.get(
    '/forecast/:date',
    {
      onRequest: app.requireAuth(),
      schema: {
        // Fastify's default validator includes ajv-formats: "date" is RFC 3339 full-date,
        // so 2026-02-30 and "tomorrow" are both 400 validation_failed, path "/date".
        params: {
          type: 'object',
          properties: { date: { type: 'string', format: 'date' } },
          required: ['date'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              date: { type: 'string' },
              sky: { type: 'string' },
              high_c: { type: 'integer' },
              low_c: { type: 'integer' },
              rain_chance: { type: 'integer' },
            },
          },
        },
      },
    },
    async (request) => forecastFor(/** @type {{ date: string }} */ (request.params).date),
  )

  app.get('/reports', { onRequest: app.requireAuth({ role: 'admin', fresh: true }) }, async (request) => {
    const auth = /** @type {AuthContext} */ (request.auth)
    // An event of this app's own in Tessera's audit log, read with the others at GET /admin/audit.
    app.tessera.audit.record({ type: 'reports.viewed', actorId: auth.userId, ip: request.ip, requestId: request.id })
    return { generated_for: auth.userId, reports: [{ name: 'signups-weekly', rows: 0 }] }
  })
}

/** The files of examples/spa, read once at start: a page, its script and its styles (no build step, no framework). */
const SPA_FILES = /** @type {const} */ ([
  ['/app/', 'index.html', 'text/html; charset=utf-8'],
  ['/app/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app/email-pages.js', 'email-pages.js', 'text/javascript; charset=utf-8'],
  ['/app/mfa-pages.js', 'mfa-pages.js', 'text/javascript; charset=utf-8'],
  ['/app/passkey-pages.js', 'passkey-pages.js', 'text/javascript; charset=utf-8'],
  ['/app/style.css', 'style.css', 'text/css; charset=utf-8'],
])

/**
 * The page's policy, replacing the API's `default-src 'none'`: its own script
 * and styles, requests to its own origin (the API), nothing inline, no framing.
 */
const SPA_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * Serves examples/spa under /app/ with plain routes, same-origin with the API
 * so that its SameSite cookies are sent and no CORS is needed.
 *
 * @param {FastifyInstance} app
 */
export function addSpaRoutes(app) {
  const directory = new URL('../spa/', import.meta.url)
  for (const [path, file, type] of SPA_FILES) {
    const body = readFileSync(new URL(file, directory))
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-security-policy', SPA_CSP).header('cache-control', 'no-cache').type(type).send(body),
    )
  }
  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'))
  addClientRoutes(app)
}

/**
 * Serves the built client (dist/client, from `npm run build`) at /app/client/, where the page
 * imports it as ES modules: the same files an app gets from `tessera-auth/client`.
 *
 * @param {FastifyInstance} app
 */
function addClientRoutes(app) {
  const directory = new URL('../../dist/client/', import.meta.url)
  if (!existsSync(directory)) {
    app.log.warn('dist/client is missing (run npm run build): the page at /app/ cannot load the client')
    return
  }
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.js'))) {
    const body = readFileSync(new URL(file, directory))
    app.get(`/app/client/${file}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-security-policy', SPA_CSP).header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(body),
    )
  }
}

async function main() {
  let config
  try {
    // Its own database unless told otherwise, so following the main README first (ada@example.com
    // in ./data/tessera.db) and this example after never collide (@see issue 13).
    config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || 'sqlite:./data/protected-api.db' })
  } catch (error) {
    // A bad setting: one line naming the variable, exit 1 (as `npm start` does).
    if (error instanceof ConfigError) {
      process.stderr.write(`protected-api: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }

  const app = await buildApp({ config })
  addRoutes(app)
  addSpaRoutes(app)
  // ADMIN_EMAIL/ADMIN_PASSWORD create the first admin, as with `npm start`.
  await app.tessera.users.bootstrapAdmin()

  const url = await app.listen({ host: config.host, port: config.port })
  app.log.info({ url }, 'tessera listening')

  for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down')
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
}

// Start only when run directly, so tests (or your code) can import forecastFor/addRoutes.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`protected-api: failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
