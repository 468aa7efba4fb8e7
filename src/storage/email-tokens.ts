import { v7 as uuidv7 } from 'uuid'
import type { Kysely, Selectable } from 'kysely'
import type { Database, EmailTokensTable } from './database.js'

export type EmailTokenRow = Selectable<EmailTokensTable>

/**
 * One-time link tokens at rest (issue 16): rows keyed by the SHA-256 of the token. Each query
 * takes the connection or transaction to run on, so that a token is issued in the transaction
 * of the mail that carries it, and used in the transaction of the change it authorises.
 */
export const emailTokenQueries = {
  /** Voids every live token of `purposes` for the user (a newer one is issued, or the password changed). */
  async voidLive(db: Kysely<Database>, userId: string, purposes: readonly string[], now: number): Promise<void> {
    if (purposes.length === 0) return
    await db
      .updateTable('email_tokens')
      .set({ voided_at: now })
      .where('user_id', '=', userId)
      .where('purpose', 'in', [...purposes])
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .execute()
  },

  async insert(db: Kysely<Database>, token: { tokenHash: string; purpose: string; userId: string; email: string; now: number; expiresAt: number }): Promise<void> {
    await db
      .insertInto('email_tokens')
      .values({
        id: uuidv7(),
        token_hash: token.tokenHash,
        purpose: token.purpose,
        user_id: token.userId,
        email: token.email,
        created_at: token.now,
        expires_at: token.expiresAt,
        used_at: null,
        voided_at: null,
      })
      .execute()
  },

  async findByHash(db: Kysely<Database>, tokenHash: string): Promise<EmailTokenRow | undefined> {
    return db.selectFrom('email_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
  },

  /** Marks the token used, once: true only for the one caller whose UPDATE found it still live. */
  async markUsed(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
    const result = await db.updateTable('email_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).where('voided_at', 'is', null).executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  },

  /** Tokens past their lifetime and used or voided ones older than `before` serve nothing. */
  async prune(db: Kysely<Database>, before: number): Promise<number> {
    const result = await db.deleteFrom('email_tokens').where('expires_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  },
}

/** RATE_LIMIT_EMAIL in storage, so that it holds across processes and instances. */
export const mailRateQueries = {
  async count(db: Kysely<Database>, rateKey: string, since: number): Promise<number> {
    const row = await db.selectFrom('mail_rate_events').select((eb) => eb.fn.countAll<number>().as('count')).where('rate_key', '=', rateKey).where('at', '>', since).executeTakeFirst()
    return Number(row?.count ?? 0)
  },

  async record(db: Kysely<Database>, rateKey: string, now: number): Promise<void> {
    await db.insertInto('mail_rate_events').values({ id: uuidv7(), rate_key: rateKey, at: now }).execute()
  },

  async prune(db: Kysely<Database>, before: number): Promise<number> {
    const result = await db.deleteFrom('mail_rate_events').where('at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  },
}
