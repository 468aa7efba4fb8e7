import { CompiledQuery, Kysely, MysqlDialect, sql, type DatabaseConnection } from 'kysely'
import { createPool } from 'mysql2'
import type { Capabilities, ConnectOptions, Connection } from './types.js'
import type { Database } from '../database.js'

export const MYSQL_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  returning: false,
  autoIncrement: 'modifier',
  insertIgnore: 'on-duplicate-key',
  tableOptions: 'character set utf8mb4 collate utf8mb4_bin',
  migrationLock: 'migrator',
  rowLocks: 'for-update',
  dropNotNull: 'modify-column',
})

/** ER_UNKNOWN_SYSTEM_VARIABLE: the server is MySQL, not MariaDB (or the other way round). */
const UNKNOWN_SYSTEM_VARIABLE = 1193

/**
 * A `mysql2` pool behind Kysely's MysqlDialect, for MySQL and MariaDB.
 *
 * The statement timeout is a session variable set on every new connection.
 * MariaDB calls it `max_statement_time` (seconds, every statement); MySQL calls
 * it `max_execution_time` (milliseconds, SELECT only). MariaDB's is tried
 * first; the answer is remembered so later connections send one statement.
 */
export function connectMysql(url: string, options: ConnectOptions): Connection {
  const pool = createPool({
    uri: url,
    connectionLimit: options.poolSize,
    connectTimeout: options.connectTimeout * 1000,
    // Epoch milliseconds live in BIGINT columns: as numbers they stay exact up to 2^53.
    supportBigNumbers: false,
  })
  // As with pg: a connection whose server went away emits 'error'; unheard, it would crash the process.
  pool.on('connection', (connection) => connection.on('error', () => {}))
  let timeoutVariable: 'max_statement_time' | 'max_execution_time' | undefined
  async function setStatementTimeout(connection: DatabaseConnection): Promise<void> {
    const mariadb = `set session max_statement_time = ${Number(options.statementTimeout)}`
    const mysql = `set session max_execution_time = ${Number(options.statementTimeout) * 1000}`
    if (timeoutVariable !== 'max_execution_time') {
      try {
        await connection.executeQuery(CompiledQuery.raw(mariadb))
        timeoutVariable = 'max_statement_time'
        return
      } catch (error) {
        if ((error as { errno?: number }).errno !== UNKNOWN_SYSTEM_VARIABLE) throw error
      }
    }
    await connection.executeQuery(CompiledQuery.raw(mysql))
    timeoutVariable = 'max_execution_time'
  }
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool, onCreateConnection: setStatementTimeout }) })
  return {
    db,
    capabilities: MYSQL_CAPABILITIES,
    async ping() {
      await sql`select 1`.execute(db)
    },
    async close() {
      await db.destroy()
    },
  }
}
