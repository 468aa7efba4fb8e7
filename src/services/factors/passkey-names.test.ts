import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { defaultPasskeyName } from './passkey-names.js'

describe('defaultPasskeyName', () => {
  const at = Date.UTC(2026, 11, 1, 23, 30)
  it('names a known provider by its AAGUID, whatever its case', () => {
    assert.equal(defaultPasskeyName('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', at), 'Google Password Manager')
    assert.equal(defaultPasskeyName('FBFC3007-154E-4ECC-8C0B-6E020557D7BD', at), 'iCloud Keychain')
  })
  it('falls back to the UTC date for an unknown or all-zero AAGUID', () => {
    assert.equal(defaultPasskeyName('00000000-0000-0000-0000-000000000000', at), 'Passkey 2026-12-01')
    assert.equal(defaultPasskeyName('01020304-0506-0708-0102-030405060708', at), 'Passkey 2026-12-01')
  })
})
