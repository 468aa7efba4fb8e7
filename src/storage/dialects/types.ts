import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ListenHandlers, ListenOptions, Listener } from './postgres-listener.js'

// The types every dialect file fills in and connect.ts hands out. Their own module so that the
// dialects import neither connect.ts nor each other: connect.ts imports the dialects, never the
// other way round.

/**
 * What differs between databases, so that migrations and queries branch on a
 * capability and never on a dialect name. Each dialect file fills this in once.
 */
export interface Capabilities {
  /** `INSERT … RETURNING` is available (SQLite, PostgreSQL; not MySQL). */
  returning: boolean
  /**
   * How an auto-incrementing integer key is declared: the `serial` type
   * (PostgreSQL has no AUTOINCREMENT modifier), or `integer` with the modifier
   * (SQLite `autoincrement`, MySQL `auto_increment`).
   */
  autoIncrement: 'serial-type' | 'modifier'
  /**
   * "Insert unless the key exists": `ON CONFLICT … DO NOTHING` (SQLite,
   * PostgreSQL) or `ON DUPLICATE KEY UPDATE k = k` (MySQL). Not `INSERT IGNORE`,
   * which would also swallow errors that are not duplicates.
   */
  insertIgnore: 'on-conflict' | 'on-duplicate-key'
  /**
   * Appended to every CREATE TABLE so text compares byte for byte, as it does on
   * SQLite and PostgreSQL. MySQL's default collations ignore case, accents and
   * trailing spaces, which would make "josé" and "jose" one username there only.
   */
  tableOptions: string | undefined
  /**
   * What keeps two processes that start at once on one new database from
   * applying the same migration twice. PostgreSQL and MySQL: the lock Kysely's
   * migrator takes itself (`pg_advisory_xact_lock`, `GET_LOCK`). SQLite: none
   * from Kysely, which assumes one process per file, so the migrations run in
   * one `BEGIN IMMEDIATE` transaction holding SQLite's write lock
   * (migrations/lock.ts).
   */
  migrationLock: 'migrator' | 'write-transaction'
  /**
   * How a transaction that must not race another process's takes its locks
   * (the last-admin guard): `SELECT … FOR UPDATE` on the rows it reads, at READ
   * COMMITTED (PostgreSQL, MySQL), or a write as its first statement, which takes
   * SQLite's one database write lock before anything is read.
   */
  rowLocks: 'for-update' | 'write-first'
  /**
   * How a column's NOT NULL is dropped: `ALTER COLUMN … DROP NOT NULL` (PostgreSQL),
   * `MODIFY COLUMN` with the full type (MySQL/MariaDB), or rebuilding the table (SQLite,
   * whose ALTER TABLE cannot change a column).
   */
  dropNotNull: 'alter-column' | 'modify-column' | 'rebuild-table'
}

export interface Connection {
  db: Kysely<Database>
  capabilities: Capabilities
  /** Cheap round trip for /health. */
  ping(): Promise<void>
  close(): Promise<void>
  /** PostgreSQL only: LISTEN over a connection of its own (the revocation channel without Redis). */
  listen?: (options: ListenOptions, handlers: ListenHandlers) => Listener
}

/** Pool and timeout settings; SQLite (one in-process handle) ignores them. */
export interface ConnectOptions {
  /** Most connections open at once. */
  poolSize: number
  /** Seconds a statement may run before the server cancels it; 0 = no limit. */
  statementTimeout: number
  /** Seconds to wait for a new connection. */
  connectTimeout: number
}
