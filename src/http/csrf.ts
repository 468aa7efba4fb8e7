import type { FastifyRequest } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { AppError } from '../errors.js'
import type { Services } from '../services/index.js'
import { readCookie } from './plugins/cookies.js'

/**
 * CSRF defence for requests authenticated by cookie, in two layers as the
 * OWASP CSRF cheat sheet recommends:
 * 1. the request's `Origin` (or, when a browser sends none, its `Referer`) must
 *    be the server's own origin or one of `CORS_ORIGINS`;
 * 2. the `X-CSRF-Token` header must equal the CSRF cookie, and be the HMAC of
 *    this very session (services/csrf.ts): a signed double submit.
 * Requests with an `Authorization` header carry their credential explicitly, so
 * a cross-site page cannot make a browser send it: they never need either.
 * Safe methods (GET, HEAD, OPTIONS) never change state and never need it.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method)
}

/** The origin a request says it comes from: `Origin`, else the origin of `Referer`; undefined if neither is usable. */
function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin
  // "null" is what browsers send from sandboxed frames, file: pages and some redirects: never trusted.
  if (origin !== undefined) return origin === 'null' ? undefined : origin
  const referer = request.headers.referer
  if (referer === undefined) return undefined
  try {
    return new URL(referer).origin
  } catch {
    return undefined
  }
}

/** The server's own origin as the browser sees it (`TRUST_PROXY` lets a proxy's X-Forwarded-Proto/Host speak). */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function fail(detail: string): AppError {
  return new AppError('csrf_failed', detail)
}

/**
 * The first, cheap half: the origin check and the header's presence, before any
 * token is verified or looked up. Returns the presented CSRF token.
 */
export function precheckCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): string {
  const origin = requestOrigin(request)
  if (origin === undefined) throw fail('A request authenticated by cookie must carry an Origin or Referer header')
  if (origin !== ownOrigin(request) && !allowedOrigins.includes(origin)) throw fail('This origin may not make requests authenticated by cookie')
  const header = request.headers['x-csrf-token']
  const token = Array.isArray(header) ? undefined : header
  if (!token) throw fail('Send the CSRF cookie\'s value in the X-CSRF-Token header')
  return token
}

/** The second half, once the session is known: the token is this session's and the cookie agrees. */
export function assertCsrfToken(request: FastifyRequest, services: Services, sessionId: string, token: string): void {
  const cookie = Buffer.from(readCookie(request, 'csrf') ?? '')
  const presented = Buffer.from(token)
  const cookieMatches = cookie.length === presented.length && timingSafeEqual(cookie, presented)
  // Both are checked, so the answer takes as long whichever of them is wrong.
  const sessionMatches = services.csrf.matches(sessionId, token)
  if (!cookieMatches || !sessionMatches) throw fail('The X-CSRF-Token header does not match this session')
}
