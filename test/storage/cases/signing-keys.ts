import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { openStorage } from '../../../src/storage/index.js'
import type { SigningKeyRecord } from '../../../src/storage/signing-keys.js'
import { T0, uniqueId, type Suite } from './suite.js'

/** A key row as key-store.ts writes one; the material only needs to be text here. */
function newKey(overrides: Partial<SigningKeyRecord> = {}) {
  return { kid: `kid-${uniqueId()}`, algorithm: 'ES256', privateKey: '{"kty":"EC"}', publicKey: '{"kty":"EC"}', legacy: false, ...overrides }
}

export function describeSigningKeys(suite: Suite): void {
  describe('signing keys', () => {
    const keys = () => suite.storage.signingKeys
    const find = async (kid: string) => (await keys().list()).find((record) => record.kid === kid)
    const active = async () => (await keys().list()).filter((record) => record.retiredAt === null)

    it('the migration leaves a version to compare against', async () => {
      assert.equal(typeof (await keys().version()), 'string')
    })

    it('change adds a key, active at once, and retires the previous one at the same instant', async () => {
      const first = newKey({ privateKey: 'x'.repeat(6000), legacy: true, algorithm: 'HS256', publicKey: null })
      assert.equal(await keys().change(await keys().version(), { add: first, at: T0 }), true)
      const second = newKey()
      assert.equal(await keys().change(await keys().version(), { add: second, at: T0 + 1 }), true)
      // Long JWE text whole, BIGINT timestamps intact, legacy read back as a boolean.
      assert.deepEqual(await find(first.kid), { ...first, createdAt: T0, retiredAt: T0 + 1 })
      assert.deepEqual(await find(second.kid), { ...second, createdAt: T0 + 1, retiredAt: null })
      assert.deepEqual((await active()).map((record) => record.kid), [second.kid])
    })

    it('change with a stale version changes nothing and says so', async () => {
      const stale = await keys().version()
      assert.equal(await keys().change(stale, { add: newKey(), at: T0 + 2 }), true)
      const lost = newKey()
      assert.equal(await keys().change(stale, { add: lost, at: T0 + 3 }), false)
      assert.equal(await find(lost.kid), undefined)
      assert.equal((await active()).length, 1)
    })

    // better-sqlite3 is synchronous: two handles in one process cannot interleave transactions (the second
    // waits out busy_timeout while blocking the first). On SQLite the race is between processes, which
    // test/http/key-rotation.test.ts runs by starting two servers at once.
    const inProcessRace = suite.dialect.name === 'sqlite' ? 'SQLite: raced between processes in test/http/key-rotation.test.ts' : false
    it('two instances changing at once from the same version: exactly one wins, and one key is active', { skip: inProcessRace }, async () => {
      const other = await openStorage(suite.url)
      try {
        for (let round = 0; round < 3; round++) {
          const version = await keys().version()
          const [a, b] = [newKey(), newKey()]
          const results = await Promise.all([keys().change(version, { add: a, at: T0 + 10 + round }), other.signingKeys.change(version, { add: b, at: T0 + 10 + round })])
          assert.deepEqual(results.filter(Boolean).length, 1, `round ${round}: ${results}`)
          const winner = results[0] ? a : b
          assert.deepEqual((await active()).map((record) => record.kid), [winner.kid])
          assert.equal(await find((results[0] ? b : a).kid), undefined)
        }
      } finally {
        await other.close()
      }
    })

    it('replacePrivateKeys swaps the material of existing keys and moves the version', async () => {
      const key = newKey()
      await keys().change(await keys().version(), { add: key, at: T0 + 20 })
      const before = await keys().version()
      assert.equal(await keys().change(before, { replacePrivateKeys: [{ kid: key.kid, privateKey: 'eyJ.encrypted' }], at: T0 + 21 }), true)
      assert.equal((await find(key.kid))?.privateKey, 'eyJ.encrypted')
      assert.equal((await find(key.kid))?.retiredAt, null, 'replacing material retires nothing')
      assert.notEqual(await keys().version(), before)
    })

    it('deleteRetiredBefore deletes keys retired before the instant, never the active key', async () => {
      const [old, recent, current] = [newKey(), newKey(), newKey()]
      await keys().change(await keys().version(), { add: old, at: T0 + 30 })
      await keys().change(await keys().version(), { add: recent, at: T0 + 40 })
      await keys().change(await keys().version(), { add: current, at: T0 + 50 })
      // old retired at T0+40, recent at T0+50; current is active.
      await keys().deleteRetiredBefore(T0 + 45)
      assert.equal(await find(old.kid), undefined)
      assert.ok(await find(recent.kid))
      await keys().deleteRetiredBefore(Number.MAX_SAFE_INTEGER)
      assert.deepEqual((await keys().list()).map((record) => record.kid), [current.kid])
    })
  })
}
