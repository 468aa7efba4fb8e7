import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { openStorage } from '../../../src/storage/index.js'
import { uniqueId, type Suite } from './suite.js'

export function describeSettings(suite: Suite): void {
  describe('settings', () => {
    const settings = () => suite.storage.settings

    it('get of an unknown key is undefined', async () => {
      assert.equal(await settings().get(`missing-${uniqueId()}`), undefined)
    })

    it('getOrInsert stores the first value and returns it ever after', async () => {
      const key = `key-${uniqueId()}`
      assert.equal(await settings().getOrInsert(key, 'first'), 'first')
      assert.equal(await settings().getOrInsert(key, 'second'), 'first')
      assert.equal(await settings().get(key), 'first')
    })

    it('keeps long values whole', async () => {
      const key = `long-${uniqueId()}`
      const value = 'x'.repeat(20_000)
      assert.equal(await settings().getOrInsert(key, value), value)
      assert.equal(await settings().get(key), value)
    })

    it('two instances calling getOrInsert at once agree on one value', async () => {
      const other = await openStorage(suite.url)
      try {
        for (let round = 0; round < 5; round++) {
          const key = `race-${uniqueId()}`
          const [a, b] = await Promise.all([settings().getOrInsert(key, 'from-a'), other.settings.getOrInsert(key, 'from-b')])
          assert.equal(a, b)
          assert.equal(await settings().get(key), a)
        }
      } finally {
        await other.close()
      }
    })
  })
}
