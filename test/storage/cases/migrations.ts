import { it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { connect } from '../../../src/storage/connect.js'
import { SQLITE_CAPABILITIES } from '../../../src/storage/dialects/sqlite.js'
import { createMigrations, migrateToLatest } from '../../../src/storage/migrations/index.js'
import { openStorage } from '../../../src/storage/index.js'
import type { Suite } from './suite.js'

const MIGRATE_AT = resolve(import.meta.dirname, '../fixtures/migrate-at.ts')

export function describeMigrations(suite: Suite): void {
  it('running migrateToLatest again on a migrated database applies nothing and fails nothing', async () => {
    const connection = await connect(suite.url)
    try {
      const again = await migrateToLatest(connection.db, connection.capabilities)
      assert.equal(again.error, undefined)
      assert.deepEqual(again.results, [])
    } finally {
      await connection.close()
    }
  })

  it('a second instance opening the same database migrates nothing and sees the same data', async () => {
    const other = await openStorage(suite.url)
    try {
      await suite.storage.settings.getOrInsert('migration-probe', 'one')
      assert.equal(await other.settings.get('migration-probe'), 'one')
    } finally {
      await other.close()
    }
  })

  it('four processes migrating one new database at once apply each migration exactly once, and all start', async () => {
    const database = await suite.dialect.create()
    try {
      // Every process connects first, then all begin migrating at the same instant.
      const migrateAt = String(Date.now() + 3_000)
      const runs = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          promisify(execFile)(process.execPath, ['--import', 'tsx', MIGRATE_AT], {
            env: { ...process.env, DATABASE_URL: database.url, MIGRATE_AT: migrateAt },
            timeout: 60_000,
          }),
        ),
      )
      const failures = runs.flatMap((run) => (run.status === 'rejected' ? [String((run.reason as { stderr?: string }).stderr ?? run.reason)] : []))
      assert.deepEqual(failures, [])
      const applied = runs.flatMap((run) => (run.status === 'fulfilled' ? (JSON.parse(run.value.stdout) as string[]) : []))
      const everyMigration = Object.keys(createMigrations(SQLITE_CAPABILITIES))
      assert.deepEqual(applied.sort(), everyMigration.sort())
    } finally {
      await database.drop()
    }
  })

  it('ping answers', async () => {
    await suite.storage.ping()
  })

  it('the statement timeout is set on the connection (DATABASE_STATEMENT_TIMEOUT, default 5 s)', { skip: suite.dialect.statementTimeoutQuery ? false : 'no statement timeout on this dialect' }, async () => {
    const result = await sql.raw<Record<string, unknown>>(suite.dialect.statementTimeoutQuery!).execute(suite.storage.db)
    const value = String(Object.values(result.rows[0]!)[0])
    assert.ok(value === '5s' || Number(value) === 5, `statement timeout ${value}`)
  })
}
