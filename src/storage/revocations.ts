import { sql, type Kysely } from 'kysely'
import { withConflictRetry } from './conflicts.js'
import type { Capabilities } from './dialects/types.js'
import type { Database } from './database.js'
import { ignoreDuplicate } from './insert-ignore.js'

export interface RevokedSession {
  seq: number
  sessionId: string
  userId: string
  expiresAt: number
}

const INSERT_BATCH = 500

export function createRevocationQueries(db: Kysely<Database>, capabilities: Capabilities) {
  async function insertRows(executor: Kysely<Database>, entries: Array<{ sessionId: string; userId: string; revokedAt: number; expiresAt: number }>): Promise<void> {
    // Batches keep each statement under every dialect's bound-parameter limit.
    for (let start = 0; start < entries.length; start += INSERT_BATCH) {
      const rows = entries.slice(start, start + INSERT_BATCH).map((entry) => ({
        session_id: entry.sessionId,
        user_id: entry.userId,
        revoked_at: entry.revokedAt,
        expires_at: entry.expiresAt,
      }))
      await ignoreDuplicate(executor.insertInto('revoked_sessions').values(rows), 'session_id', capabilities).execute()
    }
  }

  return {
    /**
     * Records revoked sessions; a session already recorded keeps its first entry.
     * The insert ignores duplicates itself (rather than select-then-insert), so two
     * instances revoking the same session at once both succeed.
     *
     * With `notify` (PostgreSQL), the rows and the NOTIFYs go in one
     * transaction: a NOTIFY is delivered at commit, so no listener hears of a
     * row it cannot read yet, and the caller's commit means both are done.
     */
    async insert(entries: Array<{ sessionId: string; userId: string; revokedAt: number; expiresAt: number }>, notify?: { channel: string; payloads: string[] }): Promise<void> {
      if (!notify) return insertRows(db, entries)
      await withConflictRetry(() =>
        db.transaction().execute(async (trx) => {
          await insertRows(trx, entries)
          for (const payload of notify.payloads) await sql`select pg_notify(${notify.channel}, ${payload})`.execute(trx)
        }),
      )
    },

    /** Entries still in force after `afterSeq` (0: from the start), oldest first: the start-up load and the change feed. */
    async listSince(afterSeq: number, now: number, limit: number): Promise<RevokedSession[]> {
      const rows = await db
        .selectFrom('revoked_sessions')
        .select(['seq', 'session_id', 'user_id', 'expires_at'])
        .where('seq', '>', afterSeq)
        .where('expires_at', '>', now)
        .orderBy('seq')
        .limit(limit)
        .execute()
      return rows.map((row) => ({ seq: Number(row.seq), sessionId: row.session_id, userId: row.user_id, expiresAt: Number(row.expires_at) }))
    },

    /** The entries with these sequence numbers (gaps the change feed is waiting for). */
    async listBySeq(seqs: number[]): Promise<RevokedSession[]> {
      if (seqs.length === 0) return []
      const rows = await db.selectFrom('revoked_sessions').select(['seq', 'session_id', 'user_id', 'expires_at']).where('seq', 'in', seqs).execute()
      return rows.map((row) => ({ seq: Number(row.seq), sessionId: row.session_id, userId: row.user_id, expiresAt: Number(row.expires_at) }))
    },

    async prune(now: number): Promise<number> {
      const result = await db.deleteFrom('revoked_sessions').where('expires_at', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type RevocationQueries = ReturnType<typeof createRevocationQueries>
