import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/**
 * OpenAPI 3.1 generated from the routes' TypeBox schemas (one declaration for
 * validation, serialization and docs). Register before the routes: the
 * document is built from every route added after it.
 */
export const openapiPlugin = fp(
  async (app) => {
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
          },
        },
        tags: [
          { name: 'auth', description: 'Register, log in, refresh, log out' },
          { name: 'me', description: 'The current user' },
          { name: 'sessions', description: "The current user's sessions" },
          { name: 'admin', description: 'User management (admin role)' },
          { name: 'discovery' },
          { name: 'operations' },
        ],
      },
      // swagger-ui's own routes are hidden; the page itself is part of the contract, so list it.
      transformObject: (documents) => {
        if (!('openapiObject' in documents)) return documents.swaggerObject
        const document = documents.openapiObject
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
export async function registerDocs(app: FastifyInstance): Promise<void> {
  app.get('/openapi.json', { schema: { summary: 'This OpenAPI document', tags: ['discovery'] } }, async () => app.swagger())
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: false, tryItOutEnabled: true } })
}
