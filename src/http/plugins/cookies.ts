import fp from 'fastify-plugin'
import cookie, { type CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import type { IssuedTokens } from '../../services/sessions.js'

/**
 * The cookies of `AUTH_COOKIES=on` (docs/browser-clients.md has the table).
 *
 * Every cookie is `Secure`. Over HTTPS the names carry the prefixes browsers
 * enforce (`__Host-`: Secure, Path=/, no Domain, so no sibling subdomain can
 * plant or overwrite it; `__Secure-` for the refresh cookie, whose Path is not
 * `/`). Over plain HTTP there can be no prefix; browsers then keep the cookies
 * only where they treat the origin as secure, `localhost` and `127.0.0.1`,
 * which is development. Anything else needs HTTPS.
 *
 * The refresh cookie is sent to exactly the two endpoints that use it, as two
 * cookies of one name: `Path=/auth/refresh` and `Path=/auth/logout` (logout
 * must work after the access cookie has expired). A single `Path=/auth` would
 * also send it with every `/auth/me` and `/auth/sessions` request.
 */
export type AuthCookie = 'access' | 'refresh' | 'csrf'

const NAMES: Record<'https' | 'http', Record<AuthCookie, string>> = {
  https: { access: '__Host-tessera_access', refresh: '__Secure-tessera_refresh', csrf: '__Host-tessera_csrf' },
  http: { access: 'tessera_access', refresh: 'tessera_refresh', csrf: 'tessera_csrf' },
}

/** The paths the refresh cookie is set for: the two endpoints that read it. */
export const REFRESH_COOKIE_PATHS = ['/auth/refresh', '/auth/logout'] as const

/**
 * The cookie names for this request. Over HTTPS only the prefixed names are
 * read, so an unprefixed cookie injected over plain HTTP is never used.
 * `request.protocol` honours `X-Forwarded-Proto` behind `TRUST_PROXY`.
 */
export function cookieName(request: FastifyRequest, kind: AuthCookie): string {
  return NAMES[request.protocol === 'https' ? 'https' : 'http'][kind]
}

/**
 * One cookie of the request. The Cookie header is parsed here, on first use,
 * not by a hook on every request: requests that carry an `Authorization` header
 * never pay for it (the authenticate path is hot, docs/performance.md).
 */
export function readCookie(request: FastifyRequest, kind: AuthCookie): string | undefined {
  if (request.cookies === null || request.cookies === undefined) {
    const header = request.headers.cookie
    request.cookies = header ? request.server.parseCookie(header) : {}
  }
  const value = request.cookies[cookieName(request, kind)]
  return value === undefined || value === '' ? undefined : value
}

function attributes(path: string, httpOnly: boolean, sameSite: 'lax' | 'strict', maxAge: number): CookieSerializeOptions {
  return { path, httpOnly, secure: true, sameSite, maxAge }
}

/**
 * Sets the three cookies after register, login or refresh:
 * - access token: HttpOnly, SameSite=Lax, Path=/, gone by the token's own `exp`
 *   (never a moment after it: an expired token in the cookie would make a logout
 *   answer 401 where the refresh cookie would have ended the session);
 * - refresh token: HttpOnly, SameSite=Strict (never sent from another site,
 *   not even on a top-level navigation), only to refresh and logout;
 * - CSRF token: readable by the page's scripts (that is its point), bound to
 *   the session, which lives as long as the refresh token.
 */
export function setAuthCookies(reply: FastifyReply, config: Config, issued: IssuedTokens, csrfToken: string): void {
  const { request } = reply
  reply.setCookie(cookieName(request, 'access'), issued.accessToken, attributes('/', true, 'lax', issued.accessSecondsLeft))
  for (const path of REFRESH_COOKIE_PATHS) {
    reply.setCookie(cookieName(request, 'refresh'), issued.refreshToken, attributes(path, true, 'strict', config.refreshTokenTtl))
  }
  reply.setCookie(cookieName(request, 'csrf'), csrfToken, attributes('/', false, 'lax', config.refreshTokenTtl))
}

/** Expires every auth cookie (logout, a refresh that can never succeed again). */
export function clearAuthCookies(reply: FastifyReply): void {
  const { request } = reply
  reply.clearCookie(cookieName(request, 'access'), attributes('/', true, 'lax', 0))
  for (const path of REFRESH_COOKIE_PATHS) reply.clearCookie(cookieName(request, 'refresh'), attributes(path, true, 'strict', 0))
  reply.clearCookie(cookieName(request, 'csrf'), attributes('/', false, 'lax', 0))
}

/**
 * `@fastify/cookie` for `reply.setCookie` and the parser, with its parsing hook
 * off (see readCookie). Left alone when the host app registered it already.
 */
export const authCookiesPlugin = fp(
  async (app) => {
    if (!app.hasDecorator('parseCookie')) await app.register(cookie, { hook: false })
  },
  { name: 'tessera-cookies' },
)
