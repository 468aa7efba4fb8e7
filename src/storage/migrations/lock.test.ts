import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type MigrationResultSet } from 'kysely'
import { connectSqlite } from '../dialects/sqlite.js'
import { withMigrationLock } from './lock.js'

// Four processes migrating one new database at once: test/storage/cases/migrations.ts.
describe('withMigrationLock on SQLite', () => {
  async function withDatabase(run: (connection: ReturnType<typeof connectSqlite>) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'))
    const connection = connectSqlite(join(dir, 'tessera.db'))
    try {
      await run(connection)
    } finally {
      await connection.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }

  const tableExists = async (connection: ReturnType<typeof connectSqlite>, name: string) =>
    (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = ${name}`.execute(connection.db)).rows.length === 1

  it('commits what a successful run did', async () => {
    await withDatabase(async (connection) => {
      await withMigrationLock(connection.db, connection.capabilities, async () => {
        await sql`create table probe (id integer)`.execute(connection.db)
        return { results: [] }
      })
      assert.equal(await tableExists(connection, 'probe'), true)
    })
  })

  it('a run that reports an error applies nothing, and the connection is usable after', async () => {
    await withDatabase(async (connection) => {
      const failed: MigrationResultSet = { error: new Error('second migration failed'), results: [] }
      const result = await withMigrationLock(connection.db, connection.capabilities, async () => {
        await sql`create table probe (id integer)`.execute(connection.db)
        return failed
      })
      assert.equal(result, failed)
      assert.equal(await tableExists(connection, 'probe'), false)
      await sql`create table after_failure (id integer)`.execute(connection.db) // no transaction left open
    })
  })

  it('a run that throws applies nothing and the error reaches the caller', async () => {
    await withDatabase(async (connection) => {
      await assert.rejects(
        withMigrationLock(connection.db, connection.capabilities, async () => {
          await sql`create table probe (id integer)`.execute(connection.db)
          throw new Error('boom')
        }),
        /boom/,
      )
      assert.equal(await tableExists(connection, 'probe'), false)
    })
  })
})
