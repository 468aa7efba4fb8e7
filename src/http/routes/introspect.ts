import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../../errors.js'
import type { Services } from '../../services/index.js'
import { BODY_LIMIT } from '../plugins/body-guards.js'
import { noStore } from '../request-info.js'
import { problems, Roles } from '../schemas/common.js'

/** RFC 7617: how a resource server is told to authenticate (not the Bearer challenge of the rest of the API). */
const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="tessera"' }

const IntrospectBody = Type.Object(
  {
    token: Type.String({ minLength: 1, description: 'The token to look at (RFC 7662 §2.1)' }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64, description: 'Accepted and ignored: only access tokens can be active' })),
  },
  // RFC 7662 §2.1 lets a server accept other parameters; RFC 6749 §3.2 says to ignore the unknown ones.
  { additionalProperties: true, description: '`application/x-www-form-urlencoded` (RFC 7662) or JSON' },
)

const Introspection = Type.Object(
  {
    active: Type.Boolean(),
    sub: Type.Optional(Type.String({ description: 'User id' })),
    sid: Type.Optional(Type.String({ description: 'Session id' })),
    token_type: Type.Optional(Type.Literal('Bearer')),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.String()),
    jti: Type.Optional(Type.String()),
    roles: Type.Optional(Roles),
    fresh: Type.Optional(Type.Boolean()),
    amr: Type.Optional(Type.Array(Type.String(), { description: 'RFC 8176 methods of the login (docs/mfa.md): a resource server can ask for two factors' })),
  },
  { description: 'RFC 7662 §2.2: only `{"active": false}` for any token that is not a live access token' },
)

const INACTIVE = { active: false } as const

/**
 * `POST /oauth/introspect` (RFC 7662) for resource servers that must see a logout at once.
 * Clients and secrets come from `INTROSPECTION_CLIENTS`; with none configured every call is 401.
 */
export async function introspectRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const clients = digestSecrets(services.config.introspectionClients)

  // RFC 7662 §2.1 requires form encoding; this parser lives in this plugin's scope only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    const params = new URLSearchParams(body as string)
    const names = [...params.keys()]
    const repeated = names.find((name, index) => names.indexOf(name) !== index)
    // RFC 6749 §3.2: parameters must not be sent more than once; which `token` would count is ambiguous.
    if (repeated !== undefined) return done(new AppError('validation_failed', `${repeated} is sent more than once`, { errors: [{ path: `/${repeated}`, message: 'is sent more than once' }] }), undefined)
    done(null, Object.fromEntries(params))
  })

  app.post(
    '/oauth/introspect',
    {
      // onRequest, as requireAuth: an unauthenticated body is never parsed.
      onRequest: async (request: FastifyRequest) => authenticateClient(clients, request.headers.authorization),
      schema: {
        summary: 'Token introspection for resource servers (RFC 7662)',
        description: 'HTTP Basic with a client of `INTROSPECTION_CLIENTS`. Any token that is not a live access token (revoked, expired, malformed, a refresh token) gives `{"active": false}`.',
        tags: ['oauth'],
        security: [{ basicAuth: [] }],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: IntrospectBody,
        response: { 200: Introspection, ...problems(400, 401, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      noStore(reply) // RFC 7662 §2.2: the answer is about a credential and must not be cached
      try {
        const auth = await services.accessTokens.verify(request.body.token)
        const { jwtIssuer: iss, jwtAudience: aud } = services.config
        return { active: true, sub: auth.userId, sid: auth.sessionId, token_type: 'Bearer' as const, exp: auth.expiresAt, iat: auth.issuedAt, iss, aud, jti: auth.tokenId, roles: auth.roles, fresh: auth.fresh, amr: [...auth.amr] }
      } catch (error) {
        // Every token failure (401 codes) is just "not active". A 503 (revocations cannot be checked)
        // is passed on, not turned into active:false: the resource server should retry, not log the user out.
        if (error instanceof AppError && error.status === 401) return INACTIVE
        throw error
      }
    },
  )
}

type SecretDigests = ReadonlyMap<string, Buffer>

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

function digestSecrets(clients: ReadonlyMap<string, string>): SecretDigests {
  return new Map([...clients].map(([id, secret]) => [id, sha256(secret)]))
}

/** Compared even for unknown clients, so an unknown id costs as much as a wrong secret. */
const DUMMY_DIGEST = sha256('tessera-introspection-no-such-client')

/** RFC 6749 §2.3.1 HTTP Basic: `authorization_required` without it, `invalid_credentials` for any wrong pair. */
export function authenticateClient(clients: SecretDigests, authorization: string | undefined): string {
  const basic = /^basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  if (!basic) throw new AppError('authorization_required', 'Authenticate with HTTP Basic client credentials', { headers: BASIC_CHALLENGE })
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const clientId = decoded.slice(0, colon)
  // Hashing both sides gives equal lengths, so timingSafeEqual never reveals the secret's length.
  const presented = sha256(decoded.slice(colon + 1))
  const expected = clients.get(clientId)
  const matches = timingSafeEqual(presented, expected ?? DUMMY_DIGEST)
  if (colon < 1 || expected === undefined || !matches) {
    throw new AppError('invalid_credentials', 'Unknown client or wrong client secret', { headers: BASIC_CHALLENGE })
  }
  return clientId
}
