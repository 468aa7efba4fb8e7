import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { DOCS_CSP } from './security-headers.js'

type Operation = { security?: Array<Record<string, string[]>>; description?: string; responses?: Record<string, unknown> }

const UNSAFE = new Set(['post', 'put', 'patch', 'delete'])

/**
 * With AUTH_COOKIES=on, every operation that takes a bearer token also takes
 * the access cookie (refresh and logout: the refresh cookie), and the unsafe
 * ones then need the CSRF header too. Added here, to the finished document,
 * so route files keep naming only bearerAuth.
 */
function addCookieSecurity(paths: Record<string, Record<string, Operation>>): void {
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const security = operation.security
      if (!security?.some((requirement) => 'bearerAuth' in requirement)) continue
      const cookie = path === '/auth/refresh' || path === '/auth/logout' ? 'refreshCookie' : 'cookieAuth'
      const unsafe = UNSAFE.has(method)
      // A new array: route files share one `security` array between their routes.
      operation.security = [...security, unsafe ? { [cookie]: [], csrfToken: [] } : { [cookie]: [] }]
      if (path === '/auth/logout') operation.security.push({ cookieAuth: [], csrfToken: [] })
      if (unsafe) operation.responses = { ...operation.responses, 403: { $ref: '#/components/responses/CsrfFailed' } }
    }
  }
}

/**
 * OpenAPI 3.1 generated from the routes' TypeBox schemas (one declaration for
 * validation, serialization and docs). Register before the routes: the
 * document is built from every route added after it.
 */
export const openapiPlugin = fp<{ authCookies?: boolean }>(
  async (app, { authCookies = false }) => {
    const cookieSchemes: Record<string, { type: 'apiKey'; in: 'cookie' | 'header'; name: string; description: string }> = authCookies
      ? {
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'tessera_access', description: 'AUTH_COOKIES=on: the access token cookie, `__Host-tessera_access` over HTTPS' },
          refreshCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'tessera_refresh',
            description: 'AUTH_COOKIES=on: the refresh token cookie (Path /auth/refresh and /auth/logout), `__Secure-tessera_refresh` over HTTPS',
          },
          csrfToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'The value of the `tessera_csrf` cookie (`__Host-tessera_csrf` over HTTPS); required with a cookie on POST, PUT, PATCH and DELETE, with an Origin of this server or CORS_ORIGINS',
          },
        }
      : {}
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Tessera',
          version: '0.1.0',
          description: 'User accounts and JWT authentication. Every error is application/problem+json (RFC 9457) with a stable `code`.',
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            basicAuth: { type: 'http', scheme: 'basic' },
            ...cookieSchemes,
          },
        },
        tags: [
          { name: 'auth', description: 'Register, log in, refresh, log out' },
          { name: 'me', description: 'The current user' },
          { name: 'email', description: 'Verify an address, forget and reset a password (links mailed through the outbox)' },
          { name: 'sessions', description: "The current user's sessions" },
          { name: 'passkeys', description: 'Passkeys (WebAuthn): register, list, rename, remove, sign in with no username (docs/passkeys.md)' },
          { name: 'admin', description: 'User management (admin role)' },
          { name: 'discovery' },
          { name: 'operations' },
        ],
      },
      // swagger-ui's own routes are hidden; the page itself is part of the contract, so list it.
      transformObject: (documents) => {
        if (!('openapiObject' in documents)) return documents.swaggerObject
        const document = documents.openapiObject
        if (authCookies) {
          addCookieSecurity(document.paths as Record<string, Record<string, Operation>>)
          document.components = {
            ...document.components,
            responses: {
              ...document.components?.responses,
              CsrfFailed: {
                description: 'csrf_failed: authenticated by cookie without a matching X-CSRF-Token, or from an origin not allowed',
                content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
              },
            },
          }
        }
        document.paths = {
          ...document.paths,
          '/docs': {
            get: {
              summary: 'Interactive API documentation (Swagger UI)',
              tags: ['discovery'],
              responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
            },
          },
        }
        return document
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
    })
  },
  { name: 'tessera-openapi' },
)

/** `GET /openapi.json` and the interactive page at `/docs`. Register after the routes. */
export const apiDocsPlugin = fp(
  async (app) => {
    app.get('/openapi.json', { schema: { summary: 'This OpenAPI document', tags: ['discovery'] } }, async () => app.swagger())
    // staticCSP replaces the API's `default-src 'none'` on the page and its files (security-headers.ts).
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: false, tryItOutEnabled: true }, staticCSP: DOCS_CSP })
  },
  { name: 'tessera-api-docs', dependencies: ['tessera-openapi'] },
)
