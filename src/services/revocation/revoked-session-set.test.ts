import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import { RevokedSessionSet } from './revoked-session-set.js'

describe('revoked session set', () => {
  it('holds exactly the ids added, until their expiry', () => {
    const set = new RevokedSessionSet()
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 ? uuidv7() : randomUUID()))
    ids.forEach((id, i) => set.add(id, 1000 + (i % 10)))
    assert.equal(set.size, 5000)
    for (const [i, id] of ids.entries()) {
      assert.equal(set.has(id, 999), true)
      assert.equal(set.has(id, 1000 + (i % 10)), false, 'forgotten at its expiry')
    }
    for (let i = 0; i < 2000; i++) assert.equal(set.has(randomUUID(), 0), false)
  })

  it('matches ids case-insensitively, as UUIDs are', () => {
    const set = new RevokedSessionSet()
    const id = randomUUID()
    set.add(id.toUpperCase(), 10)
    assert.equal(set.has(id, 0), true)
  })

  it('keeps the later expiry when an id is added twice', () => {
    const set = new RevokedSessionSet()
    const id = randomUUID()
    set.add(id, 50)
    set.add(id, 20)
    assert.equal(set.size, 1)
    assert.equal(set.has(id, 30), true)
  })

  it('sweeps expired entries and keeps the rest findable', () => {
    const set = new RevokedSessionSet()
    const early = Array.from({ length: 3000 }, () => randomUUID())
    const late = Array.from({ length: 3000 }, () => randomUUID())
    for (const id of early) set.add(id, 100)
    for (const id of late) set.add(id, 200)
    set.sweep(150)
    assert.equal(set.size, 3000)
    for (const id of late) assert.equal(set.has(id, 150), true)
    for (const id of early) assert.equal(set.has(id, 0), false)
  })

  it('handles ids that are not UUIDs exactly too', () => {
    const set = new RevokedSessionSet()
    set.add('session-1', 10)
    assert.equal(set.has('session-1', 5), true)
    assert.equal(set.has('session-2', 5), false)
    set.sweep(10)
    assert.equal(set.size, 0)
  })
})
