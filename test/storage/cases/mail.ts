import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { enqueueMail } from '../../../src/mail/outbox.js'
import { createOutboxQueue } from '../../../src/mail/outbox-queue.js'
import { emailTokenQueries } from '../../../src/storage/email-tokens.js'
import { T0, uniqueId, type Suite } from './suite.js'

/** The outbox claim and the one-time token use (issue 16): conditional writes that two claimers cannot both win. */
export function describeMail(suite: Suite): void {
  describe('mail outbox and link tokens', () => {
    it('an enqueued mail keeps its fields; enqueued in a rolled-back transaction, it does not exist', async () => {
      const to = `${uniqueId()}@example.test`
      await suite.storage.db
        .transaction()
        .execute(async (trx) => {
          await enqueueMail(trx, { to, kind: 'password_changed', locale: 'ja', vars: { name: 'Ada' } }, T0)
          throw new Error('roll back')
        })
        .catch(() => undefined)
      assert.equal((await suite.storage.db.selectFrom('mail_outbox').select('id').where('to_address', '=', to).execute()).length, 0)
      const id = await enqueueMail(suite.storage.db, { to, kind: 'password_changed', locale: 'ja', vars: { name: 'Ada' }, userId: uniqueId() }, T0)
      const row = await suite.storage.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      assert.equal(row.state, 'pending')
      assert.equal(Number(row.next_attempt_at), T0)
      assert.deepEqual(JSON.parse(row.vars!), { name: 'Ada' })
    })

    it('two claimers racing for the same due mails split them: each mail is claimed once', async () => {
      const queue = createOutboxQueue(suite.storage.db)
      const now = T0 + 1000
      // Clear what other cases left due, so this case sees only its own mails.
      await suite.storage.db.deleteFrom('mail_outbox').execute()
      const ids = await Promise.all(Array.from({ length: 20 }, () => enqueueMail(suite.storage.db, { to: 'race@example.test', kind: 'verify_email', locale: 'en', vars: { name: 'x' } }, T0)))
      const [a, b] = await Promise.all([queue.claimDue('worker-a', now, 60_000, 50), queue.claimDue('worker-b', now, 60_000, 50)])
      const claimed = [...a, ...b].map((row) => row.id).sort()
      assert.deepEqual(claimed, [...ids].sort(), 'every mail claimed, none twice')
      assert.ok(a.every((row) => row.claimed_by === 'worker-a' && row.attempts === 1))
      // A live lease is not claimable; an expired one is.
      assert.equal((await queue.claimDue('worker-c', now + 1000, 60_000, 50)).length, 0)
      const reclaimed = await queue.claimDue('worker-c', now + 61_000, 60_000, 50)
      assert.equal(reclaimed.length, 20)
      // The first holder lost its lease: its outcome is not written.
      assert.equal(await queue.markSent(a[0]?.id ?? b[0]!.id, a[0] ? 'worker-a' : 'worker-b', now), false)
      assert.equal(await queue.markSent(reclaimed[0]!.id, 'worker-c', now), true)
      const sent = await suite.storage.db.selectFrom('mail_outbox').selectAll().where('id', '=', reclaimed[0]!.id).executeTakeFirstOrThrow()
      assert.equal(sent.state, 'sent')
      assert.equal(sent.vars, null, 'a sent mail keeps no link')
      assert.equal((await queue.countByState()).sent, 1)
      await suite.storage.db.deleteFrom('mail_outbox').execute()
    })

    it('a link token is used once, even by two concurrent uses', async () => {
      const tokenHash = uniqueId().replace(/-/g, '').padEnd(64, '0')
      await emailTokenQueries.insert(suite.storage.db, { tokenHash, purpose: 'password_reset', userId: uniqueId(), email: 'a@example.test', now: T0, expiresAt: T0 + 60_000 })
      const row = (await emailTokenQueries.findByHash(suite.storage.db, tokenHash))!
      assert.equal(Number(row.expires_at), T0 + 60_000)
      const uses = await Promise.all([emailTokenQueries.markUsed(suite.storage.db, row.id, T0), emailTokenQueries.markUsed(suite.storage.db, row.id, T0)])
      assert.deepEqual(uses.sort(), [false, true])
    })
  })
}
