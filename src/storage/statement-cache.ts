import type { Database as SQLiteDatabase, Statement } from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Kysely's SQLite driver prepares every statement anew; preparing (SQLite
 * compiling the SQL) costs more than running a lookup by primary key. Queries
 * are built from a handful of shapes, so the prepared statements are kept by
 * their SQL text, at most `limit` of them (oldest dropped first).
 * Reusing a better-sqlite3 statement is safe here: each call runs to
 * completion synchronously, so no two uses overlap.
 */
export function withStatementCache(database: SQLiteDatabase, limit = 500): SqliteDatabase {
  const statements = new Map<string, Statement>()
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql)
      if (!statement) {
        statement = database.prepare(sql)
        if (statements.size >= limit) statements.delete(statements.keys().next().value!)
        statements.set(sql, statement)
      }
      return statement as unknown as SqliteStatement
    },
  }
}
