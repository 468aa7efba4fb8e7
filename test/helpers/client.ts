/** Small fetch wrappers for black-box tests: JSON in, parsed JSON (or null) out. */

export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  body: T
  text: string
}

export interface RequestOptions {
  method?: string
  token?: string
  body?: unknown
  /** Sent as-is (no JSON encoding, no content type unless given in headers). */
  rawBody?: string
  headers?: Record<string, string>
}

export async function api<T = any>(baseUrl: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  let body: string | undefined
  if (options.rawBody !== undefined) body = options.rawBody
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(new URL(path, baseUrl), { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body })
  const text = await response.text()
  let parsed: unknown = null
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text }
}

let counter = 0
/** A unique email per call, so tests sharing a server do not collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter++
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`
}

export const PASSWORD = 'correct horse battery staple'

export interface Account {
  email: string
  password: string
  accessToken: string
  refreshToken: string
  user: any
}

/** Registers a fresh user and returns its tokens. */
export async function register(baseUrl: string, fields: Record<string, unknown> = {}): Promise<Account> {
  const email = (fields.email as string) ?? uniqueEmail()
  const password = (fields.password as string) ?? PASSWORD
  const response = await api(baseUrl, '/auth/register', { body: { email, password, ...fields } })
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`)
  return { email, password, accessToken: response.body.access_token, refreshToken: response.body.refresh_token, user: response.body.user }
}

export async function login(baseUrl: string, email: string, password = PASSWORD): Promise<Account> {
  const response = await api(baseUrl, '/auth/login', { body: { email, password } })
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`)
  return { email, password, accessToken: response.body.access_token, refreshToken: response.body.refresh_token, user: response.body.user }
}
