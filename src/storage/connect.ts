import { connectSqlite } from './dialects/sqlite.js'
import type { ConnectOptions, Connection } from './dialects/types.js'

/** The defaults of `DATABASE_POOL_SIZE`, `DATABASE_STATEMENT_TIMEOUT`, `DATABASE_CONNECT_TIMEOUT`. */
export const DEFAULT_CONNECT_OPTIONS: Readonly<ConnectOptions> = Object.freeze({ poolSize: 10, statementTimeout: 5, connectTimeout: 5 })

/**
 * Opens the database named by `DATABASE_URL`: `sqlite:<path>`, `sqlite::memory:`,
 * `postgres://…` / `postgresql://…`, or `mysql://…` (MySQL and MariaDB).
 * Nothing is sent to the server yet: pools connect on first use. The PostgreSQL
 * and MySQL drivers are loaded only when named, so a SQLite server does not
 * carry them (with ioredis, 13 MB of its resident memory: docs/performance.md).
 */
export async function connect(databaseUrl: string, options: ConnectOptions = DEFAULT_CONNECT_OPTIONS): Promise<Connection> {
  const scheme = databaseUrl.slice(0, databaseUrl.indexOf(':'))
  if (scheme === 'sqlite') return connectSqlite(databaseUrl.slice('sqlite:'.length))
  if (scheme === 'postgres' || scheme === 'postgresql') return (await import('./dialects/postgres.js')).connectPostgres(databaseUrl, options)
  if (scheme === 'mysql') return (await import('./dialects/mysql.js')).connectMysql(databaseUrl, options)
  throw new Error(`DATABASE_URL scheme not supported: ${scheme || databaseUrl}`)
}
