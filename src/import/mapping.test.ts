import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ImportError } from './import-error.js'
import { describeMapping, parseMapFlag, resolveMapping } from './mapping.js'

const TUTORIAL = ['id', 'username', 'email', 'password_hash', 'admin', 'active', 'created_at']

describe('column mapping', () => {
  it("finds the tutorials' column names by default", () => {
    assert.deepEqual(resolveMapping(TUTORIAL, {}), {
      email: 'email', username: 'username', password: 'password_hash', full_name: null, admin: 'admin', active: 'active', created_at: 'created_at',
    })
    const flaskLogin = resolveMapping(['ID', 'Email', 'Password', 'Name', 'is_admin', 'is_active', 'created'], {})
    assert.deepEqual(flaskLogin, {
      email: 'Email', username: null, password: 'Password', full_name: 'Name', admin: 'is_admin', active: 'is_active', created_at: 'created',
    })
  })

  it('prefers password_hash over password when a table has both', () => {
    assert.equal(resolveMapping(['email', 'password', 'password_hash'], {}).password, 'password_hash')
  })

  it('takes what was asked for over the defaults, never uses a column twice, and leaves out a field mapped to nothing', () => {
    const mapping = resolveMapping(['mail', 'name', 'hash', 'login'], { email: 'mail', password: 'hash', username: 'name', full_name: null })
    assert.equal(mapping.username, 'name')
    assert.equal(mapping.full_name, null)
    assert.equal(describeMapping(mapping), 'email=mail username=name password=hash full_name=- admin=- active=- created_at=-')
  })

  it('refuses a column the source lacks, a source without a password column, and one with neither email nor username', () => {
    const code = (run: () => unknown) => assert.throws(run, (error: unknown) => error instanceof ImportError && error.code === 'mapping_invalid')
    code(() => resolveMapping(TUTORIAL, { email: 'email_address' }))
    code(() => resolveMapping(['id', 'password_hash'], {}))
    assert.equal(resolveMapping(['id', 'username', 'password_hash'], {}).email, null) // username-only tables import (issue 17)
    code(() => resolveMapping(['id', 'email'], {}))
    code(() => resolveMapping(TUTORIAL, { password: null }))
  })

  it('accepts anything for an empty export, which has no columns to check', () => {
    assert.equal(resolveMapping([], { email: 'mail' }).email, 'mail')
  })

  it('parses --map flags', () => {
    assert.deepEqual(parseMapFlag('email=email_address'), ['email', 'email_address'])
    assert.deepEqual(parseMapFlag('full_name='), ['full_name', null])
    assert.equal(parseMapFlag('email'), undefined)
    assert.equal(parseMapFlag('mail=email'), undefined)
    assert.equal(parseMapFlag('=email'), undefined)
  })
})
