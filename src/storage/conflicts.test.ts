// withConflictRetry on a real conflict: a second SQLite connection that finds the database
// locked (SQLITE_BUSY, no busy timeout) is run again once the lock is gone; other errors are not.
// @see issue 14 (finding 7)
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { isTransientConflict, withConflictRetry } from './conflicts.js'

function twoConnections(): { holder: Database.Database; writer: Database.Database; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-conflicts-'))
  const file = join(dir, 'db.sqlite')
  const holder = new Database(file)
  holder.pragma('journal_mode = WAL')
  holder.exec('create table t (n integer)')
  const writer = new Database(file, { timeout: 0 })
  return {
    holder,
    writer,
    close() {
      holder.close()
      writer.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

describe('withConflictRetry', () => {
  it('runs a write again after SQLITE_BUSY, once the other connection commits', async () => {
    const { holder, writer, close } = twoConnections()
    try {
      holder.exec('begin immediate')
      holder.exec('insert into t values (1)')
      setTimeout(() => holder.exec('commit'), 5)
      let attempts = 0
      await withConflictRetry(async () => {
        attempts++
        writer.exec('insert into t values (2)')
      })
      assert.ok(attempts >= 2, `the first attempt must have met the lock (attempts: ${attempts})`)
      assert.deepEqual(writer.prepare('select n from t order by n').pluck().all(), [1, 2])
    } finally {
      close()
    }
  })

  it('throws the conflict after its last attempt, and any other error at once', async () => {
    const { holder, writer, close } = twoConnections()
    try {
      holder.exec('begin immediate')
      let attempts = 0
      await assert.rejects(
        withConflictRetry(async () => {
          attempts++
          writer.exec('insert into t values (2)')
        }),
        (error) => isTransientConflict(error),
      )
      assert.equal(attempts, 5)
      holder.exec('rollback')
      attempts = 0
      await assert.rejects(
        withConflictRetry(async () => {
          attempts++
          writer.exec('insert into missing values (1)')
        }),
        /no such table/,
      )
      assert.equal(attempts, 1)
    } finally {
      close()
    }
  })
})
