import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Capabilities, ConnectOptions, Connection } from './types.js'
import type { Database } from '../database.js'
import { listenPostgres } from './postgres-listener.js'

export const POSTGRES_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  returning: true,
  autoIncrement: 'serial-type',
  insertIgnore: 'on-conflict',
  tableOptions: undefined,
  migrationLock: 'migrator',
  rowLocks: 'for-update',
  dropNotNull: 'alter-column',
})

/**
 * A `pg` pool behind Kysely's PostgresDialect. `statement_timeout` is a
 * connection parameter, so the server itself cancels a runaway statement
 * (and releases its locks) rather than the client merely giving up waiting.
 *
 * BIGINT (int8) and COUNT(*) come back as strings: the query functions read
 * every such column through `Number()`.
 */
export function connectPostgres(url: string, options: ConnectOptions): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeout * 1000,
    statement_timeout: options.statementTimeout * 1000,
  })
  // A client whose server went away emits 'error': an idle one through the pool, a checked-out
  // one on itself. Without listeners either would crash the process (seen in
  // test/http/fail-closed.test.ts); the query in flight or the next one reports the outage.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    capabilities: POSTGRES_CAPABILITIES,
    async ping() {
      await sql`select 1`.execute(db)
    },
    listen: (listenOptions, handlers) => listenPostgres(url, listenOptions, handlers, options.connectTimeout),
    async close() {
      await db.destroy()
    },
  }
}
