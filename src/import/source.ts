/** One row as the source gave it: column name to value (text, number, boolean, Date, Buffer, null). */
export type SourceRow = Record<string, unknown>

/** Rows to import, read-only, with the column names known before the first row. */
export interface Source {
  /** What was read, for the report: never a password from a URL. */
  description: string
  columns: string[]
  rows: Iterable<SourceRow>
  close(): Promise<void>
}

/** Where `--from` points, parsed but not opened. */
export type SourceSpec =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres' | 'mysql'; url: string }
  | { kind: 'json' | 'csv'; path: string }

/** `--table` (default `users`) or `--query`, for SQL sources. */
export interface SqlSelection {
  table?: string
  query?: string
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$/

/**
 * Reads `--from`: `sqlite:<path>` (also SQLAlchemy's `sqlite:///relative` and
 * `sqlite:////absolute`, as found in a Flask config), `postgres://…`,
 * `mysql://…` (SQLAlchemy's `+driver` suffix is dropped), or a `.json` /
 * `.csv` file. Undefined when it is none of those.
 */
export function parseSourceSpec(from: string): SourceSpec | undefined {
  if (from.startsWith('sqlite:')) {
    const path = from.startsWith('sqlite:///') ? from.slice('sqlite:///'.length) : from.slice('sqlite:'.length)
    return path === '' ? undefined : { kind: 'sqlite', path }
  }
  const url = from.replace(/^(postgres(?:ql)?|mysql|mariadb)\+[A-Za-z0-9_]+:\/\//, '$1://')
  if (/^postgres(?:ql)?:\/\//.test(url)) return { kind: 'postgres', url }
  if (/^(?:mysql|mariadb):\/\//.test(url)) return { kind: 'mysql', url: url.replace(/^mariadb:/, 'mysql:') }
  if (/\.json$/i.test(from)) return { kind: 'json', path: from }
  if (/\.csv$/i.test(from)) return { kind: 'csv', path: from }
  return undefined
}

export function isSqlSource(spec: SourceSpec): boolean {
  return spec.kind === 'sqlite' || spec.kind === 'postgres' || spec.kind === 'mysql'
}

/** A table name the importer will quote itself: `users` or `schema.users`, nothing to escape. */
export function isTableName(name: string): boolean {
  return TABLE_NAME.test(name)
}

/** The SELECT to run: the query as given, or every column of the table, quoted for the dialect. */
export function selectStatement(selection: SqlSelection, quote: '"' | '`'): string {
  if (selection.query !== undefined) return selection.query
  const table = (selection.table ?? 'users').split('.').map((part) => `${quote}${part}${quote}`).join('.')
  return `SELECT * FROM ${table}`
}

/** A URL as it may be printed: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}
