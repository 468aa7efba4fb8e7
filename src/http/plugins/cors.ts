import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/**
 * CORS for browser apps on other origins (`CORS_ORIGINS`), with
 * `@fastify/cors`. Only an exact, listed origin gets any CORS header: it is
 * echoed back with `Access-Control-Allow-Credentials: true` (so its pages may
 * send cookies), and its preflights are answered. Any other origin gets no CORS
 * header at all, never a reflection of what it sent, and its preflight falls
 * through to the 404 problem, as if CORS did not exist. Every answer varies on
 * `Origin`, so a cache never hands one origin's answer to another.
 *
 * With an empty list the plugin is not registered and no response carries a
 * CORS header.
 */
export const corsPlugin = fp<{ origins: readonly string[] }>(
  async (app, { origins }) => {
    const allowed = new Set(origins)
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRF-Token', 'X-Request-Id'],
      // What a script may read of an answer besides the CORS-safelisted headers.
      exposedHeaders: ['Retry-After', 'WWW-Authenticate', 'X-Request-Id'],
      maxAge: 600,
      // A listed origin's OPTIONS without Access-Control-Request-Method is answered like a preflight,
      // rather than with the plugin's text/plain 400 (every error here is problem+json).
      strictPreflight: false,
    })
  },
  { name: 'tessera-cors' },
)
