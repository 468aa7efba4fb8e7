import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { Config } from '../../config.js'
import { AppError } from '../../errors.js'
import { hasTwoFactors, type AuthContext } from '../../services/access-tokens.js'
import type { Services } from '../../services/index.js'
import { readCredential } from '../credential-source.js'
import { assertCsrfToken, isStateChanging, precheckCsrf } from '../csrf.js'

export interface RequireAuthOptions {
  /** The caller must hold this role (e.g. `'admin'`). */
  role?: string
  /** The token must come from a login, not a refresh (sensitive actions). */
  fresh?: boolean
  /** The token's `amr` must show two factors (`otp`, `mfa` or `hwk`); 401 `mfa_required` otherwise. */
  mfa?: boolean
  /**
   * The route also admits a token restricted to second-factor enrolment (MFA policy). Only
   * Tessera's enrolment routes, `GET /auth/me` and logout say so; every other route answers
   * such a token 403 `mfa_enrollment_required`.
   */
  enrollment?: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth` hooks: who is calling. Null on routes without one. */
    auth: AuthContext | null
  }
  interface FastifyInstance {
    /**
     * An `onRequest` hook that admits only requests with a valid, unrevoked
     * access token, the way Flask-JWT-Extended's `@jwt_required()` does.
     */
    requireAuth(options?: RequireAuthOptions): onRequestHookHandler
  }
}

const OPTION_KEYS = new Set(['role', 'fresh', 'mfa', 'enrollment'])

/** Checks options once, when the hook is made, not on every request (as hono's `jwt()` does). */
export function assertRequireAuthOptions(options: RequireAuthOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`requireAuth: unknown option "${key}"`)
  }
  if (options.role !== undefined && (typeof options.role !== 'string' || options.role === '')) {
    throw new TypeError('requireAuth: "role" must be a non-empty string')
  }
  for (const key of ['fresh', 'mfa', 'enrollment'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new TypeError(`requireAuth: "${key}" must be a boolean`)
  }
}

/** An access token as the request presented it, and whether it came in a cookie. */
export interface PresentedToken {
  token: string
  fromCookie: boolean
}

/**
 * The access token of a request and where it came from, by the one precedence
 * of http/credential-source.ts: the `Authorization` header (TOKEN_SCHEMES, and a
 * profile's), else the access cookie (AUTH_COOKIES=on), else a profile's query
 * parameter.
 */
export function readAccessToken(request: FastifyRequest, config: Config): PresentedToken {
  const { token, origin } = readCredential(request, config.credentialRules, 'access')
  return { token, fromCookie: origin === 'cookie' }
}

export async function authenticate(services: Services, request: FastifyRequest, options: RequireAuthOptions = {}): Promise<AuthContext> {
  return authenticateToken(services, request, readAccessToken(request, services.config), options)
}

/** A browser sends cookies on requests other sites make it send: state changes by cookie need the CSRF checks. */
function needsCsrfCheck(request: FastifyRequest, fromCookie: boolean): boolean {
  return fromCookie && isStateChanging(request.method)
}

async function authenticateToken(
  services: Services,
  request: FastifyRequest,
  { token, fromCookie }: PresentedToken,
  options: RequireAuthOptions,
): Promise<AuthContext> {
  const csrfToken = needsCsrfCheck(request, fromCookie) ? precheckCsrf(request, services.config.corsOrigins) : undefined
  const auth = await services.accessTokens.verify(token)
  if (csrfToken !== undefined) assertCsrfToken(request, services, auth.sessionId, csrfToken)
  return admit(request, auth, options)
}

function admit(request: FastifyRequest, auth: AuthContext, options: RequireAuthOptions): AuthContext {
  request.auth = auth
  return assertAdmitted(auth, options)
}

/**
 * What `requireAuth(options)` asks of a verified token, in this order (the order of the codes a
 * client can see). Shared with `app.tessera.verifyAccessToken`, so both refuse alike.
 */
export function assertAdmitted(auth: AuthContext, options: RequireAuthOptions): AuthContext {
  if (auth.scope === 'mfa_enrollment' && !options.enrollment) throw new AppError('mfa_enrollment_required', 'This account must enrol a second factor first (POST /auth/mfa/totp)')
  if (options.fresh && !auth.fresh) throw new AppError('fresh_token_required', 'This action needs a token from a password login')
  if (options.mfa && !hasTwoFactors(auth.amr)) throw new AppError('mfa_required', 'This action needs a login with a second factor')
  if (options.role && !auth.roles.includes(options.role)) throw new AppError('forbidden', 'You are not allowed to do this')
  return auth
}

/** Decorates `request.auth` and `app.requireAuth(options)`. */
export const authenticatePlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorateRequest('auth', null)
    app.decorate('requireAuth', (options: RequireAuthOptions = {}) => {
      assertRequireAuthOptions(options)
      // A callback hook, not an async one: a known token is admitted without a promise or a
      // microtask, which is a measurable share of a protected request (docs/performance.md).
      return function requireAuth(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
        let presented: PresentedToken
        let known: AuthContext | undefined
        try {
          presented = readAccessToken(request, services.config)
          // A token this instance verified before (most requests) is admitted synchronously;
          // a cookie-authenticated state change always takes the full path (CSRF checks).
          known = needsCsrfCheck(request, presented.fromCookie) ? undefined : services.accessTokens.verifyKnown(presented.token)
          if (known !== undefined) admit(request, known, options)
        } catch (error) {
          done(error as Error)
          return
        }
        if (known !== undefined) done()
        else authenticateToken(services, request, presented, options).then(() => done(), done)
      }
    })
  },
  { name: 'tessera-authenticate' },
)
