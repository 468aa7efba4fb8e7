import { needsCsrf, readCsrfCookie } from './csrf.js'
import { errorFromResponse, networkError, TesseraError } from './errors.js'

/**
 * `tokens`: the client holds the tokens and sends `Authorization: Bearer`; no cookies at all.
 * `cookies`: the server's cookie mode (AUTH_COOKIES=on): the browser holds the tokens as
 * HttpOnly cookies, the client sends `credentials: 'include'` and the CSRF header.
 */
export type ClientMode = 'tokens' | 'cookies'

/** `RequestInit.credentials`, named here so the client needs no DOM type library. */
export type Credentials = 'omit' | 'include' | 'same-origin'

export interface Transport {
  readonly baseUrl: string
  readonly mode: ClientMode
  readonly fetch: typeof fetch
}

export interface CallOptions {
  method?: string
  /** Sent as JSON. */
  body?: unknown
  /** Sent as `Authorization: Bearer`, tokens mode only. */
  bearer?: string
}

/** Absolute URL of `path` under the API's base URL (which may be '' for the page's own origin). */
export function apiUrl(transport: Transport, path: string): string {
  return `${transport.baseUrl}${path}`
}

/** The headers and credentials mode every request in `mode` carries, CSRF included when it changes state. */
export function authInit(mode: ClientMode, method: string, headers: Headers, bearer: string | undefined): Credentials {
  if (mode === 'cookies') {
    const csrf = needsCsrf(method) ? readCsrfCookie() : undefined
    if (csrf !== undefined && !headers.has('x-csrf-token')) headers.set('x-csrf-token', csrf)
    return 'include'
  }
  if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`)
  // Tokens mode ignores cookies both ways, so a server with AUTH_COOKIES=on cannot mix the two.
  return 'omit'
}

/**
 * One request to a Tessera endpoint: JSON in, parsed JSON out (undefined for 204);
 * any failure is thrown as a TesseraError.
 */
export async function call<T>(transport: Transport, path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST')
  const headers = new Headers({ accept: 'application/json, application/problem+json' })
  if (options.body !== undefined) headers.set('content-type', 'application/json')
  const credentials = authInit(transport.mode, method, headers, options.bearer)
  let response: Response
  try {
    response = await transport.fetch(apiUrl(transport, path), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials,
    })
  } catch (error) {
    throw networkError(error)
  }
  if (!response.ok) throw await errorFromResponse(response)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new TesseraError('invalid_response', response.status, `HTTP ${response.status} with a body that is not JSON`, { cause: error })
  }
}
