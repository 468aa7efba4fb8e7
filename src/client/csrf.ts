/** The readable CSRF cookie: `__Host-` over HTTPS, plain over http://localhost (docs/browser-clients.md). */
const CSRF_COOKIES = ['__Host-tessera_csrf', 'tessera_csrf']

/** Methods that change state and so need `X-CSRF-Token` in cookie mode. */
export function needsCsrf(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())
}

/** The CSRF token from `document.cookie`, or undefined (signed out, or not in a browser). */
export function readCsrfCookie(): string | undefined {
  const cookies = (globalThis as { document?: { cookie?: string } }).document?.cookie
  if (typeof cookies !== 'string') return undefined
  for (const pair of cookies.split(';')) {
    const separator = pair.indexOf('=')
    if (separator < 0) continue
    if (CSRF_COOKIES.includes(pair.slice(0, separator).trim())) return decodeURIComponent(pair.slice(separator + 1).trim())
  }
  return undefined
}
