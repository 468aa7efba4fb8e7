import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * Accounts over email (issue 16).
 *
 * - `users`: `email_verified` (0/1; existing accounts start unverified), `pending_email` (an
 *   address change waiting for its link), `locale` (the language of the account's mails).
 * - `email_tokens`: one-time link tokens. Only the SHA-256 of a token is stored; each row is
 *   bound to a purpose, an account and the address it was sent to, and ends used or voided.
 * - `mail_outbox`: every mail, written in the transaction of the change that causes it and sent
 *   by the background sender (src/mail/sender.ts). `claimed_by`/`claimed_until` are the lease
 *   that makes one process, of many, send each mail.
 * - `mail_rate_events`: one row per mail request of a purpose to an address (RATE_LIMIT_EMAIL),
 *   keyed by a hash of purpose and address, so the limit holds across processes.
 */
export function createEmail(capabilities: Capabilities): Migration {
  const table = (db: Kysely<any>, name: string) => {
    const builder = db.schema.createTable(name)
    return capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder
  }
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0)).execute()
      await db.schema.alterTable('users').addColumn('pending_email', 'varchar(254)').execute()
      await db.schema.alterTable('users').addColumn('locale', 'varchar(16)').execute()

      await table(db, 'email_tokens')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('purpose', 'varchar(24)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        // The address the link went to: a verification is of that address, not of whatever the account holds later.
        .addColumn('email', 'varchar(254)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('voided_at', 'bigint')
        .execute()
      await db.schema.createIndex('email_tokens_user_purpose').on('email_tokens').columns(['user_id', 'purpose']).execute()

      await table(db, 'mail_outbox')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)')
        .addColumn('to_address', 'varchar(254)', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('locale', 'varchar(16)', (c) => c.notNull())
        // JSON of the template variables (a link among them); emptied once the mail is sent or given up.
        .addColumn('vars', 'text')
        // pending | sending | sent | failed
        .addColumn('state', 'varchar(12)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'varchar(64)')
        .addColumn('claimed_until', 'bigint')
        .addColumn('last_error', 'varchar(512)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute()
      await db.schema.createIndex('mail_outbox_state_next').on('mail_outbox').columns(['state', 'next_attempt_at']).execute()

      await table(db, 'mail_rate_events')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('rate_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('mail_rate_events_key_at').on('mail_rate_events').columns(['rate_key', 'at']).execute()
    },

    async down(db: Kysely<any>) {
      await db.schema.dropTable('mail_rate_events').execute()
      await db.schema.dropTable('mail_outbox').execute()
      await db.schema.dropTable('email_tokens').execute()
      await db.schema.alterTable('users').dropColumn('locale').execute()
      await db.schema.alterTable('users').dropColumn('pending_email').execute()
      await db.schema.alterTable('users').dropColumn('email_verified').execute()
    },
  }
}
