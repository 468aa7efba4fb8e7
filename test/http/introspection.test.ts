// RFC 7662 token introspection for resource servers. @see issue 5
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt, SignJWT } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, register, type ApiResponse } from '../helpers/client.js'
import { startPrivateRedis } from '../helpers/redis-server.js'

const CLIENT_ID = 'orders-api'
const CLIENT_SECRET = 'orders-secret-0123456789abcdef0123456789'
const OTHER_ID = 'billing'
const OTHER_SECRET = 'billing-secret-0123456789abcdef012345678'

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const CLIENT_AUTH = basic(CLIENT_ID, CLIENT_SECRET)

/** Introspects `token` as a form (RFC 7662 §2.1) or as JSON. */
function introspect(url: string, token: string, { json = false, authorization = CLIENT_AUTH }: { json?: boolean; authorization?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = authorization ? { authorization } : {}
  if (json) return api(url, '/oauth/introspect', { method: 'POST', headers, body: { token } })
  return api(url, '/oauth/introspect', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  })
}

function assertInactive(response: ApiResponse): void {
  assert.equal(response.status, 200, response.text)
  assert.deepEqual(response.body, { active: false })
  assert.equal(response.headers.get('cache-control'), 'no-store')
}

/** A 401 problem whose challenge is HTTP Basic (RFC 7617), not the Bearer challenge of the rest of the API. */
function assertClientProblem(response: ApiResponse, code: string): void {
  assert.equal(response.status, 401, response.text)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.equal(response.body.code, code)
  assert.equal(response.body.type, `urn:tessera:problem:${code}`)
  assert.equal(response.headers.get('www-authenticate'), 'Basic realm="tessera"')
}

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(TEST_JWT_SECRET))

describe('POST /oauth/introspect', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ INTROSPECTION_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}, ${OTHER_ID}:${OTHER_SECRET}` })
  })
  after(() => server.stop())

  it('a live access token is active, with its claims', async () => {
    const account = await register(server.url)
    const response = await introspect(server.url, account.accessToken)
    assert.equal(response.status, 200, response.text)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const claims = decodeJwt(account.accessToken)
    assert.deepEqual(response.body, {
      active: true,
      sub: account.user.id,
      sid: claims.sid,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      iss: 'tessera',
      aud: 'tessera',
      jti: claims.jti,
      roles: [],
      fresh: true,
      amr: ['pwd'],
    })
  })

  it('form and JSON bodies give the same answer, for every configured client', async () => {
    const account = await register(server.url)
    const form = await introspect(server.url, account.accessToken)
    const json = await introspect(server.url, account.accessToken, { json: true, authorization: basic(OTHER_ID, OTHER_SECRET) })
    assert.equal(form.body.active, true)
    assert.deepEqual(json.body, form.body)
  })

  it('a token is inactive right after its session logs out', async () => {
    const account = await register(server.url)
    assert.equal((await introspect(server.url, account.accessToken)).body.active, true)
    const logout = await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })
    assert.equal(logout.status, 204)
    assertInactive(await introspect(server.url, account.accessToken))
  })

  it('a genuine signature over expired claims is inactive (control: the same claims unexpired are active)', async () => {
    const account = await register(server.url)
    const claims = decodeJwt(account.accessToken)
    assert.equal((await introspect(server.url, await sign(claims))).body.active, true)
    const now = Math.floor(Date.now() / 1000)
    assertInactive(await introspect(server.url, await sign({ ...claims, iat: now - 3600, exp: now - 60 })))
  })

  it('garbage, a refresh token and a tampered token are inactive, never an error', async () => {
    const account = await register(server.url)
    const [header, payload, signature] = account.accessToken.split('.')
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`
    const tamperedClaims = Buffer.from(JSON.stringify({ ...decodeJwt(account.accessToken), roles: ['admin'] })).toString('base64url')
    for (const token of ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', account.refreshToken, `${header}.${payload}.${flipped}`, `${header}.${tamperedClaims}.${signature}`]) {
      assertInactive(await introspect(server.url, token))
      assertInactive(await introspect(server.url, token, { json: true }))
    }
  })

  it('without client credentials answers 401 authorization_required with a Basic challenge', async () => {
    const account = await register(server.url)
    assertClientProblem(await introspect(server.url, account.accessToken, { authorization: '' }), 'authorization_required')
    // A user's access token is not a client credential.
    assertClientProblem(await introspect(server.url, account.accessToken, { authorization: `Bearer ${account.accessToken}` }), 'authorization_required')
  })

  it('a wrong secret, an unknown client or a swapped secret answers 401 invalid_credentials', async () => {
    const account = await register(server.url)
    for (const authorization of [
      basic(CLIENT_ID, `${CLIENT_SECRET.slice(0, -1)}X`),
      basic(CLIENT_ID, ''),
      basic('nobody', CLIENT_SECRET),
      basic(OTHER_ID, CLIENT_SECRET),
      `Basic ${Buffer.from(CLIENT_SECRET).toString('base64')}`,
    ]) {
      const response = await introspect(server.url, account.accessToken, { authorization })
      assert.equal(response.body.code, 'invalid_credentials')
      assertClientProblem(response, 'invalid_credentials')
    }
  })

  it('other media types get 415, and a missing or repeated token 400', async () => {
    const plain = await api(server.url, '/oauth/introspect', { method: 'POST', headers: { authorization: CLIENT_AUTH, 'content-type': 'text/plain' }, rawBody: 'token=abc' })
    assert.equal(plain.status, 415)
    assert.equal(plain.body.code, 'unsupported_media_type')
    const form = { authorization: CLIENT_AUTH, 'content-type': 'application/x-www-form-urlencoded' }
    const missing = await api(server.url, '/oauth/introspect', { method: 'POST', headers: form, rawBody: 'token_type_hint=access_token' })
    assert.equal(missing.status, 400)
    assert.equal(missing.body.code, 'validation_failed')
    const repeated = await api(server.url, '/oauth/introspect', { method: 'POST', headers: form, rawBody: 'token=a&token=b' })
    assert.equal(repeated.status, 400)
    assert.equal(repeated.body.code, 'validation_failed')
  })

  it('form bodies are accepted on this route only', async () => {
    const response = await api(server.url, '/auth/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: 'email=a%40b.c&password=12345678' })
    assert.equal(response.status, 415)
  })

  it('is published in the OpenAPI document', async () => {
    const document = await api(server.url, '/openapi.json')
    const operation = document.body.paths['/oauth/introspect']?.post
    assert.ok(operation, 'POST /oauth/introspect is missing')
    assert.ok(operation.responses['200'] && operation.responses['401'])
  })
})

describe('POST /oauth/introspect without INTROSPECTION_CLIENTS', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('exists but no credential is accepted', async () => {
    const account = await register(server.url)
    assertClientProblem(await introspect(server.url, account.accessToken, { authorization: '' }), 'authorization_required')
    assertClientProblem(await introspect(server.url, account.accessToken), 'invalid_credentials')
  })
})

// A bad INTROSPECTION_CLIENTS is refused by loadConfig: src/config.test.ts.

const privateRedis = await startPrivateRedis()

async function until(probe: () => Promise<boolean>, limitMs = 3000): Promise<void> {
  for (const start = Date.now(); !(await probe()); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`)
  }
}

describe('POST /oauth/introspect when revocations cannot be checked', { skip: privateRedis ? false : 'redis-server is not installed' }, () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ REDIS_URL: privateRedis!.url, INTROSPECTION_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}` })
  })
  after(async () => {
    await server?.stop()
    await privateRedis?.stop()
  })

  it('answers 503 service_unavailable with Retry-After, not active:false, once revocations cannot be checked', async () => {
    // The server may report listening a moment before its Redis connections are up.
    await until(async () => (await api(server.url, '/health')).status === 200)
    const account = await register(server.url)
    assert.equal((await introspect(server.url, account.accessToken)).body.active, true)
    await privateRedis!.kill()
    let response = await introspect(server.url, account.accessToken)
    await until(async () => {
      assert.equal(response.status === 503 || response.body.active === true, true, response.text)
      response = response.status === 503 ? response : await introspect(server.url, account.accessToken)
      return response.status === 503
    })
    assert.equal(response.body.code, 'service_unavailable')
    assert.match(response.headers.get('retry-after') ?? '', /^\d+$/)
  })
})
