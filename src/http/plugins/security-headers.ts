import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

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

/**
 * Security headers on every response, by `@fastify/helmet`: its defaults
 * (`X-Content-Type-Options: nosniff`, `X-Frame-Options`, `Referrer-Policy:
 * no-referrer`, `Strict-Transport-Security`, the cross-origin policies, no
 * `X-Powered-By`) with {@link API_CSP} as the policy. Pages served by the app
 * set their own policy (openapi.ts for `/docs`, the SPA example for its files).
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
      // The same answer as frame-ancestors 'none', for browsers that predate CSP 2.
      frameguard: { action: 'deny' },
    })
  },
  { name: 'tessera-security-headers' },
)
