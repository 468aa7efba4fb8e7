// Rotation, the reuse grace and reuse detection, on real SQLite storage with a clock the test moves.
// @see issue 14 (findings 2, 3), issue 15
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { loadConfig } from '../config.js'
import { AppError } from '../errors.js'
import { openStorage, type Storage } from '../storage/index.js'
import { createServices, type Services } from './index.js'
import { parseRefreshToken } from './refresh-tokens.js'

const T0 = Date.UTC(2026, 11, 1)
const SECOND = 1000

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'no error'
}

async function setup(grace: string, clock: { value: number }): Promise<{ services: Services; storage: Storage; userId: string }> {
  const config = loadConfig({ JWT_SECRET: 'k'.repeat(32), REFRESH_REUSE_GRACE: grace, REFRESH_TOKEN_TTL: '1h', ACCESS_TOKEN_TTL: '60' })
  const storage = await openStorage('sqlite::memory:')
  const services = await createServices(config, storage, { now: () => clock.value })
  const userId = '01900000-0000-7000-8000-000000000001'
  await storage.users.insert({ id: userId, email: 'a@example.test', username: null, fullName: null, passwordHash: 'x', roles: [], active: true, now: clock.value })
  return { services, storage, userId }
}

const client = { ip: '203.0.113.1', userAgent: 'unit' }

describe('sessions: rotation and the reuse grace (10 s)', () => {
  const clock = { value: T0 }
  let services: Services
  let storage: Storage
  let userId: string

  before(async () => ({ services, storage, userId } = await setup('10s', clock)))
  after(async () => {
    await services.stop()
    await storage.close()
  })

  async function start() {
    const user = (await storage.users.findById(userId))!
    return services.sessions.start(user, client, { amr: ['pwd', 'otp'] })
  }

  it('a refresh rotates: a new token, a non-fresh access token for the same session, the old token marked used', async () => {
    const first = await start()
    clock.value += SECOND
    const next = await services.sessions.refresh(first.refreshToken)
    assert.notEqual(next.refreshToken, first.refreshToken)
    assert.equal(next.sessionId, first.sessionId)
    const claims = decodeJwt(next.accessToken)
    assert.equal(claims.sid, first.sessionId)
    // The session's amr survives the refresh; fresh does not.
    assert.deepEqual(decodeJwt(first.accessToken).amr, ['pwd', 'otp'])
    assert.deepEqual(claims.amr, ['pwd', 'otp'])
    assert.equal(claims.fresh, false)
    assert.equal(claims.fresh, false)
    assert.equal((await storage.sessions.findToken(parseRefreshToken(first.refreshToken)!.id))?.usedAt, clock.value)
  })

  it('a repeat inside the grace gets the same successor, with its own access token', async () => {
    const first = await start()
    const a = await services.sessions.refresh(first.refreshToken)
    clock.value += 9 * SECOND
    const b = await services.sessions.refresh(first.refreshToken)
    assert.equal(b.refreshToken, a.refreshToken)
    assert.notEqual(decodeJwt(b.accessToken).jti, decodeJwt(a.accessToken).jti)
    assert.equal(decodeJwt(b.accessToken).sid, first.sessionId)
  })

  it('a repeat inside the grace walks forward to the tip of the chain', async () => {
    const r1 = (await start()).refreshToken
    const r2 = (await services.sessions.refresh(r1)).refreshToken
    clock.value += SECOND
    const r3 = (await services.sessions.refresh(r2)).refreshToken
    clock.value += SECOND
    const r4 = (await services.sessions.refresh(r3)).refreshToken
    assert.equal((await services.sessions.refresh(r1)).refreshToken, r4)
    assert.equal((await services.sessions.refresh(r2)).refreshToken, r4)
  })

  it('the grace is measured from the first use: at 10 s still a repeat, past it reuse that ends the session', async () => {
    const first = await start()
    const next = await services.sessions.refresh(first.refreshToken)
    clock.value += 10 * SECOND
    assert.equal((await services.sessions.refresh(first.refreshToken)).refreshToken, next.refreshToken)
    clock.value += 1
    assert.equal(await codeOf(services.sessions.refresh(first.refreshToken)), 'refresh_token_reused')
    assert.equal(await codeOf(services.sessions.refresh(next.refreshToken)), 'token_revoked')
    assert.ok((await storage.sessions.findById(first.sessionId))?.revokedAt)
    assert.equal(services.revocation.isRevoked(first.sessionId), true)
  })

  it('twenty concurrent refreshes of one token: one rotation, every caller gets the same successor', async () => {
    const first = await start()
    const results = await Promise.all(Array.from({ length: 20 }, () => services.sessions.refresh(first.refreshToken)))
    assert.equal(new Set(results.map((r) => r.refreshToken)).size, 1)
    assert.equal(new Set(results.map((r) => decodeJwt(r.accessToken).jti)).size, 20)
    const successor = parseRefreshToken(results[0]!.refreshToken)!
    assert.equal((await storage.sessions.findSuccessor(parseRefreshToken(first.refreshToken)!.id))?.id, successor.id)
  })

  it('a tampered secret is token_invalid, and never walks the chain', async () => {
    const first = await start()
    await services.sessions.refresh(first.refreshToken)
    const { id, secret } = parseRefreshToken(first.refreshToken)!
    const forged = `tsr_${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    assert.equal(await codeOf(services.sessions.refresh(forged)), 'token_invalid')
  })

  it('an expired refresh token is token_expired', async () => {
    const first = await start()
    clock.value += 3600 * SECOND
    assert.equal(await codeOf(services.sessions.refresh(first.refreshToken)), 'token_expired')
  })
})

describe('sessions: REFRESH_REUSE_GRACE=0', () => {
  const clock = { value: T0 }
  let services: Services
  let storage: Storage
  let userId: string

  before(async () => ({ services, storage, userId } = await setup('0', clock)))
  after(async () => {
    await services.stop()
    await storage.close()
  })

  it('any second presentation is reuse, even in the same millisecond', async () => {
    const first = await services.sessions.start((await storage.users.findById(userId))!, client, { amr: ['pwd'] })
    const next = await services.sessions.refresh(first.refreshToken)
    assert.equal(await codeOf(services.sessions.refresh(first.refreshToken)), 'refresh_token_reused')
    assert.equal(await codeOf(services.sessions.refresh(next.refreshToken)), 'token_revoked')
  })

  it('of concurrent refreshes of one token exactly one succeeds (20 racers, 10 trials)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const first = await services.sessions.start((await storage.users.findById(userId))!, client, { amr: ['pwd'] })
      const settled = await Promise.allSettled(Array.from({ length: 20 }, () => services.sessions.refresh(first.refreshToken)))
      const won = settled.filter((s) => s.status === 'fulfilled')
      assert.equal(won.length, 1, `trial ${trial}`)
      for (const lost of settled.filter((s) => s.status === 'rejected')) {
        assert.ok(['refresh_token_reused', 'token_revoked'].includes((lost.reason as AppError).code), String(lost.reason))
      }
    }
  })
})
