import type { Kysely } from 'kysely'
import { withConflictRetry } from './conflicts.js'
import type { Database } from './database.js'
import type { Capabilities } from './dialects/types.js'

/** Work the caller adds to a factor change's transaction (its notice mail, issue 16's outbox): both commit or neither. */
export type InTransaction = (trx: Kysely<Database>) => Promise<void>

/** A user's TOTP factor as services see it (the secret still sealed). */
export interface TotpRecord {
  userId: string
  sealedSecret: string
  confirmed: boolean
  lastUsedStep: number | null
  createdAt: number
  confirmedAt: number | null
}

/**
 * Second factors in the database: the TOTP factor and the recovery codes. Every "works once"
 * rule is one conditional UPDATE, so two requests (or two processes) presenting the same code
 * at once get one winner, on every database.
 */
/** SQLite, PostgreSQL (23505) and MySQL/MariaDB (ER_DUP_ENTRY 1062). */
function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null
  return e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505' || e?.errno === 1062
}

export function createMfaFactorQueries(db: Kysely<Database>, capabilities: Pick<Capabilities, 'rowLocks'>) {
  /** One attempt of startTotp, in one transaction. */
  function startOnce(userId: string, sealedSecret: string, now: number): Promise<boolean> {
    return withConflictRetry(() =>
      db.transaction().execute(async (trx) => {
        // Starts of one user queue on the user's row (PostgreSQL, MySQL); on SQLite the delete below,
        // a write, takes the database's one write lock first.
        if (capabilities.rowLocks === 'for-update') await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute()
        // Delete first: it leaves a confirmed factor alone.
        await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).where('confirmed', '=', 0).execute()
        const confirmed = await trx.selectFrom('mfa_totp').select('user_id').where('user_id', '=', userId).where('confirmed', '=', 1).executeTakeFirst()
        if (confirmed) return false
        await trx
          .insertInto('mfa_totp')
          .values({ user_id: userId, secret: sealedSecret, confirmed: 0, last_used_step: null, created_at: now, confirmed_at: null })
          .execute()
        return true
      }),
    )
  }

  return {
    async findTotp(userId: string): Promise<TotpRecord | undefined> {
      const row = await db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst()
      if (!row) return undefined
      return {
        userId: row.user_id,
        sealedSecret: row.secret,
        confirmed: Number(row.confirmed) === 1,
        lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
        createdAt: Number(row.created_at),
        confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
      }
    },

    /**
     * Starts an enrolment: replaces an unconfirmed factor, never a confirmed one (that needs
     * DELETE first). False when a confirmed factor is there.
     */
    async startTotp(userId: string, sealedSecret: string, now: number): Promise<boolean> {
      // Two starts at once: the loser's insert meets the winner's row (a duplicate key) and runs again, replacing it.
      for (let attempt = 1; ; attempt++) {
        try {
          return await startOnce(userId, sealedSecret, now)
        } catch (error) {
          if (attempt >= 5 || !isDuplicateKey(error)) throw error
        }
      }
    },

    /**
     * Claims time step `step` for the user's factor: true only when this call moved the last
     * used step forward (so the same code, or any older one, never works twice). With
     * `confirming`, the factor must be unconfirmed and becomes confirmed in the same write, and
     * the recovery codes are replaced in the same transaction.
     */
    async claimTotpStep(userId: string, step: number, now: number, confirming?: { codeHashes: string[]; ids: string[]; within: InTransaction }): Promise<boolean> {
      return withConflictRetry(() =>
        db.transaction().execute(async (trx) => {
          const update = trx
            .updateTable('mfa_totp')
            .set(confirming ? { last_used_step: step, confirmed: 1, confirmed_at: now } : { last_used_step: step })
            .where('user_id', '=', userId)
            .where('confirmed', '=', confirming ? 0 : 1)
            .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
          const result = await update.executeTakeFirst()
          if (Number(result.numUpdatedRows) !== 1) return false
          if (confirming) {
            await replaceRecoveryCodes(trx, userId, confirming.ids, confirming.codeHashes, now)
            await confirming.within(trx)
          }
          return true
        }),
      )
    },

    /** Replaces the sealed secret while it is still `expected` (sealing again under a new key). */
    async resealTotp(userId: string, expected: string, next: string): Promise<void> {
      await db.updateTable('mfa_totp').set({ secret: next }).where('user_id', '=', userId).where('secret', '=', expected).execute()
    },

    /**
     * Removes the TOTP factor, every recovery code and every pending mfa_token of the user. True
     * when there was a factor. `within` runs in the same transaction when `always` or when a
     * factor was removed (the admin reset also removes passkeys and always sends its notice).
     */
    async deleteFactors(userId: string, within: InTransaction, always = false): Promise<boolean> {
      return withConflictRetry(() =>
        db.transaction().execute(async (trx) => {
          const removed = await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst()
          await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
          await trx.deleteFrom('mfa_tokens').where('user_id', '=', userId).execute()
          const had = Number(removed.numDeletedRows) > 0
          if (had || always) await within(trx)
          return had
        }),
      )
    },

    /** Replaces every recovery code of a user with a confirmed factor; false when there is none. */
    async replaceRecoveryCodes(userId: string, ids: string[], codeHashes: string[], now: number, within: InTransaction): Promise<boolean> {
      return withConflictRetry(() =>
        db.transaction().execute(async (trx) => {
          const factor = await trx.selectFrom('mfa_totp').select('user_id').where('user_id', '=', userId).where('confirmed', '=', 1).executeTakeFirst()
          if (!factor) return false
          await replaceRecoveryCodes(trx, userId, ids, codeHashes, now)
          await within(trx)
          return true
        }),
      )
    },

    /** Uses one recovery code: true only for the one call that marked it used. */
    async useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('mfa_recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const row = await db
        .selectFrom('mfa_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}

async function replaceRecoveryCodes(trx: Kysely<Database>, userId: string, ids: string[], codeHashes: string[], now: number): Promise<void> {
  await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
  if (codeHashes.length === 0) return
  await trx
    .insertInto('mfa_recovery_codes')
    .values(codeHashes.map((hash, i) => ({ id: ids[i]!, user_id: userId, code_hash: hash, created_at: now, used_at: null })))
    .execute()
}

export type MfaFactorQueries = ReturnType<typeof createMfaFactorQueries>
