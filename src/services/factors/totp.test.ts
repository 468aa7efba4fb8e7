// RFC 6238 at fixed clock values: codes computed from the secret with otpauth, drift of one step
// either way accepted, two refused; the recovery-code format. @see issue 18
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Secret, TOTP } from 'otpauth'
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js'
import { matchTotpStep, newTotpSecret, timeStep, totpUri } from './totp.js'

const T = Date.parse('2026-03-01T12:00:10Z')
const STEP_MS = 30_000

const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at })

describe('TOTP codes', () => {
  const secret = newTotpSecret()

  it('the secret is 160 random bits in base32', () => {
    assert.match(secret, /^[A-Z2-7]{32}$/)
    assert.notEqual(newTotpSecret(), secret)
  })

  it('the RFC 6238 test vector (SHA-1, T = 59 s) matches at its step', () => {
    // RFC 6238 Appendix B: secret "12345678901234567890", 8 digits 94287082; the 6-digit code is its last six.
    const rfcSecret = Secret.fromLatin1('12345678901234567890').base32
    assert.equal(matchTotpStep(rfcSecret, '287082', 59_000), 1)
  })

  for (const drift of [-1, 0, 1]) {
    it(`a code of ${drift >= 0 ? '+' : ''}${drift} step is accepted and names its own step`, () => {
      const at = T + drift * STEP_MS
      assert.equal(matchTotpStep(secret, codeAt(secret, at), T), timeStep(T) + drift)
    })
  }

  for (const drift of [-2, 2]) {
    it(`a code of ${drift > 0 ? '+' : ''}${drift} steps is refused`, () => {
      assert.equal(matchTotpStep(secret, codeAt(secret, T + drift * STEP_MS), T), null)
    })
  }

  it('spaces are ignored; anything but six digits is refused without a lookup', () => {
    const code = codeAt(secret, T)
    assert.equal(matchTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T), timeStep(T))
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`]) assert.equal(matchTotpStep(secret, bad, T), null, bad)
  })

  it('the otpauth URI names issuer, account and the parameters apps need', () => {
    const uri = new URL(totpUri(secret, 'ada@example.com', 'Tessera'))
    assert.equal(uri.protocol, 'otpauth:')
    assert.equal(uri.host, 'totp')
    assert.equal(decodeURIComponent(uri.pathname), '/Tessera:ada@example.com')
    assert.equal(uri.searchParams.get('issuer'), 'Tessera')
    assert.equal(uri.searchParams.get('secret'), secret)
  })
})

describe('recovery codes', () => {
  it('are 16 letters of a look-alike-free alphabet in groups of four, all different', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode)
    for (const code of codes) assert.match(code, /^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/)
    assert.equal(new Set(codes).size, codes.length)
  })

  it('hash the same however they are typed back', () => {
    const code = newRecoveryCode()
    assert.equal(normalizeRecoveryCode(` ${code.toUpperCase().replaceAll('-', ' ')} `), code.replaceAll('-', ''))
    assert.equal(hashRecoveryCode(code.toUpperCase()), hashRecoveryCode(code.replaceAll('-', '')))
    assert.match(hashRecoveryCode(code), /^[0-9a-f]{64}$/)
  })
})
