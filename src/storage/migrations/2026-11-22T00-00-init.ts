import type { Kysely, Migration } from 'kysely'

/** The first schema: users, sessions, refresh tokens, revocations, settings. */
export const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
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

    await db.schema
      .createTable('sessions')
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

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('session_id', 'varchar(36)', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute()
    await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute()

    await db.schema
      .createTable('revoked_sessions')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('session_id', 'varchar(36)', (c) => c.notNull().unique())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('revoked_sessions_expires_at').on('revoked_sessions').column('expires_at').execute()

    await db.schema
      .createTable('settings')
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
