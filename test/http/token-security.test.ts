/**
 * Attacks on access and refresh tokens, after RFC 8725 (JWT Best Current
 * Practices) and the OWASP JSON Web Token cheat sheet. Every refusal is a 401
 * with an exact `code` and the RFC 6750 challenge of the brief.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { startKeyHost, type KeyHost } from '../helpers/key-host.js'

type Json = Record<string, unknown>

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')
const encodePart = (part: Json): string => b64url(JSON.stringify(part))

/** Signs `header.payload` with HMAC by hand, so any header (alg, kid, jku...) and any key (even "") can be used. */
function hmacJwt(header: Json, payload: Json, key: string | Buffer = TEST_JWT_SECRET, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

const HEADER = { alg: 'HS256', typ: 'at+jwt' } as const

/** The claims of a genuine token, with `iat`/`exp` moved relative to now. */
function claimsOf(token: string, overrides: Json = {}): Json {
  return { ...decodeJwt(token), ...overrides }
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

function split(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.')
  return [header!, payload!, signature!]
}

const CHALLENGE_INVALID_TOKEN = 'Bearer error="invalid_token"'
const CHALLENGE_INVALID_REQUEST = 'Bearer error="invalid_request"'

/** A 401 problem with this code and the challenge the brief decided for it. */
function assertUnauthorized(response: ApiResponse, code: string): void {
  assert.equal(response.status, 401, `expected 401 ${code}, got ${response.status} ${response.text}`)
  assert.equal(response.body.code, code, response.text)
  assert.equal(response.body.type, `urn:tessera:problem:${code}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.equal(response.headers.get('www-authenticate'), code === 'authorization_required' ? CHALLENGE_INVALID_REQUEST : CHALLENGE_INVALID_TOKEN)
}

const me = (url: string, token: string) => api(url, '/auth/me', { token })
const refresh = (url: string, refreshToken: string) => api(url, '/auth/refresh', { body: { refresh_token: refreshToken } })

describe('token forging helpers', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  it('a token re-signed with the server key and the genuine claims is accepted (control for every forgery below)', async () => {
    const forged = hmacJwt(HEADER, claimsOf(account.accessToken))
    const response = await me(server.url, forged)
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.id, account.user.id)
  })

  it('the server issues HS256 tokens typed at+jwt with the claims of the brief', () => {
    // Every token names its key (issue 5); for a pinned JWT_SECRET the kid is derived from it, never the secret itself.
    const { kid, ...header } = decodeProtectedHeader(account.accessToken)
    assert.deepEqual(header, { alg: 'HS256', typ: 'at+jwt' })
    assert.match(kid ?? '', /^[A-Za-z0-9_-]{22}$/)
    const claims = decodeJwt(account.accessToken)
    for (const claim of ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid', 'roles', 'fresh']) assert.ok(claim in claims, claim)
  })
})

describe('alg "none"', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`a token with alg "${alg}" and an empty signature is token_invalid`, async () => {
      const [, payload] = split(account.accessToken)
      const token = `${encodePart({ alg, typ: 'at+jwt' })}.${payload}.`
      assertUnauthorized(await me(server.url, token), 'token_invalid')
    })

    it(`a token with alg "${alg}" keeping the original signature is token_invalid`, async () => {
      const [, payload, signature] = split(account.accessToken)
      const token = `${encodePart({ alg, typ: 'at+jwt' })}.${payload}.${signature}`
      assertUnauthorized(await me(server.url, token), 'token_invalid')
    })

    it(`a token with alg "${alg}", admin roles and no signature is refused on an admin route`, async () => {
      const token = `${encodePart({ alg, typ: 'at+jwt' })}.${encodePart(claimsOf(account.accessToken, { roles: ['admin'] }))}.`
      assertUnauthorized(await api(server.url, '/admin/users', { token }), 'token_invalid')
    })
  }
})

describe('a tampered payload', () => {
  let server: RunningServer
  let account: Account
  let other: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
    other = await register(server.url)
  })
  after(() => server.stop())

  const tamper = (token: string, overrides: Json): string => {
    const [header, , signature] = split(token)
    return `${header}.${encodePart(claimsOf(token, overrides))}.${signature}`
  }

  const cases: Array<{ name: string; overrides: () => Json }> = [
    { name: 'roles ["admin"] added', overrides: () => ({ roles: ['admin'] }) },
    { name: 'sub changed to another user', overrides: () => ({ sub: other.user.id }) },
    { name: 'sid changed', overrides: () => ({ sid: randomUUID() }) },
    { name: 'exp pushed a year ahead', overrides: () => ({ exp: nowSeconds() + 365 * 86400 }) },
    { name: 'fresh flipped', overrides: () => ({ fresh: false }) },
  ]
  for (const c of cases) {
    it(`a token with ${c.name} and the original signature is token_invalid`, async () => {
      assertUnauthorized(await me(server.url, tamper(account.accessToken, c.overrides())), 'token_invalid')
    })
  }

  it('an admin route with a tampered roles claim stays 401 token_invalid (not 200)', async () => {
    const token = tamper(account.accessToken, { roles: ['admin'] })
    assertUnauthorized(await api(server.url, '/admin/users', { token }), 'token_invalid')
  })

  it('the untampered token still works (the refusals above come from the tampering)', async () => {
    assert.equal((await me(server.url, account.accessToken)).status, 200)
    assert.equal((await api(server.url, '/admin/users', { token: account.accessToken })).status, 403)
  })
})

describe('a stripped signature', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  const cases = [
    { name: '"header.payload." (empty signature)', make: (t: string) => split(t).slice(0, 2).join('.') + '.' },
    { name: '"header.payload" (two segments)', make: (t: string) => split(t).slice(0, 2).join('.') },
    { name: 'a truncated signature', make: (t: string) => t.slice(0, -4) },
    { name: 'a signature of another token', make: (t: string) => `${split(t)[0]}.${split(t)[1]}.${b64url(randomBytes(32))}` },
    { name: 'garbage that is no JWT', make: () => 'not-a-jwt' },
  ]
  for (const c of cases) {
    it(`${c.name} is token_invalid`, async () => {
      assertUnauthorized(await me(server.url, c.make(account.accessToken)), 'token_invalid')
    })
  }
})

describe('HMAC with a weak or wrong key', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  const keys: Array<{ name: string; key: string | Buffer }> = [
    { name: 'an empty key ""', key: '' },
    { name: 'the key "secret"', key: 'secret' },
    { name: 'a random 32-byte key', key: randomBytes(32) },
    { name: 'the server key with one character changed', key: TEST_JWT_SECRET.slice(0, -1) + 'X' },
  ]
  for (const k of keys) {
    it(`genuine claims signed with ${k.name} are token_invalid`, async () => {
      assertUnauthorized(await me(server.url, hmacJwt(HEADER, claimsOf(account.accessToken), k.key)), 'token_invalid')
    })
  }

  it('admin roles signed with the key "secret" are refused on an admin route', async () => {
    const token = hmacJwt(HEADER, claimsOf(account.accessToken, { roles: ['admin'] }), 'secret')
    assertUnauthorized(await api(server.url, '/admin/users', { token }), 'token_invalid')
  })
})

describe('header injection (kid, jku, jwk, x5u)', () => {
  let server: RunningServer
  let account: Account
  let keyHost: KeyHost
  before(async () => {
    keyHost = await startKeyHost()
    server = await startServer()
    account = await register(server.url)
  })
  after(async () => {
    await server.stop()
    await keyHost.close()
  })

  const attackerKey = randomBytes(32)
  const cases: Array<{ name: string; header: () => Json; key: string | Buffer }> = [
    { name: 'kid "../../dev/null" signed with an empty key', header: () => ({ ...HEADER, kid: '../../dev/null' }), key: '' },
    { name: 'kid "../../../../../../dev/null" signed with an empty key', header: () => ({ ...HEADER, kid: '../../../../../../dev/null' }), key: '' },
    { name: `kid "' OR 1=1 --" signed with an attacker key`, header: () => ({ ...HEADER, kid: "' OR 1=1 --" }), key: attackerKey },
    { name: `kid "x' UNION SELECT 'secret' --" signed with "secret"`, header: () => ({ ...HEADER, kid: "x' UNION SELECT 'secret' --" }), key: 'secret' },
    { name: 'jku pointing at an attacker host, signed with an attacker key', header: () => ({ ...HEADER, jku: `${keyHost.url}/jwks.json` }), key: attackerKey },
    { name: 'x5u pointing at an attacker host, signed with an attacker key', header: () => ({ ...HEADER, x5u: `${keyHost.url}/cert.pem` }), key: attackerKey },
    {
      name: 'an embedded symmetric jwk holding the attacker key',
      header: () => ({ ...HEADER, jwk: { kty: 'oct', k: b64url(attackerKey) } }),
      key: attackerKey,
    },
  ]
  for (const c of cases) {
    it(`a token with ${c.name} is token_invalid`, async () => {
      const token = hmacJwt(c.header(), claimsOf(account.accessToken, { roles: ['admin'] }), c.key)
      assertUnauthorized(await me(server.url, token), 'token_invalid')
      assertUnauthorized(await api(server.url, '/admin/users', { token }), 'token_invalid')
    })
  }

  it("a token signed with the attacker's own EC key, embedded as jwk in the header, is token_invalid", async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const token = await new SignJWT(claimsOf(account.accessToken, { roles: ['admin'] }))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk })
      .sign(privateKey)
    assertUnauthorized(await me(server.url, token), 'token_invalid')
    assertUnauthorized(await api(server.url, '/admin/users', { token }), 'token_invalid')
  })

  it("a token signed with the attacker's own RSA key, embedded as jwk and also offered by jku, is token_invalid", async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const jwk = await exportJWK(publicKey)
    const token = await new SignJWT(claimsOf(account.accessToken))
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', jwk, jku: `${keyHost.url}/rsa.json`, kid: 'attacker' })
      .sign(privateKey)
    assertUnauthorized(await me(server.url, token), 'token_invalid')
  })

  it('a token signed with the server key but an unknown kid is token_invalid', async () => {
    const token = hmacJwt({ ...HEADER, kid: 'no-such-key' }, claimsOf(account.accessToken))
    assertUnauthorized(await me(server.url, token), 'token_invalid')
  })

  it('a correctly signed token whose header carries jku and x5u never makes the server fetch them', async () => {
    const fetchedBefore = keyHost.requests()
    for (const extra of [{ jku: `${keyHost.url}/jku.json` }, { x5u: `${keyHost.url}/x5u.pem` }, { jku: `${keyHost.url}/both.json`, x5u: `${keyHost.url}/both.pem` }]) {
      const token = hmacJwt({ ...HEADER, ...extra }, claimsOf(account.accessToken))
      const response = await me(server.url, token)
      // Ignoring the parameter (200) or refusing the token outright are both safe; fetching is not.
      assert.ok(response.status === 200 || (response.status === 401 && response.body.code === 'token_invalid'), `${response.status} ${response.text}`)
    }
    await sleep(300) // room for a fetch fired in the background
    assert.equal(keyHost.requests() - fetchedBefore, 0, 'the server fetched a URL named in a token header')
  })

  it('no attack in this family made the server fetch anything', async () => {
    await sleep(100)
    assert.equal(keyHost.requests(), 0)
  })
})

describe('typ, iss, aud and alg are checked', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  const cases: Array<{ name: string; token: (claims: Json) => string }> = [
    { name: 'typ "JWT"', token: (claims) => hmacJwt({ alg: 'HS256', typ: 'JWT' }, claims) },
    { name: 'no typ', token: (claims) => hmacJwt({ alg: 'HS256' }, claims) },
    { name: 'typ "refresh+jwt"', token: (claims) => hmacJwt({ alg: 'HS256', typ: 'refresh+jwt' }, claims) },
    { name: 'typ "id_token+jwt"', token: (claims) => hmacJwt({ alg: 'HS256', typ: 'id_token+jwt' }, claims) },
    { name: 'iss "evil"', token: (claims) => hmacJwt(HEADER, { ...claims, iss: 'evil' }) },
    { name: 'no iss', token: (claims) => hmacJwt(HEADER, { ...claims, iss: undefined }) },
    { name: 'aud "other-service"', token: (claims) => hmacJwt(HEADER, { ...claims, aud: 'other-service' }) },
    { name: 'no aud', token: (claims) => hmacJwt(HEADER, { ...claims, aud: undefined }) },
    { name: 'an alg "RS256" header over an HS256 signature with the server key', token: (claims) => hmacJwt({ alg: 'RS256', typ: 'at+jwt' }, claims) },
    { name: 'an alg "HS512" header over an HS256 signature with the server key', token: (claims) => hmacJwt({ alg: 'HS512', typ: 'at+jwt' }, claims) },
    { name: 'alg "HS512" genuinely signed with the server key', token: (claims) => hmacJwt({ alg: 'HS512', typ: 'at+jwt' }, claims, TEST_JWT_SECRET, 'sha512') },
    { name: 'alg "HS384" genuinely signed with the server key', token: (claims) => hmacJwt({ alg: 'HS384', typ: 'at+jwt' }, claims, TEST_JWT_SECRET, 'sha384') },
    { name: 'an alg "ES256" header over an HS256 signature with the server key', token: (claims) => hmacJwt({ alg: 'ES256', typ: 'at+jwt' }, claims) },
    { name: 'a header that is not JSON', token: (claims) => `${b64url('{"alg":"HS256",')}.${encodePart(claims)}.${b64url(randomBytes(32))}` },
  ]
  for (const c of cases) {
    it(`a correctly keyed token with ${c.name} is token_invalid`, async () => {
      assertUnauthorized(await me(server.url, c.token(claimsOf(account.accessToken))), 'token_invalid')
    })
  }
})

describe('expiry and required claims', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  const expired = (): Json => claimsOf(account.accessToken, { iat: nowSeconds() - 3600, exp: nowSeconds() - 60 })

  it('a correctly signed token whose exp has passed is token_expired', async () => {
    assertUnauthorized(await me(server.url, hmacJwt(HEADER, expired())), 'token_expired')
  })

  it('a correctly signed token that expired one second ago is token_expired (leeway 0)', async () => {
    const claims = claimsOf(account.accessToken, { iat: nowSeconds() - 600, exp: nowSeconds() - 1 })
    assertUnauthorized(await me(server.url, hmacJwt(HEADER, claims)), 'token_expired')
  })

  it('a bad signature beats expiry: an expired token with a wrong signature is token_invalid', async () => {
    assertUnauthorized(await me(server.url, hmacJwt(HEADER, expired(), randomBytes(32))), 'token_invalid')
  })

  it('a bad signature beats expiry: an expired token with alg none is token_invalid', async () => {
    assertUnauthorized(await me(server.url, `${encodePart({ alg: 'none', typ: 'at+jwt' })}.${encodePart(expired())}.`), 'token_invalid')
  })

  const missing = ['sid', 'jti', 'sub', 'exp', 'iat']
  for (const claim of missing) {
    it(`a correctly signed token without ${claim} is token_invalid`, async () => {
      const claims = claimsOf(account.accessToken)
      delete claims[claim]
      assertUnauthorized(await me(server.url, hmacJwt(HEADER, claims)), 'token_invalid')
    })
  }

  const malformed: Array<{ name: string; overrides: Json }> = [
    { name: 'roles that are not an array', overrides: { roles: 'admin' } },
    { name: 'exp as a string', overrides: { exp: String(nowSeconds() + 600) } },
    { name: 'sid as a number', overrides: { sid: 42 } },
  ]
  for (const c of malformed) {
    it(`a correctly signed token with ${c.name} is token_invalid`, async () => {
      assertUnauthorized(await me(server.url, hmacJwt(HEADER, claimsOf(account.accessToken, c.overrides))), 'token_invalid')
    })
  }
})

describe('access and refresh tokens are not interchangeable', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  it('a refresh token used as an access token is wrong_token_type', async () => {
    assertUnauthorized(await me(server.url, account.refreshToken), 'wrong_token_type')
  })

  it('a refresh token on an admin route is wrong_token_type', async () => {
    assertUnauthorized(await api(server.url, '/admin/users', { token: account.refreshToken }), 'wrong_token_type')
  })

  it('an access token in the body of /auth/refresh is wrong_token_type', async () => {
    assertUnauthorized(await refresh(server.url, account.accessToken), 'wrong_token_type')
  })

  it('an access token as Bearer on /auth/refresh is wrong_token_type', async () => {
    assertUnauthorized(await api(server.url, '/auth/refresh', { method: 'POST', token: account.accessToken }), 'wrong_token_type')
  })

  it('a garbage refresh token is token_invalid', async () => {
    assertUnauthorized(await refresh(server.url, `tsr_${randomUUID()}.${b64url(randomBytes(32))}`), 'token_invalid')
  })

  it('the refresh token still works after being offered in the wrong places', async () => {
    const response = await refresh(server.url, account.refreshToken)
    assert.equal(response.status, 200, response.text)
  })
})

describe('reuse of a rotated refresh token (REFRESH_REUSE_GRACE=0)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ REFRESH_REUSE_GRACE: '0' })
  })
  after(() => server.stop())

  it('presenting a rotated refresh token again is refresh_token_reused and revokes the whole session', async () => {
    const account = await register(server.url)
    const rotated = await refresh(server.url, account.refreshToken)
    assert.equal(rotated.status, 200, rotated.text)
    const newAccess: string = rotated.body.access_token
    const newRefresh: string = rotated.body.refresh_token
    assert.notEqual(newRefresh, account.refreshToken)
    assert.equal((await me(server.url, newAccess)).status, 200)

    await sleep(50) // strictly past a zero grace window
    assertUnauthorized(await refresh(server.url, account.refreshToken), 'refresh_token_reused')

    assertUnauthorized(await refresh(server.url, newRefresh), 'token_revoked')
    assertUnauthorized(await me(server.url, newAccess), 'token_revoked')
    assertUnauthorized(await me(server.url, account.accessToken), 'token_revoked')
  })

  it('reuse ends only that session: another session of the same user keeps working', async () => {
    const account = await register(server.url)
    const other = await login(server.url, account.email)
    assert.equal((await refresh(server.url, account.refreshToken)).status, 200)
    await sleep(50)
    assertUnauthorized(await refresh(server.url, account.refreshToken), 'refresh_token_reused')
    assert.equal((await me(server.url, other.accessToken)).status, 200)
    assert.equal((await refresh(server.url, other.refreshToken)).status, 200)
  })
})

describe('concurrent refresh within the default grace window', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('a second use of the same refresh token within 10 s succeeds and the session stays alive', async () => {
    const account = await register(server.url)
    const first = await refresh(server.url, account.refreshToken)
    assert.equal(first.status, 200, first.text)
    const second = await refresh(server.url, account.refreshToken)
    assert.equal(second.status, 200, second.text)
    assert.equal((await me(server.url, first.body.access_token)).status, 200)
    assert.equal((await me(server.url, second.body.access_token)).status, 200)
  })
})

describe('tokens of deleted, deactivated and demoted users', () => {
  const ADMIN_EMAIL = 'root-admin@example.com'
  const ADMIN_PASSWORD = 'admin password 1234'
  let server: RunningServer
  let admin: Account
  before(async () => {
    server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })
  after(() => server.stop())

  it('a deleted user (DELETE /auth/me) has every token token_revoked on the very next request', async () => {
    const account = await register(server.url)
    const second = await login(server.url, account.email)
    const deleted = await api(server.url, '/auth/me', { method: 'DELETE', token: account.accessToken })
    assert.equal(deleted.status, 204, deleted.text)
    assertUnauthorized(await me(server.url, account.accessToken), 'token_revoked')
    assertUnauthorized(await me(server.url, second.accessToken), 'token_revoked')
  })

  it('the refresh token of a deleted user is token_revoked', async () => {
    const account = await register(server.url)
    const second = await login(server.url, account.email)
    assert.equal((await api(server.url, '/auth/me', { method: 'DELETE', token: account.accessToken })).status, 204)
    assertUnauthorized(await refresh(server.url, second.refreshToken), 'token_revoked')
    assertUnauthorized(await refresh(server.url, account.refreshToken), 'token_revoked')
  })

  it('a deactivated user has token_revoked on the very next request', async () => {
    const account = await register(server.url)
    assert.equal((await me(server.url, account.accessToken)).status, 200)
    const patched = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })
    assert.equal(patched.status, 200, patched.text)
    assertUnauthorized(await me(server.url, account.accessToken), 'token_revoked')
    assertUnauthorized(await refresh(server.url, account.refreshToken), 'token_revoked')
  })

  it('a demoted admin has token_revoked on the very next request (not 403, not 200)', async () => {
    const email = uniqueEmail('admin2')
    const created = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD, roles: ['admin'] } })
    assert.equal(created.status, 201, created.text)
    const second = await login(server.url, email)
    assert.equal((await api(server.url, '/admin/users', { token: second.accessToken })).status, 200)

    const patched = await api(server.url, `/admin/users/${created.body.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: [] } })
    assert.equal(patched.status, 200, patched.text)
    assertUnauthorized(await api(server.url, '/admin/users', { token: second.accessToken }), 'token_revoked')
    assertUnauthorized(await me(server.url, second.accessToken), 'token_revoked')
  })

  it('a token with roles ["admin"] forged for a demoted user is still token_revoked', async () => {
    const email = uniqueEmail('admin3')
    const created = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD, roles: ['admin'] } })
    assert.equal(created.status, 201, created.text)
    const second = await login(server.url, email)
    assert.equal((await api(server.url, `/admin/users/${created.body.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: [] } })).status, 200)
    const forged = hmacJwt(HEADER, claimsOf(second.accessToken, { roles: ['admin'] }))
    assertUnauthorized(await api(server.url, '/admin/users', { token: forged }), 'token_revoked')
  })
})

describe('where the token is read from', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  for (const parameter of ['access_token', 'token']) {
    it(`a token in the query string (?${parameter}=) is ignored: authorization_required`, async () => {
      assertUnauthorized(await api(server.url, `/auth/me?${parameter}=${encodeURIComponent(account.accessToken)}`), 'authorization_required')
    })
  }

  it('both query parameters at once are ignored: authorization_required', async () => {
    assertUnauthorized(await api(server.url, `/auth/me?access_token=${account.accessToken}&token=${account.accessToken}`), 'authorization_required')
  })

  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'BeArEr']) {
    it(`the scheme "${scheme}" is accepted`, async () => {
      const response = await api(server.url, '/auth/me', { headers: { authorization: `${scheme} ${account.accessToken}` } })
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.id, account.user.id)
    })
  }

  it('the Basic scheme on /auth/me is authorization_required, even with the right password', async () => {
    const basic = Buffer.from(`${account.email}:${PASSWORD}`).toString('base64')
    assertUnauthorized(await api(server.url, '/auth/me', { headers: { authorization: `Basic ${basic}` } }), 'authorization_required')
  })

  it('the token without any scheme is authorization_required', async () => {
    assertUnauthorized(await api(server.url, '/auth/me', { headers: { authorization: account.accessToken } }), 'authorization_required')
  })

  it('no Authorization header is authorization_required', async () => {
    assertUnauthorized(await api(server.url, '/auth/me'), 'authorization_required')
  })
})

describe('WWW-Authenticate on every 401', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  const cases: Array<{ name: string; request: () => Promise<ApiResponse>; code: string }> = [
    { name: 'no credentials', request: () => api(server.url, '/auth/me'), code: 'authorization_required' },
    { name: 'a malformed token', request: () => me(server.url, 'x.y.z'), code: 'token_invalid' },
    {
      name: 'an expired token',
      request: () => me(server.url, hmacJwt(HEADER, claimsOf(account.accessToken, { iat: nowSeconds() - 100, exp: nowSeconds() - 50 }))),
      code: 'token_expired',
    },
    { name: 'a refresh token as access token', request: () => me(server.url, account.refreshToken), code: 'wrong_token_type' },
    { name: 'an access token at /auth/refresh', request: () => refresh(server.url, account.accessToken), code: 'wrong_token_type' },
    { name: 'an admin route without a token', request: () => api(server.url, '/admin/users'), code: 'authorization_required' },
    { name: 'logout without credentials', request: () => api(server.url, '/auth/logout', { method: 'POST' }), code: 'authorization_required' },
  ]
  for (const c of cases) {
    it(`${c.name} answers 401 ${c.code} with the exact challenge`, async () => {
      assertUnauthorized(await c.request(), c.code)
    })
  }

  it('a revoked token answers 401 token_revoked with Bearer error="invalid_token"', async () => {
    const other = await register(server.url)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: other.accessToken })).status, 204)
    assertUnauthorized(await me(server.url, other.accessToken), 'token_revoked')
  })
})
