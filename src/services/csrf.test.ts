import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createCsrfTokens } from './csrf.js'

describe('CSRF tokens', () => {
  const csrf = createCsrfTokens(randomBytes(32))

  it('are the same for one session every time (stable across refreshes, no storage)', () => {
    assert.equal(csrf.tokenFor('session-a'), csrf.tokenFor('session-a'))
    assert.match(csrf.tokenFor('session-a'), /^[A-Za-z0-9_-]{43}$/)
  })

  it('match their own session only', () => {
    const token = csrf.tokenFor('session-a')
    assert.equal(csrf.matches('session-a', token), true)
    assert.equal(csrf.matches('session-b', token), false)
    assert.notEqual(csrf.tokenFor('session-b'), token)
  })

  it('refuse a token made with another key', () => {
    const other = createCsrfTokens(randomBytes(32))
    assert.equal(csrf.matches('session-a', other.tokenFor('session-a')), false)
  })

  it('refuse altered, truncated, padded and empty tokens', () => {
    const token = csrf.tokenFor('session-a')
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1)
    for (const bad of [flipped, token.slice(0, -1), `${token}=`, `${token}A`, ` ${token}`, '', 'not a token']) {
      assert.equal(csrf.matches('session-a', bad), false, JSON.stringify(bad))
    }
  })

  it('need a key of at least 32 bytes', () => {
    assert.throws(() => createCsrfTokens(randomBytes(16)), TypeError)
  })
})
