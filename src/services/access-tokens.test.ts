import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader, decodeJwt } from 'jose'
import { AppError } from '../errors.js'
import { loadConfig } from '../config.js'
import { createAccessTokens } from './access-tokens.js'
import type { RevocationList } from './revocation.js'

const config = loadConfig({ JWT_SECRET: 'k'.repeat(32), ACCESS_TOKEN_TTL: '60', JWT_LEEWAY: '5' })

function revocationOf(revoked: Set<string>): RevocationList {
  return {
    isRevoked: (sid) => revoked.has(sid),
    assertCurrent: () => {},
    revoke: async () => {},
    load: async () => {},
    start: async () => {},
    sweep: async () => {},
    stop: () => {},
    size: revoked.size,
  }
}

async function setup(now: { value: number }, revoked = new Set<string>()) {
  return createAccessTokens({
    config,
    signingKey: { algorithm: 'HS256', key: new TextEncoder().encode('k'.repeat(32)) },
    revocation: revocationOf(revoked),
    now: () => now.value,
  })
}

const claims = { userId: 'u1', sessionId: 's1', roles: ['admin'], fresh: true }

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : `unexpected ${String(error)}`),
  )
}

describe('access tokens', () => {
  it('are typed at+jwt and carry the claims of API.md', async () => {
    const now = { value: Date.UTC(2026, 0, 1) }
    const tokens = await setup(now)
    const { token, expiresIn } = await tokens.sign(claims)
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'at+jwt' })
    const payload = decodeJwt(token)
    assert.equal(payload.iss, 'tessera')
    assert.equal(payload.aud, 'tessera')
    assert.equal(payload.sub, 'u1')
    assert.equal(payload.sid, 's1')
    assert.deepEqual(payload.roles, ['admin'])
    assert.equal(payload.fresh, true)
    assert.equal(typeof payload.jti, 'string')
    assert.equal(payload.exp! - payload.iat!, 60)
    assert.equal(expiresIn, 60)
    const context = await tokens.verify(token)
    assert.equal(context.userId, 'u1')
    assert.equal(context.fresh, true)
  })

  it('expire after the lifetime plus the leeway, measured on the injected clock', async () => {
    const now = { value: Date.UTC(2026, 0, 1) }
    const tokens = await setup(now)
    const { token } = await tokens.sign(claims)
    now.value += 64_000
    assert.equal(await codeOf(tokens.verify(token)), 'ok')
    now.value += 2_000
    assert.equal(await codeOf(tokens.verify(token)), 'token_expired')
  })

  it('are refused once their session is revoked', async () => {
    const revoked = new Set<string>()
    const tokens = await setup({ value: Date.now() }, revoked)
    const { token } = await tokens.sign(claims)
    revoked.add('s1')
    assert.equal(await codeOf(tokens.verify(token)), 'token_revoked')
  })

  it('tell a refresh token apart from an access token', async () => {
    const tokens = await setup({ value: Date.now() })
    assert.equal(await codeOf(tokens.verify(`tsr_${'0'.repeat(36)}.${'a'.repeat(43)}`)), 'wrong_token_type')
  })

  it('bad signature beats expiry', async () => {
    const now = { value: Date.UTC(2026, 0, 1) }
    const tokens = await setup(now)
    const { token } = await tokens.sign(claims)
    now.value += 3_600_000
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')
    assert.equal(await codeOf(tokens.verify(tampered)), 'token_invalid')
  })
})

describe('the verified-token cache', () => {
  it('still refuses a cached token once it expires on the injected clock', async () => {
    const now = { value: Date.UTC(2026, 0, 1) }
    const tokens = await setup(now)
    const { token } = await tokens.sign(claims)
    assert.equal(await codeOf(tokens.verify(token)), 'ok') // now cached
    now.value += 66_000
    assert.equal(await codeOf(tokens.verify(token)), 'token_expired')
  })

  it('still refuses a cached token once its session is revoked', async () => {
    const revoked = new Set<string>()
    const tokens = await setup({ value: Date.now() }, revoked)
    const { token } = await tokens.sign(claims)
    assert.equal(await codeOf(tokens.verify(token)), 'ok')
    revoked.add('s1')
    assert.equal(await codeOf(tokens.verify(token)), 'token_revoked')
  })

  it('never admits a tampered variant of a cached token', async () => {
    const tokens = await setup({ value: Date.now() })
    const { token } = await tokens.sign(claims)
    await tokens.verify(token)
    assert.equal(await codeOf(tokens.verify(`${token}A`)), 'token_invalid')
  })
})
