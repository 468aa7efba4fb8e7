import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader, decodeJwt, SignJWT } from 'jose'
import { AppError } from '../errors.js'
import { loadConfig, type Config } from '../config.js'
import { openStorage } from '../storage/index.js'
import { createAccessTokens } from './access-tokens.js'
import { createKeyRing, createPinnedKeyRing, type KeyRing } from './keyring.js'
import { KEY_PROPAGATION_MS, rotateKey } from './key-store.js'
import { keyIdOfSecret, loadPinnedKey } from './keys.js'
import type { RevocationList } from './revocation/list.js'

const config = loadConfig({ JWT_SECRET: 'k'.repeat(32), ACCESS_TOKEN_TTL: '60', JWT_LEEWAY: '5' })

function revocationOf(revoked: Set<string>): RevocationList {
  return {
    isRevoked: (sid) => revoked.has(sid),
    assertCurrent: () => {},
    revoke: async () => {},
    load: async () => {},
    start: async () => {},
    sweep: async () => {},
    stop: async () => {},
    size: revoked.size,
  }
}

async function setup(now: { value: number }, revoked = new Set<string>(), keys?: KeyRing, tokenConfig: Config = config) {
  return createAccessTokens({
    config: tokenConfig,
    keys: keys ?? createPinnedKeyRing((await loadPinnedKey(config))!),
    revocation: revocationOf(revoked),
    now: () => now.value,
  })
}

const claims = { userId: 'u1', sessionId: 's1', roles: ['admin'], fresh: true, amr: ['pwd', 'otp'] }

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
    // A pinned JWT_SECRET's kid is derived from it, so every instance sharing the secret names the same key.
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'at+jwt', kid: keyIdOfSecret(new TextEncoder().encode('k'.repeat(32))) })
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

  it('answers verifyKnown only for a token already verified, and still checks revocation and expiry there', async () => {
    const now = { value: Date.UTC(2026, 0, 1) }
    const revoked = new Set<string>()
    const tokens = await setup(now, revoked)
    const { token } = await tokens.sign(claims)
    assert.equal(tokens.verifyKnown(token), undefined, 'never verified here: the full path must run')
    await tokens.verify(token)
    assert.equal(tokens.verifyKnown(token)?.sessionId, 's1')
    assert.equal(tokens.verifyKnown(`${token}A`), undefined)
    revoked.add('s1')
    assert.throws(() => tokens.verifyKnown(token), (error: unknown) => error instanceof AppError && error.code === 'token_revoked')
    revoked.clear()
    now.value += 66_000
    assert.equal(tokens.verifyKnown(token), undefined, 'expired: left to verify, which says token_expired')
  })

  it('never admits a tampered variant of a cached token', async () => {
    const tokens = await setup({ value: Date.now() })
    const { token } = await tokens.sign(claims)
    await tokens.verify(token)
    assert.equal(await codeOf(tokens.verify(`${token}A`)), 'token_invalid')
  })
})

describe('pinned JWT_SECRET and tokens from before kids', () => {
  const secret = new TextEncoder().encode('k'.repeat(32))
  const legacyToken = (header: Record<string, unknown>) =>
    new SignJWT({ sid: 's1', roles: [], fresh: false }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header })
      .setIssuer('tessera').setAudience('tessera').setSubject('u1').setIssuedAt().setExpirationTime('1m').setJti('j1').sign(secret)

  it('a token signed with the secret but no kid (issued before kids) still verifies', async () => {
    const tokens = await setup({ value: Date.now() })
    assert.equal(await codeOf(tokens.verify(await legacyToken({}))), 'ok')
  })

  it('a token with the secret but another kid, or a kid that is not a string, is token_invalid', async () => {
    const tokens = await setup({ value: Date.now() })
    assert.equal(await codeOf(tokens.verify(await legacyToken({ kid: 'other' }))), 'token_invalid')
    assert.equal(await codeOf(tokens.verify(await legacyToken({ kid: 7 }))), 'token_invalid')
  })
})

describe('keys kept in the database', () => {
  const dbConfig = loadConfig({ JWT_ALGORITHM: 'ES256', ACCESS_TOKEN_TTL: '60', JWT_LEEWAY: '5' })
  const windowMs = 65_000 + KEY_PROPAGATION_MS
  const rings: KeyRing[] = []
  after(() => rings.forEach((ring) => ring.stop()))

  async function databaseSetup() {
    const storage = await openStorage('sqlite::memory:')
    const now = { value: Date.now() }
    const keys = await createKeyRing({ config: dbConfig, storage, now: () => now.value, onError: (error) => assert.fail(String(error)) })
    rings.push(keys)
    return { storage, now, keys, tokens: await setup(now, new Set(), keys, dbConfig) }
  }

  it('a rotation keeps old tokens verifying for ttl + leeway, then token_invalid even when cached', async () => {
    const { storage, now, keys, tokens } = await databaseSetup()
    const old = await tokens.sign(claims)
    assert.equal(await codeOf(tokens.verify(old.token)), 'ok') // cached
    await rotateKey(dbConfig, storage, undefined, () => now.value)
    await keys.reload()
    const fresh = await tokens.sign(claims)
    assert.notEqual(decodeProtectedHeader(fresh.token).kid, decodeProtectedHeader(old.token).kid)
    assert.equal(decodeProtectedHeader(fresh.token).alg, 'ES256')
    now.value += 64_000
    assert.equal(await codeOf(tokens.verify(old.token)), 'ok')
    assert.equal(keys.jwks().keys.length, 2)
    now.value += windowMs - 64_000
    assert.equal(await codeOf(tokens.verify(old.token)), 'token_invalid')
    assert.equal(keys.jwks().keys.length, 1)
  })

  it('a token naming a kid made after the ring loaded verifies after one reload', async () => {
    const { storage, now, keys, tokens } = await databaseSetup()
    const other = await setup(now, new Set(), await createKeyRing({ config: dbConfig, storage, now: () => now.value, onError: () => {} }).then((ring) => (rings.push(ring), ring)), dbConfig)
    await rotateKey(dbConfig, storage, undefined, () => now.value)
    await rings.at(-1)!.reload()
    const token = (await other.sign(claims)).token
    now.value += 1_000 // past the reload throttle
    assert.equal(await codeOf(tokens.verify(token)), 'ok')
    assert.equal(keys.active().kid, decodeProtectedHeader(token).kid)
  })
})
