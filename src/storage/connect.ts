import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './database.js'
import { withStatementCache } from './statement-cache.js'

/** What differs between databases, so callers branch on a capability and not on a dialect name. */
export interface Capabilities {
  /** `INSERT … RETURNING` is available (SQLite, PostgreSQL; not MySQL). */
  returning: boolean
}

export interface Connection {
  db: Kysely<Database>
  capabilities: Capabilities
  /** Cheap round trip for /health. */
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * Opens the database named by `DATABASE_URL`.
 *
 * SQLite runs in WAL mode with `synchronous=NORMAL` (as PocketBase does): a
 * committed write survives a crash of the process, and readers never wait for
 * the writer.
 */
export function connect(databaseUrl: string): Connection {
  if (databaseUrl.startsWith('sqlite:')) return connectSqlite(databaseUrl.slice('sqlite:'.length))
  throw new Error(`DATABASE_URL scheme not supported by this version: ${databaseUrl.split(':')[0]}`)
}

function connectSqlite(path: string): Connection {
  const file = path === ':memory:' || path === '' ? ':memory:' : path
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return {
    db,
    capabilities: { returning: true },
    async ping() {
      sqlite.prepare('select 1').get()
    },
    async close() {
      await db.destroy()
    },
  }
}
