import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { T0, uniqueId, type Suite } from './suite.js'

const none = async () => {}

/** Second factors (issue 18): every "works once" rule is a conditional write that holds on each database. */
export function describeMfa(suite: Suite): void {
  describe('second factors', () => {
    const factors = () => suite.storage.mfaFactors
    async function newUser(): Promise<string> {
      const id = uniqueId()
      await suite.storage.users.insert({ id, email: `mfa-${id.slice(0, 8)}@example.test`, username: null, fullName: null, passwordHash: 'x', roles: [], active: true, now: T0 })
      return id
    }

    it('startTotp replaces an unconfirmed factor, never a confirmed one; the user shows mfa.totp once confirmed', async () => {
      const userId = await newUser()
      assert.equal(await factors().startTotp(userId, 'sealed-1', T0), true)
      assert.equal(await factors().startTotp(userId, 'sealed-2', T0), true)
      assert.equal((await factors().findTotp(userId))?.sealedSecret, 'sealed-2')
      assert.equal((await suite.storage.users.findById(userId))?.mfa.totp, false)
      assert.equal(await factors().claimTotpStep(userId, 100, T0, { codeHashes: ['a'.repeat(64), 'b'.repeat(64)], ids: [uniqueId(), uniqueId()], within: none }), true)
      assert.deepEqual((await suite.storage.users.findById(userId))?.mfa, { totp: true, passkeys: 0 })
      assert.equal(await factors().startTotp(userId, 'sealed-3', T0), false)
      const stored = await factors().findTotp(userId)
      assert.deepEqual(stored, { userId, sealedSecret: 'sealed-2', confirmed: true, lastUsedStep: 100, createdAt: T0, confirmedAt: T0 })
    })

    it('claimTotpStep moves forward only: the same step or an older one is refused', async () => {
      const userId = await newUser()
      await factors().startTotp(userId, 's', T0)
      // Not confirmed yet: a plain claim (a login) is refused.
      assert.equal(await factors().claimTotpStep(userId, 10, T0), false)
      assert.equal(await factors().claimTotpStep(userId, 10, T0, { codeHashes: [], ids: [], within: none }), true)
      assert.equal(await factors().claimTotpStep(userId, 10, T0), false)
      assert.equal(await factors().claimTotpStep(userId, 9, T0), false)
      assert.equal(await factors().claimTotpStep(userId, 11, T0), true)
    })

    it('a recovery code is used once; replacing the codes voids the old ones; deleteFactors removes everything', async () => {
      const userId = await newUser()
      await factors().startTotp(userId, 's', T0)
      const hash = 'c'.repeat(64)
      await factors().claimTotpStep(userId, 1, T0, { codeHashes: [hash, 'd'.repeat(64)], ids: [uniqueId(), uniqueId()], within: none })
      assert.equal(await factors().countUnusedRecoveryCodes(userId), 2)
      assert.equal(await factors().useRecoveryCode(userId, hash, T0), true)
      assert.equal(await factors().useRecoveryCode(userId, hash, T0), false)
      assert.equal(await factors().replaceRecoveryCodes(userId, [uniqueId()], ['e'.repeat(64)], T0, none), true)
      assert.equal(await factors().useRecoveryCode(userId, 'd'.repeat(64), T0), false)
      assert.equal(await factors().deleteFactors(userId, none), true)
      assert.equal(await factors().findTotp(userId), undefined)
      assert.equal(await factors().countUnusedRecoveryCodes(userId), 0)
      assert.equal(await factors().deleteFactors(userId, none), false)
    })

    it('work given to a change runs in its transaction: when it fails, the change is rolled back', async () => {
      const userId = await newUser()
      await factors().startTotp(userId, 's', T0)
      await assert.rejects(factors().claimTotpStep(userId, 5, T0, { codeHashes: [], ids: [], within: async () => Promise.reject(new Error('mail failed')) }))
      assert.equal((await factors().findTotp(userId))?.confirmed, false)
    })

    it('an mfa_token takes at most maxAttempts answers and is used once', async () => {
      const userId = await newUser()
      const tokens = suite.storage.mfaTokens
      const tokenHash = uniqueId().replaceAll('-', '').padEnd(64, '0')
      await tokens.insert({ tokenHash, userId, createdAt: T0, expiresAt: T0 + 300_000, attempts: 0, usedAt: null })
      const spent = await Promise.all(Array.from({ length: 8 }, () => tokens.spendAttempt(tokenHash, T0, 3)))
      assert.equal(spent.filter(Boolean).length, 3)
      assert.equal(await tokens.findLive(tokenHash, T0, 3), undefined)
      const second = uniqueId().replaceAll('-', '').padEnd(64, '1')
      await tokens.insert({ tokenHash: second, userId, createdAt: T0, expiresAt: T0 + 300_000, attempts: 0, usedAt: null })
      assert.equal(await tokens.use(second, T0 + 300_000), false, 'expired')
      assert.equal(await tokens.use(second, T0), true)
      assert.equal(await tokens.use(second, T0), false)
    })

    it('deleting the user deletes its factors (foreign keys cascade)', async () => {
      const userId = await newUser()
      await factors().startTotp(userId, 's', T0)
      await suite.storage.users.delete(userId)
      assert.equal(await factors().findTotp(userId), undefined)
    })
  })
}
