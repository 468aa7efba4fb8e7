import type { Kysely } from 'kysely'
import type { Database } from './database.js'

export interface RevokedSession {
  seq: number
  sessionId: string
  userId: string
  expiresAt: number
}

export function createRevocationQueries(db: Kysely<Database>) {
  return {
    /** Records revoked sessions; a session already recorded keeps its first entry. */
    async insert(entries: Array<{ sessionId: string; userId: string; revokedAt: number; expiresAt: number }>): Promise<void> {
      if (entries.length === 0) return
      for (const entry of entries) {
        const exists = await db.selectFrom('revoked_sessions').select('seq').where('session_id', '=', entry.sessionId).executeTakeFirst()
        if (exists) continue
        await db
          .insertInto('revoked_sessions')
          .values({ session_id: entry.sessionId, user_id: entry.userId, revoked_at: entry.revokedAt, expires_at: entry.expiresAt })
          .execute()
      }
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

    async prune(now: number): Promise<number> {
      const result = await db.deleteFrom('revoked_sessions').where('expires_at', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type RevocationQueries = ReturnType<typeof createRevocationQueries>
