import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { isCanonicalCompact, isLowS, withLowS } from './token-canonical.js'

const b64 = (bytes: number) => Buffer.alloc(bytes, 0xff).toString('base64url')

describe('isCanonicalCompact', () => {
  it('accepts unpadded base64url parts of every length, and empty parts (JWE with dir)', () => {
    for (const n of [0, 1, 2, 3, 4, 32, 64, 256]) assert.ok(isCanonicalCompact(`${b64(n)}.${b64(n)}.${b64(n)}`), `${n} bytes`)
    assert.ok(isCanonicalCompact(`${b64(5)}..${b64(12)}.${b64(30)}.${b64(16)}`))
  })

  it('refuses padding, standard base64, a length of 4k+1 and set unused bits', () => {
    const sig = Buffer.alloc(32, 0xff).toString('base64url') // 43 characters, 2 unused bits
    assert.ok(isCanonicalCompact(`a.b.${sig}`) === false) // "a" alone is 4k+1
    // e30 is {} in base64url; '8' has its low 2 bits clear, '9' does not; 'Q' has its low 4 bits clear, 'R' does not.
    const bad = [`e30.e30.${sig}=`, `e30.e30.${sig}==`, `e30.e30.${sig.slice(0, -1)}9`, 'e30=.e30.e30', 'e3+8.e30.e30', 'e3/8.e30.e30', 'e30.e30.aR', 'e30.e31.e30', 'e30.e30.a c']
    for (const token of bad) assert.equal(isCanonicalCompact(token), false, token)
    for (const token of [`e30.e30.${sig}`, 'e30.e30.aQ', 'e30.e30.ab8']) assert.equal(isCanonicalCompact(token), true, token)
  })
})

describe('low-S ECDSA', () => {
  it('withLowS turns every ES256 signature into a verifying low-S one', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    let highSeen = 0
    for (let i = 0; i < 40; i++) {
      const input = `eyJ.${Buffer.from(`payload ${i}`).toString('base64url')}`
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')
      if (!isLowS(signature)) highSeen++
      const normalised = withLowS(`${input}.${signature}`)
      const low = normalised.slice(normalised.lastIndexOf('.') + 1)
      assert.ok(isLowS(low))
      assert.ok(verify('sha256', Buffer.from(input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(low, 'base64url')))
    }
    assert.ok(highSeen > 0, 'OpenSSL signs high-S about half the time, so normalising is needed')
  })
})
