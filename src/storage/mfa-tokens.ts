import type { Kysely } from 'kysely'
import type { Database } from './database.js'

export interface MfaTokenRecord {
  tokenHash: string
  userId: string
  createdAt: number
  expiresAt: number
  attempts: number
  usedAt: number | null
}

/**
 * The `mfa_token`s of logins waiting for a second factor. Only a SHA-256 of each is stored.
 * Spending an attempt and using the token are conditional UPDATEs: a dead token (used,
 * expired, out of attempts) cannot be brought back by racing requests.
 */
export function createMfaTokenQueries(db: Kysely<Database>) {
  return {
    async insert(record: MfaTokenRecord): Promise<void> {
      await db
        .insertInto('mfa_tokens')
        .values({ token_hash: record.tokenHash, user_id: record.userId, created_at: record.createdAt, expires_at: record.expiresAt, attempts: record.attempts, used_at: record.usedAt })
        .execute()
    },

    /** The token while it can still be answered: unused, unexpired, with attempts left. */
    async findLive(tokenHash: string, now: number, maxAttempts: number): Promise<MfaTokenRecord | undefined> {
      const row = await db
        .selectFrom('mfa_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .executeTakeFirst()
      if (!row) return undefined
      return {
        tokenHash: row.token_hash,
        userId: row.user_id,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        attempts: Number(row.attempts),
        usedAt: row.used_at === null ? null : Number(row.used_at),
      }
    },

    /**
     * Spends one of the token's attempts before its answer is checked: true while it is live and
     * has one left. One conditional UPDATE, so concurrent answers cannot exceed `maxAttempts`.
     */
    async spendAttempt(tokenHash: string, now: number, maxAttempts: number): Promise<boolean> {
      const result = await db
        .updateTable('mfa_tokens')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Uses the token after a right answer (whose attempt was spent): true for exactly one caller. */
    async use(tokenHash: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('mfa_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Every pending token of a user dies (factors removed, password reset by an admin). */
    async deleteForUser(userId: string): Promise<void> {
      await db.deleteFrom('mfa_tokens').where('user_id', '=', userId).execute()
    },

    /** Deletes tokens that can no longer be used (the sweeper). */
    async prune(now: number): Promise<number> {
      const result = await db
        .deleteFrom('mfa_tokens')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type MfaTokenQueries = ReturnType<typeof createMfaTokenQueries>
