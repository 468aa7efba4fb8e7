import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DuplicateCredential, type PasskeyRecord } from '../../../src/storage/passkeys.js'
import { countPasskeys } from '../../../src/storage/passkeys-count.js'
import { T0, uniqueId, type Suite } from './suite.js'

function newPasskey(overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  const credentialId = `cred-${uniqueId()}`
  return {
    id: uniqueId(),
    userId: uniqueId(),
    credentialKey: uniqueId().replace(/-/g, '').padEnd(64, '0'),
    credentialId: `${credentialId}${'x'.repeat(1300)}`,
    publicKey: 'pQECAyYgASFYIA',
    counter: 7,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    aaguid: '00000000-0000-0000-0000-000000000000',
    name: 'Clé « portable » 山田',
    createdAt: T0,
    lastUsedAt: null,
    ...overrides,
  }
}

export function describePasskeys(suite: Suite): void {
  describe('passkeys and WebAuthn challenges', () => {
    const passkeys = () => suite.storage.passkeys
    const challenges = () => suite.storage.webauthnChallenges

    it('stores a passkey with every field (a 1300-character credential id, unicode name) and finds it by its credential key', async () => {
      const passkey = newPasskey()
      await passkeys().insert(passkey)
      assert.deepEqual(await passkeys().findByCredentialKey(passkey.credentialKey), passkey)
      assert.deepEqual(await passkeys().listByUser(passkey.userId), [passkey])
      assert.equal((await countPasskeys(suite.storage.db, [passkey.userId, uniqueId()])).get(passkey.userId), 1)
    })

    it('refuses a second passkey with the same credential key, for any user', async () => {
      const passkey = newPasskey()
      await passkeys().insert(passkey)
      await assert.rejects(passkeys().insert(newPasskey({ credentialKey: passkey.credentialKey })), DuplicateCredential)
    })

    it('records a use only from the counter it read (compare-and-swap), and renames and removes only the owner\'s', async () => {
      const passkey = newPasskey()
      await passkeys().insert(passkey)
      assert.equal(await passkeys().recordUse(passkey.id, 7, 8, false, T0 + 1), true)
      assert.equal(await passkeys().recordUse(passkey.id, 7, 9, false, T0 + 2), false, 'a second use from the stale counter')
      const stored = await passkeys().findByCredentialKey(passkey.credentialKey)
      assert.equal(stored?.counter, 8)
      assert.equal(stored?.lastUsedAt, T0 + 1)
      assert.equal(stored?.backedUp, false)
      assert.equal(await passkeys().rename(uniqueId(), passkey.id, 'stolen'), false)
      assert.equal(await passkeys().remove(uniqueId(), passkey.id), false)
      assert.equal(await passkeys().rename(passkey.userId, passkey.id, 'Renamed'), true)
      assert.equal(await passkeys().remove(passkey.userId, passkey.id), true)
      assert.deepEqual(await passkeys().listByUser(passkey.userId), [])
    })

    it('consumes a challenge once, only for its purpose and while it lives; concurrent consumers: exactly one wins', async () => {
      const hash = uniqueId().replace(/-/g, '').padEnd(64, 'a')
      const userId = uniqueId()
      await challenges().insert({ challengeHash: hash, purpose: 'registration', userId, mfaTokenHash: null, createdAt: T0, expiresAt: T0 + 300_000 })
      assert.equal(await challenges().consume(hash, 'authentication', T0 + 1), undefined, 'another purpose')
      assert.equal(await challenges().consume(hash, 'registration', T0 + 300_000), undefined, 'expired')
      const results = await Promise.all(Array.from({ length: 5 }, () => challenges().consume(hash, 'registration', T0 + 1)))
      assert.deepEqual(results.filter((result) => result !== undefined), [{ userId, mfaTokenHash: null }])
      assert.equal(await challenges().consume(hash, 'registration', T0 + 2), undefined, 'used')
    })

    it('prunes expired challenges only', async () => {
      const live = uniqueId().replace(/-/g, '').padEnd(64, 'b')
      const dead = uniqueId().replace(/-/g, '').padEnd(64, 'c')
      await challenges().insert({ challengeHash: live, purpose: 'authentication', userId: null, mfaTokenHash: null, createdAt: T0, expiresAt: T0 + 300_000 })
      await challenges().insert({ challengeHash: dead, purpose: 'authentication', userId: null, mfaTokenHash: 'd'.repeat(64), createdAt: T0, expiresAt: T0 + 10 })
      assert.ok((await challenges().prune(T0 + 100)) >= 1)
      assert.notEqual(await challenges().consume(live, 'authentication', T0 + 101), undefined)
    })
  })
}
