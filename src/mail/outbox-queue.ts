import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely'
import type { Database, MailOutboxTable } from '../storage/database.js'

export type OutboxRow = Selectable<MailOutboxTable>
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed'

/** Longest last_error kept (the column's size). */
const ERROR_LENGTH = 500

/**
 * The sender's side of the outbox: claim, then record the outcome. The claim is the lease that
 * makes each mail go out once with WORKERS or many instances: one conditional UPDATE per row,
 * which only one process can win on every database (the row is due and unclaimed, or its lease
 * ran out because the process holding it died). Every outcome is written only by the holder of
 * the lease, so a process that lost its lease (paused past it) cannot overwrite another's result.
 */
export function createOutboxQueue(db: Kysely<Database>) {
  return {
    /** Claims up to `limit` due mails for `worker` until `now + leaseMs`; returns the rows it won. */
    async claimDue(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
      const due = (eb: ExpressionBuilder<Database, 'mail_outbox'>) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('state', '=', 'sending'), eb('claimed_until', '<', now)]),
        ])
      const candidates = await db.selectFrom('mail_outbox').select('id').where(due).orderBy('next_attempt_at').limit(limit).execute()
      const won: OutboxRow[] = []
      for (const { id } of candidates) {
        const result = await db
          .updateTable('mail_outbox')
          .set((eb) => ({ state: 'sending', claimed_by: worker, claimed_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
          .where('id', '=', id)
          .where(due)
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) !== 1) continue // another process won it
        const row = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).where('claimed_by', '=', worker).executeTakeFirst()
        if (row) won.push(row)
      }
      return won
    },

    /** Delivered: the variables (a link with a live token among them) are no longer kept. */
    async markSent(id: string, worker: string, now: number): Promise<boolean> {
      return held(id, worker, { state: 'sent', sent_at: now, vars: null, claimed_by: null, claimed_until: null, last_error: null })
    },

    async markRetry(id: string, worker: string, nextAttemptAt: number, error: string): Promise<boolean> {
      return held(id, worker, { state: 'pending', next_attempt_at: nextAttemptAt, claimed_by: null, claimed_until: null, last_error: error.slice(0, ERROR_LENGTH) })
    },

    /** Given up after the last attempt, or undeliverable (a template that cannot render). */
    async markFailed(id: string, worker: string, error: string): Promise<boolean> {
      return held(id, worker, { state: 'failed', vars: null, claimed_by: null, claimed_until: null, last_error: error.slice(0, ERROR_LENGTH) })
    },

    /** A claimed mail not attempted (the process is stopping): back to the queue at once, attempt not counted. */
    async release(id: string, worker: string): Promise<boolean> {
      return held(id, worker, { state: 'pending', claimed_by: null, claimed_until: null, attempts: sql<number>`attempts - 1` as unknown as number })
    },

    async countByState(): Promise<Record<OutboxState, number>> {
      const rows = await db.selectFrom('mail_outbox').select(['state', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('state').execute()
      const counts: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 }
      for (const row of rows) if (row.state in counts) counts[row.state as OutboxState] = Number(row.count)
      return counts
    },

    /** Deletes sent and failed mails older than `before` (their rows only serve the operator). */
    async prune(before: number): Promise<number> {
      const result = await db.deleteFrom('mail_outbox').where('state', 'in', ['sent', 'failed']).where('created_at', '<', before).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }

  async function held(id: string, worker: string, values: Partial<OutboxRow>): Promise<boolean> {
    const result = await db.updateTable('mail_outbox').set(values).where('id', '=', id).where('claimed_by', '=', worker).where('state', '=', 'sending').executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }
}

export type OutboxQueue = ReturnType<typeof createOutboxQueue>
