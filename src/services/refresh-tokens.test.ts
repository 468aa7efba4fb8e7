import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRefreshToken, hashSecret, looksLikeRefreshToken, parseRefreshToken, refreshTokenWith, secretMatches, successorSecret } from './refresh-tokens.js'

describe('refresh tokens', () => {
  it('are opaque tsr_<id>.<secret> strings whose secret is stored only as a hash', () => {
    const issued = createRefreshToken()
    const parsed = parseRefreshToken(issued.token)
    assert.ok(parsed)
    assert.equal(parsed.id, issued.id)
    assert.equal(issued.secretHash, hashSecret(parsed.secret))
    assert.ok(!issued.token.includes(issued.secretHash))
    assert.ok(looksLikeRefreshToken(issued.token))
  })

  it('carry 256 bits of randomness: two tokens never share a secret', () => {
    const a = parseRefreshToken(createRefreshToken().token)!
    const b = parseRefreshToken(createRefreshToken().token)!
    assert.notEqual(a.secret, b.secret)
    assert.equal(Buffer.from(a.secret, 'base64url').length, 32)
  })

  it('match only their own secret', () => {
    const issued = createRefreshToken()
    const { secret } = parseRefreshToken(issued.token)!
    assert.equal(secretMatches(secret, issued.secretHash), true)
    assert.equal(secretMatches(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), issued.secretHash), false)
    assert.equal(secretMatches(secret, 'not-hex'), false)
  })

  const malformed = ['', 'tsr_', 'tsr_abc.def', 'eyJhbGciOiJIUzI1NiJ9.e30.sig', `tsr_${'0'.repeat(36)}.${'a'.repeat(42)}`, `tsr_${'0'.repeat(36)}.${'a'.repeat(43)}x`]
  for (const token of malformed) {
    it(`reject the malformed ${JSON.stringify(token.slice(0, 30))}`, () => assert.equal(parseRefreshToken(token), undefined))
  }

  it('derive each successor from the predecessor secret and the server key alone: same inputs, same secret; another key, another secret', () => {
    const { secret } = parseRefreshToken(createRefreshToken().token)!
    const key = new Uint8Array(32).fill(7)
    const next = successorSecret(key, secret)
    assert.equal(successorSecret(key, secret), next)
    assert.notEqual(successorSecret(new Uint8Array(32).fill(8), secret), next)
    assert.notEqual(successorSecret(key, next), next)
    // A well-formed token of 256 bits, like a random one.
    assert.ok(parseRefreshToken(refreshTokenWith(createRefreshToken().id, next).token))
    assert.equal(Buffer.from(next, 'base64url').length, 32)
  })
})
