import fp from 'fastify-plugin'
import Fastify from 'fastify'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'

/**
 * The Content-Security-Policy of every response that is not a page: JSON and
 * problem+json load nothing and may be framed by nobody, so the strictest
 * policy there is (OWASP REST Security cheat sheet).
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'"

/** sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`, the logo's only style. */
const SWAGGER_LOGO_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='

/**
 * The policy of the `/docs` page (Swagger UI, served from our own origin):
 * its scripts and styles are files of ours, no inline script, no eval; images
 * include `data:` URIs (its icons); `connect-src 'self'` lets "Try it out"
 * call this API and nothing else.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  // Swagger UI draws its logo as an inline SVG whose <style> colours it: allowed by its hash, nothing else inline.
  `style-src 'self' '${SWAGGER_LOGO_STYLE_HASH}'`,
].join('; ')

/** helmet's defaults, with {@link API_CSP} as the policy and framing denied outright. */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
  // The same answer as frame-ancestors 'none', for browsers that predate CSP 2.
  frameguard: { action: 'deny' },
}

/**
 * The headers `@fastify/helmet` sets with these options, asked of it once at
 * start on a private instance. The plugin itself rebuilds its middleware on
 * every request, which measured at about 20 µs of CPU per request here, more
 * than half of what an authenticated request costs (docs/browser-clients.md);
 * the headers never vary, so they are copied instead.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false })
  try {
    await probe.register(helmet, options)
    let headers: Record<string, string> = {}
    probe.get('/', async (_request, reply) => {
      headers = Object.fromEntries(Object.entries(reply.getHeaders()).map(([name, value]) => [name, String(value)]))
      return ''
    })
    await probe.inject({ method: 'GET', url: '/' })
    if (!headers['content-security-policy'] || !headers['x-content-type-options']) throw new Error('@fastify/helmet set no security headers')
    return headers
  } finally {
    await probe.close()
  }
}

let apiHeaders: Promise<Record<string, string>> | undefined

/** The headers of every API answer, for answers written without a reply too (http/transport-errors.ts). */
export function apiSecurityHeaders(): Promise<Record<string, string>> {
  apiHeaders ??= helmetHeaders(HELMET_OPTIONS)
  return apiHeaders
}

/**
 * Security headers on every response (JSON, problems, 404s, pages): helmet's
 * defaults (`X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `Strict-Transport-Security`, the
 * cross-origin policies, no `X-Powered-By`) with {@link API_CSP}. Pages served
 * by the app replace the policy with their own later in the request
 * (openapi.ts for `/docs`, the SPA example for its files).
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    const headers = await apiSecurityHeaders()
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers)
      done()
    })
  },
  { name: 'tessera-security-headers' },
)
