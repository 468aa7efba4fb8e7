/** Reading Set-Cookie answers and sending cookies back, for the cookie-mode (AUTH_COOKIES=on) tests. */
import assert from 'node:assert/strict'
import { api, PASSWORD, uniqueEmail, type ApiResponse, type RequestOptions } from './client.js'

export interface SetCookie {
  name: string
  value: string
  /** Attribute names lower-cased; flag attributes (HttpOnly, Secure) have the value `true`. */
  attributes: Record<string, string | true>
}

export function parseSetCookies(headers: Headers): SetCookie[] {
  return headers.getSetCookie().map((line) => {
    const [pair = '', ...rest] = line.split(';').map((part) => part.trim())
    const equals = pair.indexOf('=')
    const attributes: Record<string, string | true> = {}
    for (const attribute of rest) {
      const [key = '', ...value] = attribute.split('=')
      attributes[key.toLowerCase()] = value.length === 0 ? true : value.join('=')
    }
    return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes }
  })
}

/** The Set-Cookie lines of one name (the refresh cookie comes twice, once per path). */
export function cookiesNamed(response: Pick<ApiResponse, 'headers'>, name: string): SetCookie[] {
  return parseSetCookies(response.headers).filter((cookie) => cookie.name === name)
}

/** The cookie values a browser would hold after a token response (over plain HTTP: unprefixed names). */
export interface CookieSession {
  access: string
  refresh: string
  csrf: string
  user: any
  email: string
}

export function sessionFrom(response: ApiResponse, email: string, names = { access: 'tessera_access', refresh: 'tessera_refresh', csrf: 'tessera_csrf' }): CookieSession {
  const value = (name: string) => {
    const found = cookiesNamed(response, name)[0]
    assert.ok(found, `no ${name} cookie in ${JSON.stringify(response.headers.getSetCookie())}`)
    return found.value
  }
  return { access: value(names.access), refresh: value(names.refresh), csrf: value(names.csrf), user: response.body.user, email }
}

/** Registers a user on a cookie-mode server and returns the cookies it set. */
export async function registerWithCookies(baseUrl: string): Promise<CookieSession> {
  const email = uniqueEmail('cookie')
  const response = await api(baseUrl, '/auth/register', { body: { email, password: PASSWORD } })
  assert.equal(response.status, 201, response.text)
  return sessionFrom(response, email)
}

/**
 * A request as a page of `origin` would send it with the session's cookies:
 * `Cookie` header, `Origin`, and the CSRF header unless `csrf` is false or another value.
 */
export function asBrowser(
  session: Pick<CookieSession, 'access' | 'refresh' | 'csrf'>,
  origin: string | undefined,
  options: RequestOptions & { csrf?: string | false; cookies?: Array<'access' | 'refresh' | 'csrf'> } = {},
): RequestOptions {
  const { csrf = session.csrf, cookies = ['access', 'refresh', 'csrf'], ...rest } = options
  const jar = cookies.map((kind) => `tessera_${kind}=${session[kind]}`).join('; ')
  const headers: Record<string, string> = { cookie: jar, ...rest.headers }
  if (origin !== undefined) headers.origin = origin
  if (csrf !== false) headers['x-csrf-token'] = csrf
  return { ...rest, headers }
}
