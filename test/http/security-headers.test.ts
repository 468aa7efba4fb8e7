// Security headers (@fastify/helmet) on every response: JSON, problems, the /docs page and its files.
// The docs page's own CSP is strict yet lets Swagger UI work (test/browser/spa.test.ts loads it). @see issue 6
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const API_CSP = "default-src 'none';frame-ancestors 'none'"

function assertCommonHeaders(headers: Headers): void {
  assert.equal(headers.get('x-content-type-options'), 'nosniff')
  assert.equal(headers.get('x-powered-by'), null)
  assert.equal(headers.get('x-frame-options'), 'DENY')
  assert.equal(headers.get('referrer-policy'), 'no-referrer')
  assert.match(headers.get('strict-transport-security') ?? '', /^max-age=\d+/)
  assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin')
}

function directives(csp: string | null): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of (csp ?? '').split(';').map((item) => item.trim()).filter(Boolean)) {
    const [name = '', ...values] = part.split(/\s+/)
    map.set(name, values.join(' '))
  }
  return map
}

describe('security headers', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ AUTH_COOKIES: 'on' })
  })
  after(() => server.stop())

  it('a JSON answer carries nosniff, the strict API CSP and no X-Powered-By', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.equal(response.status, 200)
    assertCommonHeaders(response.headers)
    assert.equal(response.headers.get('content-security-policy'), API_CSP)
  })

  it('problem answers too (401 and 404)', async () => {
    for (const response of [await api(server.url, '/auth/me'), await api(server.url, '/nowhere')]) {
      assert.ok(response.status === 401 || response.status === 404)
      assertProblem(response, response.status, response.status === 401 ? 'authorization_required' : 'not_found')
      assertCommonHeaders(response.headers)
      assert.equal(response.headers.get('content-security-policy'), API_CSP)
    }
  })

  it('/openapi.json and /health too', async () => {
    for (const path of ['/openapi.json', '/health']) {
      const response = await api(server.url, path)
      assert.equal(response.status, 200)
      assertCommonHeaders(response.headers)
      assert.equal(response.headers.get('content-security-policy'), API_CSP)
    }
  })

  it('/docs has its own strict CSP: scripts and styles from itself only, no inline script, no eval, no framing', async () => {
    const response = await api(server.url, '/docs')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    assertCommonHeaders(response.headers)
    const csp = directives(response.headers.get('content-security-policy'))
    assert.equal(csp.get('default-src'), "'none'")
    assert.equal(csp.get('script-src'), "'self'")
    assert.match(csp.get('style-src') ?? '', /^'self'( 'sha256-[A-Za-z0-9+/]+=*')*$/)
    assert.equal(csp.get('connect-src'), "'self'")
    assert.equal(csp.get('frame-ancestors'), "'none'")
    assert.equal(csp.get('object-src'), "'none'")
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /unsafe-inline|unsafe-eval|\*/)
    // The page loads no inline script the policy would block.
    assert.doesNotMatch(response.text, /<script(?![^>]*\bsrc=)[^>]*>/)
  })

  it('the docs page\'s files carry the same headers', async () => {
    const response = await fetch(new URL('/docs/static/swagger-ui-bundle.js', server.url))
    await response.arrayBuffer()
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /javascript/)
    assertCommonHeaders(response.headers)
  })

  it('the OpenAPI document names the cookie schemes and the CSRF header', async () => {
    const document = (await api(server.url, '/openapi.json')).body
    const schemes = document.components.securitySchemes
    assert.deepEqual(schemes.cookieAuth, { ...schemes.cookieAuth, type: 'apiKey', in: 'cookie', name: 'tessera_access' })
    assert.deepEqual(schemes.csrfToken, { ...schemes.csrfToken, type: 'apiKey', in: 'header', name: 'X-CSRF-Token' })
    assert.deepEqual(document.paths['/auth/me'].get.security, [{ bearerAuth: [] }, { cookieAuth: [] }])
    assert.deepEqual(document.paths['/auth/me'].patch.security, [{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }])
    assert.ok(document.paths['/auth/refresh'].post.security.some((requirement: object) => 'refreshCookie' in requirement))
    assert.ok(document.paths['/auth/me'].patch.responses['403'])
  })
})

describe('security headers with AUTH_COOKIES=off', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('the OpenAPI document has no cookie schemes', async () => {
    const document = (await api(server.url, '/openapi.json')).body
    assert.equal(document.components.securitySchemes.cookieAuth, undefined)
    assert.deepEqual(document.paths['/auth/me'].get.security, [{ bearerAuth: [] }])
  })

  it('every answer still carries the security headers', async () => {
    assertCommonHeaders((await api(server.url, '/health')).headers)
  })
})
