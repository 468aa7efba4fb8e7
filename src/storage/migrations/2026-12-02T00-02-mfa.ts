import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * Second factors (issue 18). `sessions.amr` (RFC 8176, a JSON array; NULL for sessions made
 * before it, which were all password logins) and `sessions.scope` (`mfa_enrollment` for a
 * session that may only enrol a factor, MFA policy). Then the TOTP factor (its secret as a
 * compact JWE, never in clear), the recovery codes (SHA-256 only) and the `mfa_token`s of
 * half-finished logins (SHA-256 only). The factor tables cascade from `users`: a deleted
 * account leaves no secret behind.
 */
export function createMfa(capabilities: Capabilities): Migration {
  const createTable = (db: Kysely<any>, name: string) => {
    const builder = db.schema.createTable(name)
    return capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder
  }
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sessions').addColumn('amr', 'varchar(64)').execute()
      await db.schema.alterTable('sessions').addColumn('scope', 'varchar(32)').execute()

      await createTable(db, 'mfa_totp')
        .addColumn('user_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('secret', 'varchar(1024)', (c) => c.notNull())
        .addColumn('confirmed', 'integer', (c) => c.notNull())
        // The RFC 6238 time step of the last accepted code: a code of that step or an earlier one is refused.
        .addColumn('last_used_step', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addForeignKeyConstraint('mfa_totp_user_id_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .execute()

      await createTable(db, 'mfa_recovery_codes')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addForeignKeyConstraint('mfa_recovery_codes_user_id_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .execute()
      await db.schema.createIndex('mfa_recovery_codes_user_hash').on('mfa_recovery_codes').columns(['user_id', 'code_hash']).unique().execute()

      await createTable(db, 'mfa_tokens')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addForeignKeyConstraint('mfa_tokens_user_id_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .execute()
      await db.schema.createIndex('mfa_tokens_user_id').on('mfa_tokens').column('user_id').execute()
      await db.schema.createIndex('mfa_tokens_expires_at').on('mfa_tokens').column('expires_at').execute()
    },

    async down(db: Kysely<any>) {
      for (const table of ['mfa_tokens', 'mfa_recovery_codes', 'mfa_totp']) await db.schema.dropTable(table).execute()
      await db.schema.alterTable('sessions').dropColumn('scope').execute()
      await db.schema.alterTable('sessions').dropColumn('amr').execute()
    },
  }
}
