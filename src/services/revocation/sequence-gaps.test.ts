import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SequenceGaps } from './sequence-gaps.js'

describe('sequence gaps of the revocation feed', () => {
  it('asks again for numbers skipped over until they arrive', () => {
    const gaps = new SequenceGaps(30_000)
    gaps.saw(1, 0)
    gaps.saw(2, 0)
    gaps.saw(5, 0)
    assert.deepEqual(gaps.pending(0), [3, 4])
    gaps.saw(4, 10) // committed late
    assert.deepEqual(gaps.pending(10), [3])
    assert.equal(gaps.highest, 5)
  })

  it('gives up on a gap after the grace period (a rolled-back insert never arrives)', () => {
    const gaps = new SequenceGaps(30_000)
    gaps.saw(1, 0)
    gaps.saw(3, 0)
    assert.deepEqual(gaps.pending(30_001), [])
  })

  it('does not treat the start of the feed as a gap', () => {
    const gaps = new SequenceGaps(30_000)
    gaps.saw(1_000_000, 0)
    assert.deepEqual(gaps.pending(0), [])
  })
})
