import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError, fieldError } from '../../errors.js'
import type { Services } from '../../services/index.js'
import type { LoginCredentials } from '../../services/login.js'
import { looksLikeJwt } from '../../services/access-tokens.js'
import { authenticate, readBearer } from '../plugins/authenticate.js'
import { clientInfo, noStore } from '../request-info.js'
import { Email, FullName, Password, problems, Username } from '../schemas/common.js'
import { TokenResponseRef, toTokenResponse } from '../schemas/token-response.js'

const RegisterBody = Type.Object(
  { email: Email, password: Password, username: Type.Optional(Username), full_name: Type.Optional(FullName) },
  { additionalProperties: false },
)

const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    password: Type.Optional(Password),
  },
  { additionalProperties: false, description: '`{email, password}` or `{username, password}`; or no body and HTTP Basic' },
)

const RefreshBody = Type.Object(
  { refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })) },
  { additionalProperties: false, description: 'Or send the refresh token as `Authorization: Bearer <refresh_token>`' },
)

const LogoutBody = Type.Object(
  {
    scope: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('all')], { default: 'session' })),
    refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
  },
  { additionalProperties: false },
)

/** Login and logout accept no body at all (Basic auth, a Bearer header); their fields are then all absent. */
async function bodyMayBeEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

/** Register, login, refresh and logout. Rate limited per client address by the caller's scope. */
export async function authRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post(
    '/auth/register',
    {
      schema: {
        summary: 'Create an account and start a session',
        tags: ['auth'],
        body: RegisterBody,
        response: { 201: TokenResponseRef, ...problems(400, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { email, password, username, full_name: fullName } = request.body
      const issued = await services.users.register({ email, password, username, fullName }, clientInfo(request))
      noStore(reply)
      return reply.code(201).send(toTokenResponse(issued))
    },
  )

  app.post(
    '/auth/login',
    {
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'Log in by email or username and password (JSON body or HTTP Basic)',
        tags: ['auth'],
        security: [{}, { basicAuth: [] }],
        body: LoginBody,
        response: { 200: TokenResponseRef, ...problems(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const issued = await services.login(readLoginCredentials(request.body, request.headers.authorization), clientInfo(request))
      noStore(reply)
      return toTokenResponse(issued)
    },
  )

  app.post(
    '/auth/refresh',
    {
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        tags: ['auth'],
        security: [{}, { bearerAuth: [] }],
        body: RefreshBody,
        response: { 200: TokenResponseRef, ...problems(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const token = request.body.refresh_token ?? readBearer(request)
      assertNotAccessToken(token)
      const issued = await services.sessions.refresh(token)
      noStore(reply)
      return toTokenResponse(issued)
    },
  )

  app.post(
    '/auth/logout',
    {
      config: { rateLimit: false }, // RATE_LIMIT_AUTH covers register, login and refresh only
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'End this session, or every session of the user with scope "all"',
        description: 'Authenticate with the access token, or send the refresh token in the body.',
        tags: ['auth'],
        security: [{ bearerAuth: [] }, {}],
        body: LogoutBody,
        response: { 204: Type.Null(), ...problems(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const { scope = 'session', refresh_token: refreshToken } = request.body
      let session: { id: string; userId: string }
      if (request.headers.authorization !== undefined || refreshToken === undefined) {
        const auth = await authenticate(services, request)
        session = { id: auth.sessionId, userId: auth.userId }
      } else {
        assertNotAccessToken(refreshToken)
        session = await services.sessions.findByRefreshToken(refreshToken)
      }
      if (scope === 'all') await services.sessions.revokeAll(session.userId)
      else await services.sessions.revoke(session)
      return reply.code(204).send(null)
    },
  )
}

/** An access token where a refresh token belongs is `wrong_token_type`; anything else malformed is `token_invalid` later. */
function assertNotAccessToken(token: string): void {
  if (looksLikeJwt(token)) throw new AppError('wrong_token_type', 'An access token cannot be used as a refresh token')
}

/** Body credentials, or `Authorization: Basic base64(login:password)` when the body has none. */
export function readLoginCredentials(body: { email?: string; username?: string; password?: string }, authorization: string | undefined): LoginCredentials {
  if (body.email !== undefined || body.username !== undefined || body.password !== undefined) {
    if (body.email !== undefined && body.username !== undefined) throw fieldError('/username', 'send either email or username, not both')
    if (body.email === undefined && body.username === undefined) throw fieldError('/email', 'email or username is required')
    if (body.password === undefined) throw fieldError('/password', 'is required')
    return body.email !== undefined ? { email: body.email, password: body.password } : { username: body.username!, password: body.password }
  }
  const basic = /^basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  if (!basic) throw new AppError('authorization_required', 'Send {email, password}, {username, password} or HTTP Basic credentials')
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 1) throw new AppError('invalid_credentials', 'The login or password is incorrect')
  const login = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  const length = [...password.normalize('NFC')].length
  if (length < 8 || length > 128) throw fieldError('/password', 'must be 8 to 128 characters')
  return login.includes('@') ? { email: login, password } : { username: login, password }
}
