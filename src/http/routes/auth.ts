import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError, fieldError } from '../../errors.js'
import type { Services } from '../../services/index.js'
import type { LoginCredentials } from '../../services/login.js'
import type { IssuedTokens } from '../../services/sessions.js'
import { loginPasswordProblem } from '../../domain/identifiers.js'
import { authenticate } from '../plugins/authenticate.js'
import { readCredential } from '../credential-source.js'
import { clearAuthCookies } from '../plugins/cookies.js'
import { assertCsrfToken, precheckCsrf } from '../csrf.js'
import type { AuditDeclaration } from '../audit-events.js'
import { sendTokens as sendTokenReply } from '../token-reply.js'
import { clientInfo } from '../request-info.js'
import { Email, FullName, Locale, LoginPassword, Password, problems, Username } from '../schemas/common.js'
import { pickLocale } from '../../mail/templates/index.js'
import { TokenResponseRef } from '../schemas/token-response.js'

const RegisterBody = Type.Object(
  { email: Email, password: Password, username: Type.Optional(Username), full_name: Type.Optional(FullName), locale: Type.Optional(Locale) },
  { additionalProperties: false },
)

const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    password: Type.Optional(LoginPassword),
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

// The audit events of these routes; a compatibility profile's register, login, refresh and
// logout share them (src/compat/mount.ts), hence the route each names.
export const REGISTER_AUDIT: AuditDeclaration = { route: 'POST /auth/register', success: { type: 'user.registered' } }

export const LOGIN_AUDIT: AuditDeclaration = {
  route: 'POST /auth/login',
  success: { type: 'login.succeeded' },
  failures: {
    invalid_credentials: { type: 'login.failed' },
    account_disabled: { type: 'login.failed' },
    email_not_verified: { type: 'login.failed' },
    mfa_required: { type: 'login.mfa_required' },
  },
}

export const REFRESH_AUDIT: AuditDeclaration = { route: 'POST /auth/refresh', failures: { refresh_token_reused: { type: 'refresh_token.reuse_detected' } } }

/** The scope is the one body value recorded: `session` or `all`, nothing a client could hide a secret in. */
export const LOGOUT_AUDIT: AuditDeclaration = {
  route: 'POST /auth/logout',
  success: { type: 'logout', details: (request) => ({ scope: (request.body as { scope?: string } | null)?.scope ?? 'session' }) },
}

/** Login and logout accept no body at all (Basic auth, a Bearer header); their fields are then all absent. */
async function bodyMayBeEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

/** Register, login, refresh and logout. Rate limited per client address by the caller's scope. */
export async function authRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = services

  /** The token response; with AUTH_COOKIES=on the same tokens also go out as cookies (http/token-reply.ts). */
  const sendTokens = (reply: FastifyReply, issued: IssuedTokens) => sendTokenReply(services, reply, issued)

  /**
   * The session of the refresh cookie, after the CSRF checks: the cookie is
   * sent by the browser on its own, so the request must prove it comes from our page.
   */
  async function sessionOfRefreshCookie(request: FastifyRequest, refreshToken: string) {
    const csrfToken = precheckCsrf(request, config.corsOrigins)
    const session = await services.sessions.findByRefreshToken(refreshToken)
    assertCsrfToken(request, services, session.id, csrfToken)
    return session
  }

  /** Cookies of a credential that can never work again are expired, so the browser stops sending them. */
  async function expireCookiesOnFailure<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (config.authCookies && error instanceof AppError && error.status === 401) clearAuthCookies(reply)
      throw error
    }
  }

  app.post(
    '/auth/register',
    {
      config: { audit: REGISTER_AUDIT },
      schema: {
        summary: 'Create an account and start a session',
        tags: ['auth'],
        body: RegisterBody,
        response: { 201: TokenResponseRef, ...problems(400, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { email, password, username, full_name: fullName } = request.body
      const issued = await services.users.register({ email, password, username, fullName, locale: accountLocale(request.body.locale, request.headers['accept-language']) }, clientInfo(request))
      return reply.code(201).send(sendTokens(reply, issued))
    },
  )

  app.post(
    '/auth/login',
    {
      config: { audit: LOGIN_AUDIT },
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'Log in by email or username and password (JSON body or HTTP Basic)',
        tags: ['auth'],
        security: [{}, { basicAuth: [] }],
        body: LoginBody,
        description:
          'With a second factor on the account, a right password answers 401 `mfa_required` whose problem carries `mfa_token` and `methods`: finish at POST /auth/mfa/challenge. Under an `MFA` policy that covers an account without a factor, the token response has `mfa_enrollment_required: true` and a token that may only enrol one (docs/mfa.md).',
        response: { 200: TokenResponseRef, ...problems(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const issued = await services.login(readLoginCredentials(request.body, request.headers.authorization), clientInfo(request))
      return sendTokens(reply, issued)
    },
  )

  app.post(
    '/auth/refresh',
    {
      config: { audit: REFRESH_AUDIT },
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
      const credential = readCredential(request, config.credentialRules, 'refresh', request.body.refresh_token)
      if (credential.origin === 'cookie') {
        const issued = await expireCookiesOnFailure(reply, async () => {
          await sessionOfRefreshCookie(request, credential.token)
          return services.sessions.refresh(credential.token)
        })
        return sendTokens(reply, issued)
      }
      return sendTokens(reply, await services.sessions.refresh(credential.token))
    },
  )

  app.post(
    '/auth/logout',
    {
      config: { rateLimit: false, audit: LOGOUT_AUDIT }, // RATE_LIMIT_AUTH covers register, login and refresh only
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'End this session, or every session of the user with scope "all"',
        description:
          'Authenticate with the access token, or send the refresh token in the body. The 204 goes out only once every process of the deployment has the revocation (docs/revocation.md); when that cannot be confirmed the answer is 503 `service_unavailable` (the revocation is stored: retrying is safe).',
        tags: ['auth'],
        security: [{ bearerAuth: [] }, {}],
        body: LogoutBody,
        response: { 204: Type.Null(), ...problems(400, 401, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { scope = 'session', refresh_token: refreshToken } = request.body
      const session = await expireCookiesOnFailure(reply, async (): Promise<{ id: string; userId: string }> => {
        const credential = readCredential(request, config.credentialRules, 'session', refreshToken)
        if (credential.kind === 'refresh') {
          // The refresh cookie ends the session even once the access cookie has expired (after the CSRF checks).
          return credential.origin === 'cookie' ? sessionOfRefreshCookie(request, credential.token) : services.sessions.findByRefreshToken(credential.token)
        }
        const auth = await authenticate(services, request, { enrollment: true })
        return { id: auth.sessionId, userId: auth.userId }
      })
      request.auditNote = { actorId: session.userId }
      if (scope === 'all') await services.sessions.revokeAll(session.userId)
      else await services.sessions.revoke(session)
      if (config.authCookies) clearAuthCookies(reply)
      return reply.code(204).send(null)
    },
  )
}

/**
 * The language of a new account's mails: the body's `locale`, else `Accept-Language`, as the
 * best supported match; null when the client said neither (mails are then in English).
 */
function accountLocale(requested: string | undefined, acceptLanguage: string | undefined): string | null {
  // `*` (what fetch() sends by default) names no language.
  if (requested === undefined && !/[A-Za-z]{2}/.test(acceptLanguage ?? '')) return null
  return pickLocale(requested, acceptLanguage)
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
  const problem = loginPasswordProblem(password)
  if (problem) throw fieldError('/password', problem)
  return login.includes('@') ? { email: login, password } : { username: login, password }
}
