import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Capabilities, Connection } from './types.js'
import type { Database } from '../database.js'
import { withStatementCache } from '../statement-cache.js'
import { startCheckpointer, WAL_SIZE_LIMIT_BYTES } from './sqlite-checkpoint.js'

export const SQLITE_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  returning: true,
  autoIncrement: 'modifier',
  insertIgnore: 'on-conflict',
  tableOptions: undefined,
  migrationLock: 'write-transaction',
  rowLocks: 'write-first',
  dropNotNull: 'rebuild-table',
})

/**
 * Opens a SQLite file (or `:memory:`).
 *
 * WAL mode with `synchronous=NORMAL` (as PocketBase does): a committed write
 * survives a crash of the process, and readers never wait for the writer.
 * There is no pool and no statement timeout: better-sqlite3 runs every
 * statement synchronously in this process. Checkpoints run elsewhere.
 */
export function connectSqlite(path: string): Connection {
  const file = path === ':memory:' || path === '' ? ':memory:' : path
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // A file database checkpoints from a worker thread instead (sqlite-checkpoint.ts).
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(file)
  if (checkpointer) sqlite.pragma('wal_autocheckpoint = 0')
  // The connection that restarts the WAL truncates it to its own limit: set on both (issue 13).
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return {
    db,
    capabilities: SQLITE_CAPABILITIES,
    async ping() {
      sqlite.prepare('select 1').get()
    },
    async close() {
      await checkpointer?.stop()
      await db.destroy()
    },
  }
}
