import SQLite from 'better-sqlite3'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { ImportError, reason } from './import-error.js'
import { redactUrl, selectStatement, type Source, type SourceRow, type SqlSelection } from './source.js'

/** How long to wait for a source server before giving up. */
const CONNECT_TIMEOUT_MS = 5000

function describeSelection(selection: SqlSelection): string {
  return selection.query !== undefined ? 'query' : `table ${selection.table ?? 'users'}`
}

function unreadable(what: string, error: unknown): ImportError {
  return new ImportError('source_unreadable', `cannot read ${what}: ${reason(error)}`, { cause: error })
}

/**
 * A SQLite file opened read-only (it must exist: opening never creates one),
 * rows streamed one at a time from the statement.
 */
export async function readSqliteSource(path: string, selection: SqlSelection): Promise<Source> {
  const description = `sqlite:${path} (${describeSelection(selection)})`
  let database: SQLite.Database
  try {
    database = new SQLite(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw unreadable(`sqlite:${path}`, error)
  }
  try {
    const statement = database.prepare(selectStatement(selection, '"'))
    if (!statement.reader) throw new Error('the statement returns no rows')
    // Iterating holds the connection busy until the iterator ends, so it starts only when asked
    // for, and close() ends it first (a mapping error closes the source before any row is read).
    let iterator: IterableIterator<SourceRow> | undefined
    return {
      description,
      columns: statement.columns().map((column) => column.name),
      rows: { [Symbol.iterator]: () => (iterator = statement.iterate() as IterableIterator<SourceRow>) },
      async close() {
        iterator?.return?.()
        database.close()
      },
    }
  } catch (error) {
    database.close()
    throw unreadable(description, error)
  }
}

/** `timestamp without time zone`, the column Flask-SQLAlchemy's DateTime makes. */
const PG_TIMESTAMP_OID = 1114

/**
 * pg reads a zoneless timestamp in the importer's local zone; kept as text
 * instead, it is read as UTC (values.ts), as `datetime.utcnow` wrote it.
 */
const typeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === PG_TIMESTAMP_OID && format !== 'binary' ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser

/**
 * Rows from PostgreSQL, read inside a READ ONLY transaction that is rolled
 * back, so not even a `--query` can change the source. All rows are read at
 * once: a users table of a Flask app fits in memory.
 */
export async function readPostgresSource(url: string, selection: SqlSelection): Promise<Source> {
  const description = `${redactUrl(url)} (${describeSelection(selection)})`
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types: { getTypeParser: typeParser } })
  try {
    await client.connect()
    await client.query('BEGIN READ ONLY')
    const result = await client.query<SourceRow>(selectStatement(selection, '"'))
    await client.query('ROLLBACK')
    if (!Array.isArray(result.fields)) throw new Error('the statement returns no rows')
    return { description, columns: result.fields.map((field) => field.name), rows: result.rows, close: () => client.end() }
  } catch (error) {
    await client.end().catch(() => undefined)
    throw unreadable(description, error)
  }
}

/** Rows from MySQL or MariaDB, read inside a READ ONLY transaction that is rolled back. */
export async function readMysqlSource(url: string, selection: SqlSelection): Promise<Source> {
  const description = `${redactUrl(url)} (${describeSelection(selection)})`
  let connection: Awaited<ReturnType<typeof createConnection>> | undefined
  try {
    // DATETIME has no zone: as text, read as UTC (values.ts), as `datetime.utcnow` wrote it; TIMESTAMP
    // columns come in the session's zone, so that is UTC too.
    connection = await createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS, dateStrings: true })
    await connection.query("SET time_zone = '+00:00'")
    await connection.query('START TRANSACTION READ ONLY')
    const [rows, fields] = await connection.query(selectStatement(selection, '`'))
    await connection.query('ROLLBACK')
    if (!Array.isArray(rows) || !Array.isArray(fields)) throw new Error('the statement returns no rows')
    const open = connection
    return {
      description,
      columns: fields.map((field) => field.name),
      rows: rows as SourceRow[],
      close: () => open.end(),
    }
  } catch (error) {
    await connection?.end().catch(() => undefined)
    throw unreadable(description, error)
  }
}
