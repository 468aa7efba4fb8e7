import { sql, type Kysely, type MigrationResultSet } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/** How long a SQLite process waits for another process's migrations before it gives up. */
const SQLITE_LOCK_WAIT_MS = 60_000

/**
 * Runs one migrator call so that processes starting at once on one new
 * database apply each migration once: the others wait, then find nothing to do.
 *
 * PostgreSQL and MySQL need nothing here: Kysely's migrator takes an advisory
 * lock itself. Its SQLite adapter takes none (it assumes one process per
 * file), so on SQLite the whole call runs in one `BEGIN IMMEDIATE`
 * transaction, which holds the database's write lock from its first
 * statement: a second process's `BEGIN IMMEDIATE` waits for the commit and
 * then reads the migrations the first applied. It also makes a failing run
 * apply nothing, as on PostgreSQL.
 */
export async function withMigrationLock(db: Kysely<any>, capabilities: Capabilities, migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  if (capabilities.migrationLock === 'migrator') return migrate()
  await beginImmediate(db)
  let result: MigrationResultSet
  try {
    result = await migrate()
  } catch (error) {
    // The migrator's own error says what went wrong; a failing rollback must not hide it.
    await sql`rollback`.execute(db).catch(() => undefined)
    throw error
  }
  await (result.error ? sql`rollback` : sql`commit`).execute(db)
  return result
}

/** `BEGIN IMMEDIATE`, retried past SQLite's busy timeout (5 s) for as long as another process migrates. */
async function beginImmediate(db: Kysely<any>): Promise<void> {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS
  for (;;) {
    try {
      await sql`begin immediate`.execute(db)
      return
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error
    }
  }
}
