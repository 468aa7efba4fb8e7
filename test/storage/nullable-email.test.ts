// runs-on: every-database
/**
 * 2026-12-02T00-00-nullable-email (issue 17): users.email becomes nullable on every database,
 * keeping the rows, every column and index the table had, and the unique rule for non-null
 * emails. On SQLite the table is rebuilt; a rebuild that a foreign key onto users would
 * cascade into is refused, changing nothing. Runs on TESSERA_TEST_BACKEND's database.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { sql, type Kysely } from 'kysely'
import { connect } from '../../src/storage/connect.js'
import type { Connection } from '../../src/storage/dialects/types.js'
import { createMigrator } from '../../src/storage/migrations/index.js'
import { databaseUrlFor, makeDataDir, removeDataDir } from '../helpers/server-data.js'

const BEFORE = '2026-12-01T00-00-refresh-token-chain'
const MIGRATION = '2026-12-02T00-00-nullable-email'

function userRow(id: string, email: string | null, username: string | null) {
  return {
    id,
    email,
    username,
    username_key: username?.toLowerCase() ?? null,
    full_name: 'Full Name',
    password_hash: '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    roles: '["admin"]',
    active: 1,
    created_at: 1700000000000,
    updated_at: 1700000000001,
    last_login_at: 1700000000002,
  }
}

async function rejects(work: Promise<unknown>): Promise<void> {
  await assert.rejects(work)
}

describe('migration 2026-12-02T00-00-nullable-email', () => {
  const dir = makeDataDir()
  let connection: Connection
  let db: Kysely<any>

  before(async () => {
    connection = await connect(await databaseUrlFor(dir))
    db = connection.db as unknown as Kysely<any>
    const migrator = createMigrator(db, connection.capabilities)
    const upTo = await migrator.migrateTo(BEFORE)
    assert.equal(upTo.error, undefined)
    await db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000001', 'kept@example.com', 'Kept')).execute()
    await rejects(db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000009', null, 'nomail0')).execute())
    const result = await migrator.migrateTo(MIGRATION)
    assert.equal(result.error, undefined, String(result.error))
    assert.deepEqual(result.results?.map((r) => [r.migrationName, r.status]), [[MIGRATION, 'Success']])
  })

  after(async () => {
    await connection?.close()
    await removeDataDir(dir)
  })

  it('keeps every row with every column value', async () => {
    const kept = await db.selectFrom('users').selectAll().where('id', '=', '00000000-0000-7000-8000-000000000001').executeTakeFirstOrThrow()
    const expected = userRow('00000000-0000-7000-8000-000000000001', 'kept@example.com', 'Kept')
    for (const [column, value] of Object.entries(expected)) assert.equal(String(kept[column]), String(value), column)
  })

  it('accepts many accounts without an email', async () => {
    await db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000002', null, 'nomail1')).execute()
    await db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000003', null, 'nomail2')).execute()
    const rows = await db.selectFrom('users').select('id').where('email', 'is', null).execute()
    assert.equal(rows.length, 2)
  })

  it('still refuses a second account with the same non-null email, and the same username key', async () => {
    await rejects(db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000004', 'kept@example.com', 'other')).execute())
    await rejects(db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000005', 'new@example.com', 'kept')).execute())
  })

  it('still refuses NULL in the other NOT NULL columns', async () => {
    await rejects(db.insertInto('users').values({ ...userRow('00000000-0000-7000-8000-000000000006', 'x@example.com', 'x6'), password_hash: null }).execute())
  })

  it('keeps the indexes the table had (SQLite: the rebuilt table has the same ones)', async () => {
    if (connection.capabilities.dropNotNull !== 'rebuild-table') return
    const indexes = await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list('users') order by name`.execute(db)
    assert.deepEqual(indexes.rows.map((index) => index.unique), [1, 1, 1])
    const leftovers = await sql<{ name: string }>`select name from sqlite_master where name like 'users_nullable%'`.execute(db)
    assert.deepEqual(leftovers.rows, [])
  })

  it('runs down and up again', async () => {
    await db.deleteFrom('users').where('email', 'is', null).execute()
    const migrator = createMigrator(db, connection.capabilities)
    assert.equal((await migrator.migrateDown()).error, undefined)
    await rejects(db.insertInto('users').values(userRow('00000000-0000-7000-8000-000000000007', null, 'nomail3')).execute())
    assert.equal((await migrator.migrateTo(MIGRATION)).error, undefined)
  })

  it('on SQLite, refuses to rebuild while another table references users, and changes nothing', async () => {
    if (connection.capabilities.dropNotNull !== 'rebuild-table') return
    const migrator = createMigrator(db, connection.capabilities)
    assert.equal((await migrator.migrateDown()).error, undefined)
    await db.schema
      .createTable('user_notes')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addForeignKeyConstraint('user_notes_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
      .execute()
    await db.insertInto('user_notes').values({ id: 'n1', user_id: '00000000-0000-7000-8000-000000000001' }).execute()
    const refused = await migrator.migrateTo(MIGRATION)
    assert.match(String(refused.error), /user_notes reference it/)
    assert.equal((await db.selectFrom('user_notes').selectAll().execute()).length, 1)
    assert.equal((await db.selectFrom('users').selectAll().execute()).length, 1)
    await db.schema.dropTable('user_notes').execute()
    assert.equal((await migrator.migrateTo(MIGRATION)).error, undefined)
  })
})
