import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createVerifiedTokenCache } from './verified-token-cache.js'

describe('verified-token cache', () => {
  it('forgets an entry at its validity end', () => {
    const cache = createVerifiedTokenCache<number>(10)
    cache.set('t', 1, 1000)
    assert.equal(cache.get('t', 999), 1)
    assert.equal(cache.get('t', 1000), undefined)
    assert.equal(cache.size, 0)
  })

  it('stays within its bound by dropping the oldest entry', () => {
    const cache = createVerifiedTokenCache<number>(2)
    cache.set('a', 1, 10)
    cache.set('b', 2, 10)
    cache.set('c', 3, 10)
    assert.equal(cache.size, 2)
    assert.equal(cache.get('a', 0), undefined)
    assert.equal(cache.get('c', 0), 3)
  })
})
