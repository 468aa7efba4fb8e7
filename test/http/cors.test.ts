// CORS: an explicit allow-list (CORS_ORIGINS), credentials only for listed origins, never a reflected
// Origin, preflights answered for listed origins only; no CORS header at all without the setting. @see issue 6
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const LISTED = ['https://app.example.com', 'http://localhost:5173']

function preflight(baseUrl: string, origin: string, path = '/auth/me', method = 'PATCH') {
  return api(baseUrl, path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, x-csrf-token' },
  })
}

function corsHeaders(headers: Headers): string[] {
  return [...headers.keys()].filter((name) => name.startsWith('access-control-'))
}

function allowed(headers: Headers, name: string): string[] {
  return (headers.get(name) ?? '').split(',').map((item) => item.trim().toLowerCase())
}

describe('CORS with CORS_ORIGINS', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ CORS_ORIGINS: LISTED.join(','), AUTH_COOKIES: 'on' })
  })
  after(() => server.stop())

  for (const origin of LISTED) {
    it(`a preflight from ${origin} is answered 204 with that exact origin, credentials and the needed headers`, async () => {
      const response = await preflight(server.url, origin)
      assert.equal(response.status, 204)
      assert.equal(response.headers.get('access-control-allow-origin'), origin)
      assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
      for (const header of ['authorization', 'content-type', 'x-csrf-token']) assert.ok(allowed(response.headers, 'access-control-allow-headers').includes(header), header)
      for (const method of ['get', 'post', 'patch', 'delete']) assert.ok(allowed(response.headers, 'access-control-allow-methods').includes(method), method)
      assert.match(response.headers.get('vary') ?? '', /origin/i)
    })
  }

  it('an actual request from a listed origin may read the answer, with credentials', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/auth/me', { token: account.accessToken, headers: { origin: LISTED[0]! } })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('access-control-allow-origin'), LISTED[0])
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
    assert.ok(allowed(response.headers, 'access-control-expose-headers').includes('www-authenticate'))
  })

  it('a problem answer to a listed origin carries the CORS headers too, so the page can read the code', async () => {
    const response = await api(server.url, '/auth/me', { headers: { origin: LISTED[0]! } })
    assertProblem(response, 401, 'authorization_required')
    assert.equal(response.headers.get('access-control-allow-origin'), LISTED[0])
  })

  const unknown = ['https://evil.example.com', 'https://app.example.com.evil.example.com', 'http://app.example.com', 'https://app.example.com:8443', 'null']
  for (const origin of unknown) {
    it(`a preflight from ${origin} gets no CORS header at all (404 not_found)`, async () => {
      const response = await preflight(server.url, origin)
      assertProblem(response, 404, 'not_found')
      assert.deepEqual(corsHeaders(response.headers), [])
    })
  }

  it('a request from an unknown origin is answered without any CORS header: its Origin is never reflected', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/auth/me', { token: account.accessToken, headers: { origin: 'https://evil.example.com' } })
    assert.equal(response.status, 200)
    assert.deepEqual(corsHeaders(response.headers), [])
    assert.doesNotMatch(response.text + JSON.stringify([...response.headers]), /evil\.example\.com/)
  })
})

describe('CORS without CORS_ORIGINS (the default)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('a preflight from any origin gets no CORS header (404 not_found)', async () => {
    const response = await preflight(server.url, LISTED[0]!)
    assertProblem(response, 404, 'not_found')
    assert.deepEqual(corsHeaders(response.headers), [])
  })

  it('a request with an Origin gets no CORS header', async () => {
    const response = await api(server.url, '/health', { headers: { origin: LISTED[0]! } })
    assert.equal(response.status, 200)
    assert.deepEqual(corsHeaders(response.headers), [])
  })
})
