import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { createPasswordHasher, passwordLength } from './passwords.js'

describe('password hashing', () => {
  const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 8 })
  after(() => hasher.close())

  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hasher.hash('correct horse battery')
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await hasher.verify(hash, 'correct horse battery'), true)
    assert.equal(await hasher.verify(hash, 'correct horse batterY'), false)
  })

  it('normalises to NFC, so the same password typed in NFD verifies', async () => {
    const nfc = 'caf\u00e9 au lait'
    const nfd = 'cafe\u0301 au lait'
    const hash = await hasher.hash(nfc)
    assert.equal(await hasher.verify(hash, nfd), true)
    assert.equal(passwordLength(nfd), passwordLength(nfc))
  })

  it('never verifies against a malformed stored hash', async () => {
    assert.equal(await hasher.verify('plaintext', 'plaintext'), false)
  })

  it('answers 503 service_unavailable with Retry-After once the queue is full, instead of queueing without bound', async () => {
    const tiny = createPasswordHasher({ concurrency: 1, queueLimit: 1 })
    const results = await Promise.allSettled([tiny.hash('password-1'), tiny.hash('password-2'), tiny.hash('password-3')])
    const rejected = results.filter((r) => r.status === 'rejected')
    assert.equal(rejected.length, 1)
    const error = (rejected[0] as PromiseRejectedResult).reason
    assert.ok(error instanceof AppError && error.code === 'service_unavailable' && error.headers?.['retry-after'])
    assert.equal(tiny.load, 0)
    await tiny.close()
  })
})
