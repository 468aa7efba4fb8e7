// The -wal file of a SQLite database is bounded while the server runs: after a burst of writes
// the idle checkpoint empties it (it used to stay at its high-water mark, 136 MB after a
// 10k-cycle soak). @see issue 13
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openStorage } from '../index.js'
import { WAL_SIZE_LIMIT_BYTES } from './sqlite-checkpoint.js'

const walSize = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0)

describe('the SQLite WAL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wal-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('shrinks back under WAL_SIZE_LIMIT_BYTES once writes stop, after a burst far larger than it', async () => {
    const file = join(dir, 'tessera.db')
    const storage = await openStorage(`sqlite:${file}`)
    try {
      // About 3 × the limit in many small transactions, as sessions are written.
      const batches = Math.ceil((3 * WAL_SIZE_LIMIT_BYTES) / (200 * 2000))
      for (let batch = 0; batch < batches; batch++) {
        await sql`insert into settings (key, value)
          with recursive n(i) as (select 1 union all select i + 1 from n where i < 200)
          select ${`wal-${batch}-`} || i, hex(randomblob(1000)) from n`.execute(storage.db)
      }
      const peak = walSize(file)
      assert.ok(peak > WAL_SIZE_LIMIT_BYTES, `the burst should outgrow the limit first (WAL ${peak} bytes)`)

      // The checkpointer runs every second; give it many ticks, and fail if the WAL never shrinks.
      let size = peak
      for (let tick = 0; tick < 150 && size > WAL_SIZE_LIMIT_BYTES; tick++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        size = walSize(file)
      }
      assert.ok(size <= WAL_SIZE_LIMIT_BYTES, `WAL still ${size} bytes after the writes stopped (peak ${peak})`)
      const rows = await sql<{ n: number }>`select count(*) as n from settings where key like 'wal-%'`.execute(storage.db)
      assert.equal(Number(rows.rows[0]!.n), batches * 200, 'every row is still there')
    } finally {
      await storage.close()
    }
  })
})
