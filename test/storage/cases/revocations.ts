import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { openStorage } from '../../../src/storage/index.js'
import { T0, uniqueId, type Suite } from './suite.js'

export function describeRevocations(suite: Suite): void {
  describe('revocations', () => {
    const revocations = () => suite.storage.revocations
    // Past every other case's entries, so `listSince` windows see only this case's rows.
    const later = T0 + 10_000_000

    it('listSince gives entries in force after a sequence number, oldest first, up to the limit', async () => {
      const start = await lastSeq(suite)
      const entries = [1, 2, 3].map((n) => ({ sessionId: uniqueId(), userId: uniqueId(), revokedAt: T0, expiresAt: later + n }))
      await revocations().insert(entries)
      const all = await revocations().listSince(start, later, 100)
      assert.deepEqual(all.map((e) => e.sessionId), entries.map((e) => e.sessionId))
      assert.deepEqual(all.map((e) => e.expiresAt), [later + 1, later + 2, later + 3])
      for (const entry of all) assert.equal(typeof entry.seq, 'number')
      assert.ok(all[0]!.seq > start && all[0]!.seq < all[1]!.seq && all[1]!.seq < all[2]!.seq)
      assert.deepEqual((await revocations().listSince(start, later, 2)).map((e) => e.sessionId), entries.slice(0, 2).map((e) => e.sessionId))
      assert.deepEqual((await revocations().listSince(all[0]!.seq, later, 100)).map((e) => e.sessionId), entries.slice(1).map((e) => e.sessionId))
      // Expired entries (expires_at <= now) are no longer in force.
      assert.deepEqual((await revocations().listSince(start, later + 2, 100)).map((e) => e.sessionId), [entries[2]!.sessionId])
    })

    it('a session recorded twice keeps its first entry', async () => {
      const start = await lastSeq(suite)
      const sessionId = uniqueId()
      const userId = uniqueId()
      await revocations().insert([{ sessionId, userId, revokedAt: T0, expiresAt: later + 100 }])
      await revocations().insert([
        { sessionId, userId, revokedAt: T0 + 1, expiresAt: later + 200 },
        { sessionId, userId, revokedAt: T0 + 2, expiresAt: later + 300 },
      ])
      const entries = await revocations().listSince(start, later, 100)
      assert.deepEqual(entries.map((e) => [e.sessionId, e.userId, e.expiresAt]), [[sessionId, userId, later + 100]])
    })

    it('two instances recording the same session at once both succeed, with one entry', async () => {
      const other = await openStorage(suite.url)
      try {
        const start = await lastSeq(suite)
        const entry = { sessionId: uniqueId(), userId: uniqueId(), revokedAt: T0, expiresAt: later + 400 }
        await Promise.all([revocations().insert([entry]), other.revocations.insert([entry]), revocations().insert([entry])])
        assert.equal((await revocations().listSince(start, later, 100)).length, 1)
      } finally {
        await other.close()
      }
    })

    it('insert of no entries does nothing', async () => {
      await revocations().insert([])
    })

    it('prune deletes the entries expired by now and counts them', async () => {
      const start = await lastSeq(suite)
      const far = T0 + 50_000_000
      await revocations().insert([
        { sessionId: uniqueId(), userId: uniqueId(), revokedAt: T0, expiresAt: far + 1 },
        { sessionId: uniqueId(), userId: uniqueId(), revokedAt: T0, expiresAt: far + 2 },
        { sessionId: uniqueId(), userId: uniqueId(), revokedAt: T0, expiresAt: far + 3 },
      ])
      const pruned = await revocations().prune(far + 2)
      assert.ok(pruned >= 2, `pruned ${pruned}`)
      assert.equal(typeof pruned, 'number')
      assert.deepEqual((await revocations().listSince(start, 0, 100)).map((e) => e.expiresAt), [far + 3])
    })
  })
}

/** The highest sequence number so far: cases list only what they add after it. */
async function lastSeq(suite: Suite): Promise<number> {
  const entries = await suite.storage.revocations.listSince(0, 0, 1_000_000)
  return entries.at(-1)?.seq ?? 0
}
