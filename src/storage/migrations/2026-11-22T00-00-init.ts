import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * The first schema: users, sessions, refresh tokens, revocations, settings.
 * One schema for every dialect; the few differences come from `capabilities`.
 */
export function createInit(capabilities: Capabilities): Migration {
  // Byte-wise text comparison everywhere (see Capabilities.tableOptions).
  const createTable = (db: Kysely<any>, name: string) => {
    const builder = db.schema.createTable(name)
    return capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder
  }

  return {
    async up(db: Kysely<any>) {
      await createTable(db, 'users')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        // Stored lower-cased: the unique index is what makes emails case-insensitive.
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('username', 'varchar(32)')
        .addColumn('username_key', 'varchar(32)', (c) => c.unique())
        .addColumn('full_name', 'varchar(200)')
        .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('roles', 'varchar(1024)', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_login_at', 'bigint')
        .execute()

      await createTable(db, 'sessions')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        // No foreign key: a deleted user's sessions stay (revoked) until pruned, so their
        // refresh tokens answer token_revoked rather than looking unknown.
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('ip', 'varchar(64)')
        .addColumn('user_agent', 'varchar(512)')
        .execute()
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()

      await createTable(db, 'refresh_tokens')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        // A table-level constraint, not an inline REFERENCES: MySQL parses an inline one and ignores it.
        .addForeignKeyConstraint('refresh_tokens_session_id_fk', ['session_id'], 'sessions', ['id'], (fk) => fk.onDelete('cascade'))
        .execute()
      await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute()

      await createTable(db, 'revoked_sessions')
        .addColumn('seq', capabilities.autoIncrement === 'serial-type' ? 'serial' : 'integer', (c) =>
          capabilities.autoIncrement === 'modifier' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('session_id', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('revoked_sessions_expires_at').on('revoked_sessions').column('expires_at').execute()

      await createTable(db, 'settings')
        .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
    },

    async down(db: Kysely<any>) {
      for (const table of ['settings', 'revoked_sessions', 'refresh_tokens', 'sessions', 'users']) {
        await db.schema.dropTable(table).execute()
      }
    },
  }
}
