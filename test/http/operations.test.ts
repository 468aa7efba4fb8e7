import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const METRICS_TOKEN = 'metrics-scrape-token-0123456789'

/** Every row of API.md's endpoint table, in OpenAPI path syntax. */
const ENDPOINTS = [
  { method: 'post', path: '/auth/register' },
  { method: 'post', path: '/auth/login' },
  { method: 'post', path: '/auth/refresh' },
  { method: 'post', path: '/auth/logout' },
  { method: 'get', path: '/auth/me' },
  { method: 'patch', path: '/auth/me' },
  { method: 'put', path: '/auth/password' },
  { method: 'delete', path: '/auth/me' },
  { method: 'get', path: '/auth/sessions' },
  { method: 'delete', path: '/auth/sessions/{id}' },
  { method: 'get', path: '/admin/users' },
  { method: 'post', path: '/admin/users' },
  { method: 'get', path: '/admin/users/{id}' },
  { method: 'patch', path: '/admin/users/{id}' },
  { method: 'delete', path: '/admin/users/{id}' },
  { method: 'post', path: '/admin/users/{id}/logout' },
  { method: 'delete', path: '/admin/users/{id}/mfa' },
  { method: 'post', path: '/auth/mfa/totp' },
  { method: 'post', path: '/auth/mfa/totp/confirm' },
  { method: 'delete', path: '/auth/mfa/totp' },
  { method: 'post', path: '/auth/mfa/recovery-codes' },
  { method: 'post', path: '/auth/mfa/challenge' },
  { method: 'get', path: '/.well-known/jwks.json' },
  { method: 'get', path: '/health' },
  { method: 'get', path: '/metrics' },
  { method: 'get', path: '/openapi.json' },
  { method: 'get', path: '/docs' },
]

/** Every code of API.md's error table. */
const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'authorization_required',
  'invalid_credentials',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'wrong_token_type',
  'refresh_token_reused',
  'fresh_token_required',
  'mfa_required',
  'mfa_code_invalid',
  'forbidden',
  'account_disabled',
  'registration_disabled',
  'not_found',
  'user_not_found',
  'session_not_found',
  'user_exists',
  'last_admin',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
  'service_unavailable',
]

/** The string values a JSON Schema admits through enum/const, also inside anyOf/oneOf. */
function allowedStrings(schema: any): string[] {
  if (!schema || typeof schema !== 'object') return []
  const values: string[] = []
  if (Array.isArray(schema.enum)) values.push(...schema.enum.filter((value: unknown) => typeof value === 'string'))
  if (typeof schema.const === 'string') values.push(schema.const)
  for (const key of ['anyOf', 'oneOf']) {
    if (Array.isArray(schema[key])) for (const branch of schema[key]) values.push(...allowedStrings(branch))
  }
  return values
}

describe('operations endpoints with default settings', () => {
  let server: RunningServer
  let openapi: ApiResponse
  before(async () => {
    server = await startServer()
    openapi = await api(server.url, '/openapi.json')
  })
  after(() => server.stop())

  it('GET /health answers 200 {status: "ok", checks: {database: "ok"}}', async () => {
    const response = await api(server.url, '/health')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(response.body.status, 'ok')
    assert.equal(response.body.checks.database, 'ok')
  })

  it('GET /metrics is public and serves Prometheus text with request durations', async () => {
    await api(server.url, '/health')
    const response = await api(server.url, '/metrics')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
    assert.match(response.text, /http_request_duration_seconds/)
    assert.match(response.text, /^# TYPE http_request_duration_seconds histogram$/m)
  })

  it('GET /.well-known/jwks.json answers {keys: []} with a cache-control header', async () => {
    const response = await api(server.url, '/.well-known/jwks.json')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(response.body, { keys: [] })
    const cacheControl = response.headers.get('cache-control')
    assert.ok(cacheControl, 'cache-control is missing')
    assert.match(cacheControl, /max-age=\d+|no-cache|no-store/)
  })

  it('GET /openapi.json is an OpenAPI 3.1.0 document', () => {
    assert.equal(openapi.status, 200)
    assert.match(openapi.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(openapi.body.openapi, '3.1.0')
    assert.equal(typeof openapi.body.info?.title, 'string')
    assert.equal(typeof openapi.body.info?.version, 'string')
    assert.equal(typeof openapi.body.paths, 'object')
  })

  for (const endpoint of ENDPOINTS) {
    it(`the OpenAPI document lists ${endpoint.method.toUpperCase()} ${endpoint.path}`, () => {
      const item = openapi.body.paths?.[endpoint.path]
      assert.ok(item, `path ${endpoint.path} is missing; listed: ${Object.keys(openapi.body.paths ?? {}).join(', ')}`)
      assert.ok(item[endpoint.method], `${endpoint.method.toUpperCase()} ${endpoint.path} is missing; listed: ${Object.keys(item).join(', ')}`)
    })
  }

  it('the OpenAPI document uses {id} path templates, never :id', () => {
    for (const path of Object.keys(openapi.body.paths ?? {})) assert.doesNotMatch(path, /\/:/, path)
  })

  it('the Problem schema\'s code lists every code of the error table', () => {
    const problem = openapi.body.components?.schemas?.Problem
    assert.ok(problem, `no Problem schema; schemas: ${Object.keys(openapi.body.components?.schemas ?? {}).join(', ')}`)
    const codes = allowedStrings(problem.properties?.code)
    assert.ok(codes.length > 0, `Problem.code has no enum: ${JSON.stringify(problem.properties?.code)}`)
    const missing = ERROR_CODES.filter((code) => !codes.includes(code))
    assert.deepEqual(missing, [], `codes missing from Problem.code: ${missing.join(', ')}`)
  })

  it('GET /docs serves an HTML page (after redirects)', async () => {
    const response = await api(server.url, '/docs')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(response.text, /<html/i)
  })

  const unknownRoutes = [
    { name: 'GET /no-such-route', method: 'GET', path: '/no-such-route' },
    { name: 'GET /auth/nope', method: 'GET', path: '/auth/nope' },
    { name: 'POST /admin/users/{id}/nope', method: 'POST', path: '/admin/users/01a204cd-9236-725c-a084-c70c2da97221/nope' },
    { name: 'GET /api/v1/users?x=1', method: 'GET', path: '/api/v1/users?x=1' },
  ]
  for (const c of unknownRoutes) {
    it(`an unknown route (${c.name}) answers 404 not_found as problem+json`, async () => {
      const response = await api(server.url, c.path, { method: c.method })
      assertProblem(response, 404, 'not_found')
    })
  }

  it('every response carries a fresh x-request-id and x-content-type-options: nosniff', async () => {
    const account = await register(server.url)
    const requests: Array<() => Promise<ApiResponse>> = [
      () => api(server.url, '/health'),
      () => api(server.url, '/metrics'),
      () => api(server.url, '/.well-known/jwks.json'),
      () => api(server.url, '/openapi.json'),
      () => api(server.url, '/docs'),
      () => api(server.url, '/no-such-route'),
      () => api(server.url, '/auth/me'),
      () => api(server.url, '/auth/me', { token: account.accessToken }),
      () => api(server.url, '/auth/me', { token: 'garbage' }),
      () => api(server.url, '/auth/login', { rawBody: '{not json', headers: { 'content-type': 'application/json' } }),
      () => api(server.url, '/auth/login', { rawBody: 'email=a', headers: { 'content-type': 'text/plain' } }),
      () => api(server.url, '/auth/login', { body: { email: account.email, password: 'wrong password' } }),
      () => api(server.url, '/admin/users', { token: account.accessToken }),
      () => api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken }),
    ]
    const ids = new Set<string>()
    for (const [index, request] of requests.entries()) {
      const response = await request()
      const id = response.headers.get('x-request-id')
      assert.ok(id, `request ${index} (${response.status}) has no x-request-id`)
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `request ${index} (${response.status})`)
      ids.add(id)
    }
    assert.equal(ids.size, requests.length, 'request ids repeat')
  })

  it('each request logs one access line carrying its request id, route, status and user', async () => {
    const account = await register(server.url)
    const answers = [await api(server.url, '/auth/me', { token: account.accessToken }), await api(server.url, '/auth/me', { token: 'garbage' })]
    for (const response of answers) {
      const id = response.headers.get('x-request-id')!
      let lines: Array<Record<string, unknown>> = []
      // The line is written after the answer (and the log is buffered up to 100 ms).
      for (let i = 0; i < 100 && lines.length === 0; i++) {
        lines = server.output.filter((line) => line.includes(`"${id}"`)).map((line) => JSON.parse(line) as Record<string, unknown>)
        if (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.equal(lines.length, 1, `one line for request ${id}`)
      assert.deepEqual(
        { msg: lines[0]!.msg, reqId: lines[0]!.reqId, method: lines[0]!.method, route: lines[0]!.route, status: lines[0]!.status },
        { msg: 'request', reqId: id, method: 'GET', route: '/auth/me', status: response.status },
      )
      assert.equal(typeof lines[0]!.ms, 'number')
      assert.equal(lines[0]!.user, response.status === 200 ? response.body.id : undefined)
    }
  })
})

describe('GET /metrics with METRICS_TOKEN set', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ METRICS_TOKEN })
  })
  after(() => server.stop())

  const cases: Array<{ name: string; headers: Record<string, string>; status: number; code?: string }> = [
    { name: 'without a token is refused with 401 authorization_required', headers: {} as Record<string, string>, status: 401, code: 'authorization_required' },
    { name: 'with a wrong token is refused with 401 token_invalid', headers: { authorization: 'Bearer not-the-metrics-token' }, status: 401, code: 'token_invalid' },
    {
      name: 'with a token that only shares a prefix is refused with 401 token_invalid',
      headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` },
      status: 401,
      code: 'token_invalid',
    },
    { name: 'with Basic instead of Bearer is refused with 401', headers: { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` }, status: 401 },
    { name: 'with the right token serves the metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` }, status: 200 },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const response = await api(server.url, '/metrics', { headers: c.headers })
      assert.equal(response.status, c.status, response.text.slice(0, 300))
      if (c.status === 200) {
        assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
        assert.match(response.text, /http_request_duration_seconds/)
      } else {
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
        assert.ok(response.headers.get('www-authenticate')?.startsWith('Bearer'), 'a 401 carries WWW-Authenticate')
        if (c.code !== undefined) {
          assertProblem(response, c.status, c.code)
          const challenge = c.code === 'authorization_required' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"'
          assert.equal(response.headers.get('www-authenticate'), challenge)
        }
        assert.doesNotMatch(response.text, /http_request_duration_seconds/)
      }
    })
  }

  it('a user\'s access token does not open /metrics', async () => {
    const account = await register(server.url)
    const response = await api(server.url, '/metrics', { token: account.accessToken })
    assert.equal(response.status, 401)
  })

  it('the rest of the API is unaffected by METRICS_TOKEN', async () => {
    assert.equal((await api(server.url, '/health')).status, 200)
  })
})
