import { it } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { connect } from '../../../src/storage/connect.js'
import { migrateToLatest } from '../../../src/storage/migrations/index.js'
import { openStorage } from '../../../src/storage/index.js'
import type { Suite } from './suite.js'

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

  it('ping answers', async () => {
    await suite.storage.ping()
  })

  it('the statement timeout is set on the connection (DATABASE_STATEMENT_TIMEOUT, default 5 s)', { skip: suite.dialect.statementTimeoutQuery ? false : 'no statement timeout on this dialect' }, async () => {
    const result = await sql.raw<Record<string, unknown>>(suite.dialect.statementTimeoutQuery!).execute(suite.storage.db)
    const value = String(Object.values(result.rows[0]!)[0])
    assert.ok(value === '5s' || Number(value) === 5, `statement timeout ${value}`)
  })
}
