import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { errorFromResponse, parseRetryAfter, TesseraError } from './errors.js'

describe('client errors', () => {
  it('Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is undefined', () => {
    assert.equal(parseRetryAfter('120'), 120)
    assert.equal(parseRetryAfter(null), undefined)
    assert.equal(parseRetryAfter('soon'), undefined)
    const inAMinute = parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())!
    assert.ok(inAMinute > 55 && inAMinute <= 60, String(inAMinute))
    assert.equal(parseRetryAfter(new Date(0).toUTCString()), 0)
  })

  it('a problem document keeps its extra members; a body without a code is invalid_response', async () => {
    const mfa = await errorFromResponse(new Response(JSON.stringify({ status: 401, code: 'mfa_required', detail: 'A second factor is needed', mfa_token: 'm', methods: ['totp'] }), { status: 401 }))
    assert.ok(mfa instanceof TesseraError)
    assert.deepEqual([mfa.code, mfa.status, mfa.problem.mfa_token, mfa.problem.methods], ['mfa_required', 401, 'm', ['totp']])
    const bare = await errorFromResponse(new Response('{"message":"nope"}', { status: 500 }))
    assert.deepEqual([bare.code, bare.status], ['invalid_response', 500])
  })
})
