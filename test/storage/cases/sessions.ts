import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { RefreshTokenRecord, SessionRecord } from '../../../src/storage/sessions.js'
import { T0, uniqueId, type Suite } from './suite.js'

const HOUR = 3_600_000

function newSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: uniqueId(),
    userId: uniqueId(),
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + HOUR,
    revokedAt: null,
    ip: '203.0.113.7',
    userAgent: 'conformance/1.0',
    amr: ['pwd', 'otp'],
    scope: null,
    ...overrides,
  }
}

function newToken(sessionId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return { id: uniqueId(), sessionId, secretHash: 'ab'.repeat(32), createdAt: T0, expiresAt: T0 + HOUR, usedAt: null, parentId: null, ...overrides }
}

export function describeSessions(suite: Suite): void {
  describe('sessions and refresh tokens', () => {
    const sessions = () => suite.storage.sessions

    it('insertWithToken stores both; findById and findToken return every field with numbers as numbers', async () => {
      const session = newSession()
      const token = newToken(session.id)
      await sessions().insertWithToken(session, token)
      assert.deepEqual(await sessions().findById(session.id), session)
      assert.deepEqual(await sessions().findToken(token.id), token)
      assert.equal(await sessions().findById(uniqueId()), undefined)
      assert.equal(await sessions().findToken(uniqueId()), undefined)
    })

    it('insertWithToken is one transaction: when the token insert fails, no session is left', async () => {
      const first = newSession()
      const token = newToken(first.id)
      await sessions().insertWithToken(first, token)
      const second = newSession()
      await assert.rejects(sessions().insertWithToken(second, { ...token, sessionId: second.id }))
      assert.equal(await sessions().findById(second.id), undefined)
    })

    it("listActive gives the user's live sessions newest first, without revoked or expired ones", async () => {
      const userId = uniqueId()
      const older = newSession({ userId, createdAt: T0 })
      const newer = newSession({ userId, createdAt: T0 + 10 })
      const expired = newSession({ userId, expiresAt: T0 + 50 })
      const revoked = newSession({ userId })
      for (const s of [older, newer, expired, revoked]) await sessions().insertWithToken(s, newToken(s.id))
      await sessions().markRevoked([revoked.id], T0 + 20)
      const active = await sessions().listActive(userId, T0 + 100)
      assert.deepEqual(active.map((s) => s.id), [newer.id, older.id])
    })

    it('listUnrevokedIds keeps expired sessions (their access tokens may live on) and drops revoked ones', async () => {
      const userId = uniqueId()
      const expired = newSession({ userId, expiresAt: T0 + 1 })
      const revoked = newSession({ userId })
      for (const s of [expired, revoked]) await sessions().insertWithToken(s, newToken(s.id))
      await sessions().markRevoked([revoked.id], T0)
      assert.deepEqual(await sessions().listUnrevokedIds(userId), [expired.id])
      assert.deepEqual(await sessions().listUnrevokedIds(uniqueId()), [])
    })

    it('markRevoked keeps the first revocation time and accepts an empty list', async () => {
      const session = newSession()
      await sessions().insertWithToken(session, newToken(session.id))
      await sessions().markRevoked([session.id], T0 + 1)
      await sessions().markRevoked([session.id], T0 + 2)
      await sessions().markRevoked([], T0 + 3)
      assert.equal((await sessions().findById(session.id))?.revokedAt, T0 + 1)
    })

    it("rotate marks the token used, adds its successor and slides the session's expiry", async () => {
      const session = newSession()
      const token = newToken(session.id)
      await sessions().insertWithToken(session, token)
      const next = { ...newToken(session.id, { createdAt: T0 + 7, expiresAt: T0 + 2 * HOUR }), parentId: token.id }
      assert.equal(await sessions().rotate(next, T0 + 7), 'rotated')
      assert.deepEqual(await sessions().findToken(next.id), next)
      assert.equal((await sessions().findToken(token.id))?.usedAt, T0 + 7)
      assert.deepEqual(await sessions().findSuccessor(token.id), next)
      assert.equal(await sessions().findSuccessor(next.id), undefined)
      const found = await sessions().findById(session.id)
      assert.equal(found?.lastUsedAt, T0 + 7)
      assert.equal(found?.expiresAt, T0 + 2 * HOUR)
    })

    it('rotate of a used token answers already_used and changes nothing', async () => {
      const session = newSession()
      const token = newToken(session.id)
      await sessions().insertWithToken(session, token)
      assert.equal(await sessions().rotate({ ...newToken(session.id), parentId: token.id }, T0 + 1), 'rotated')
      const late = { ...newToken(session.id, { expiresAt: T0 + 9 * HOUR }), parentId: token.id }
      assert.equal(await sessions().rotate(late, T0 + 2), 'already_used')
      assert.equal(await sessions().findToken(late.id), undefined)
      assert.equal((await sessions().findById(session.id))?.lastUsedAt, T0 + 1)
    })

    it('rotate in a revoked session answers session_ended and marks nothing used', async () => {
      const session = newSession()
      const token = newToken(session.id)
      await sessions().insertWithToken(session, token)
      await sessions().markRevoked([session.id], T0 + 1)
      assert.equal(await sessions().rotate({ ...newToken(session.id), parentId: token.id }, T0 + 2), 'session_ended')
      assert.equal((await sessions().findToken(token.id))?.usedAt, null)
    })

    it('of concurrent rotations of one token exactly one succeeds, and the token keeps one successor', async () => {
      for (let round = 0; round < 5; round++) {
        const session = newSession()
        const token = newToken(session.id)
        await sessions().insertWithToken(session, token)
        const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => sessions().rotate({ ...newToken(session.id), parentId: token.id }, T0 + i)))
        assert.equal(outcomes.filter((o) => o === 'rotated').length, 1, `round ${round}: ${outcomes}`)
        assert.ok(outcomes.every((o) => o === 'rotated' || o === 'already_used'))
      }
    })

    it('a token can have only one successor, whatever the caller does (unique parent_id)', async () => {
      const session = newSession()
      const token = newToken(session.id)
      await sessions().insertWithToken(session, token)
      const other = newSession()
      await sessions().insertWithToken(other, newToken(other.id, { parentId: token.id }))
      const third = newSession()
      await assert.rejects(sessions().insertWithToken(third, newToken(third.id, { parentId: token.id })))
      assert.equal(await sessions().findById(third.id), undefined)
    })

    it('prune deletes expired sessions and ones revoked before the cut-off, with their refresh tokens', async () => {
      // Far in the future, so that sessions of the other cases are not pruned.
      const base = T0 + 1000 * HOUR
      const expired = newSession({ createdAt: base, expiresAt: base + 1 })
      const revokedLongAgo = newSession({ expiresAt: base + 10 * HOUR })
      const revokedRecently = newSession({ expiresAt: base + 10 * HOUR })
      const live = newSession({ expiresAt: base + 10 * HOUR })
      const tokens = new Map<string, RefreshTokenRecord>()
      for (const s of [expired, revokedLongAgo, revokedRecently, live]) {
        tokens.set(s.id, newToken(s.id))
        await sessions().insertWithToken(s, tokens.get(s.id)!)
      }
      await sessions().markRevoked([revokedLongAgo.id], base - 5 * HOUR)
      await sessions().markRevoked([revokedRecently.id], base + 2)
      const pruned = await sessions().prune(base + 2, base)
      assert.ok(pruned >= 2, `pruned ${pruned}`)
      assert.equal(typeof pruned, 'number')
      assert.equal(await sessions().findById(expired.id), undefined)
      assert.equal(await sessions().findById(revokedLongAgo.id), undefined)
      assert.equal(await sessions().findToken(tokens.get(expired.id)!.id), undefined)
      assert.equal(await sessions().findToken(tokens.get(revokedLongAgo.id)!.id), undefined)
      assert.ok(await sessions().findById(revokedRecently.id))
      assert.ok(await sessions().findById(live.id))
      assert.ok(await sessions().findToken(tokens.get(live.id)!.id))
      assert.equal(await sessions().prune(base + 2, base), 0)
    })
  })
}
