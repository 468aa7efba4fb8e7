import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * Passkeys (issue 18) and the WebAuthn challenges they are registered and used with.
 *
 * `passkeys.credential_key` is the SHA-256 (hex) of the credential id: a credential id may be
 * up to 1023 bytes, too long for a unique index on MySQL, so the unique key and every lookup go
 * through its hash. No foreign key to users: deleting a user deletes its passkeys in the same
 * service call, as sessions are handled.
 *
 * `webauthn_challenges` holds each challenge handed out, keyed by its SHA-256. A ceremony
 * consumes its challenge with one conditional DELETE, so it works once even when two
 * processes receive the same response at the same moment.
 */
export function createPasskeys(capabilities: Capabilities): Migration {
  const createTable = (db: Kysely<any>, name: string) => {
    const builder = db.schema.createTable(name)
    return capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder
  }

  return {
    async up(db: Kysely<any>) {
      await createTable(db, 'passkeys')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('credential_key', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'varchar(255)', (c) => c.notNull())
        .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('backed_up', 'integer', (c) => c.notNull())
        .addColumn('aaguid', 'varchar(36)', (c) => c.notNull())
        .addColumn('name', 'varchar(400)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute()
      await db.schema.createIndex('passkeys_user_id').on('passkeys').column('user_id').execute()

      await createTable(db, 'webauthn_challenges')
        .addColumn('challenge_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
        // Null for a usernameless sign-in: the account is only known once the credential is.
        .addColumn('user_id', 'varchar(36)')
        // SHA-256 of the mfa_token of the login step it answers, when it answers one.
        .addColumn('mfa_token_hash', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('webauthn_challenges_expires_at').on('webauthn_challenges').column('expires_at').execute()
    },

    async down(db: Kysely<any>) {
      await db.schema.dropTable('webauthn_challenges').execute()
      await db.schema.dropTable('passkeys').execute()
    },
  }
}
