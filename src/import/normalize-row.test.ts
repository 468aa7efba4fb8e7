import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Mapping } from './mapping.js'
import { normalizeRow } from './normalize-row.js'

const MAPPING: Mapping = { email: 'email', username: 'username', password: 'password_hash', full_name: 'name', admin: 'admin', active: 'active', created_at: 'created_at' }
const BCRYPT = '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'
const NOW = 1_750_000_000_000

function row(fields: Record<string, unknown> = {}) {
  return { email: 'Ada@Example.COM ', username: 'ada', password_hash: BCRYPT, name: 'Ada Lovelace', admin: 1, active: 0, created_at: 1_700_000_000, ...fields }
}

describe('row normalisation', () => {
  it('makes a row into a user as registration stores one: email lower-cased, admin as a role, flags and dates read', () => {
    assert.deepEqual(normalizeRow(row(), MAPPING, 'hashes', NOW), {
      candidate: {
        email: 'ada@example.com', username: 'ada', fullName: 'Ada Lovelace', password: { kind: 'hash', format: 'bcrypt', hash: BCRYPT },
        roles: ['admin'], active: false, createdAt: 1_700_000_000_000,
      },
    })
  })

  it('defaults to active, no roles, no username and the import time when those columns are empty or unmapped', () => {
    const outcome = normalizeRow(row({ username: '', name: null, admin: null, active: null, created_at: null }), MAPPING, 'hashes', NOW)
    assert.ok('candidate' in outcome)
    assert.equal(outcome.candidate.username, null)
    assert.equal(outcome.candidate.fullName, null)
    assert.deepEqual(outcome.candidate.roles, [])
    assert.equal(outcome.candidate.active, true)
    assert.equal(outcome.candidate.createdAt, NOW)
  })

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['no email and no username', { email: null, username: null }],
    ['an email without a domain', { email: 'ada@' }],
    ['a username with a space', { username: 'ada lovelace' }],
    ['a username of two characters', { username: 'ad' }],
    ['a full name over 200 characters', { name: 'x'.repeat(201) }],
    ['an admin flag that is not a flag', { admin: 'sometimes' }],
    ['a created_at that is not a date', { created_at: 'last tuesday' }],
    ['no password', { password_hash: null }],
  ]
  it('makes a row without an email into a user who logs in by username, with a Unicode username (@see issue 17)', () => {
    const outcome = normalizeRow(row({ email: null, username: 'ユーザー01' }), MAPPING, 'hashes', NOW)
    assert.ok('candidate' in outcome)
    assert.equal(outcome.candidate.email, null)
    assert.equal(outcome.candidate.username, 'ユーザー01')
    const blank = normalizeRow(row({ email: '  ', username: 'josé' }), MAPPING, 'hashes', NOW)
    assert.ok('candidate' in blank)
    assert.equal(blank.candidate.email, null)
  })

  for (const [name, fields] of invalid) {
    it(`skips a row with ${name} as invalid`, () => {
      const outcome = normalizeRow(row(fields), MAPPING, 'hashes', NOW)
      assert.ok('skip' in outcome)
      assert.equal(outcome.skip.status, 'skipped_invalid')
    })
  }

  it('skips an unknown hash format, without the value in the reason', () => {
    const outcome = normalizeRow(row({ password_hash: 'hunter2-secret' }), MAPPING, 'hashes', NOW)
    assert.ok('skip' in outcome)
    assert.equal(outcome.skip.status, 'unknown_hash_format')
    assert.equal(outcome.skip.reason.includes('hunter2'), false)
  })

  it('with plaintext passwords, takes the value as a password to hash, but keeps a value already in a known hash format', () => {
    const plain = normalizeRow(row({ password_hash: 'hunter2-secret' }), MAPPING, 'plaintext', NOW)
    assert.ok('candidate' in plain)
    assert.deepEqual(plain.candidate.password, { kind: 'plaintext', plaintext: 'hunter2-secret' })
    const hashed = normalizeRow(row(), MAPPING, 'plaintext', NOW)
    assert.ok('candidate' in hashed)
    assert.equal(hashed.candidate.password.kind, 'hash')
  })
})
