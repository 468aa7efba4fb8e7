/**
 * Why a database could not be opened, in one line a person can act on (@see issue 13):
 * which DATABASE_URL target (never its password) and what went wrong, translated
 * from the driver's error code (pg, mysql2, better-sqlite3, node:fs, node:net).
 */

/** The database named by DATABASE_URL could not be reached or opened. The message is one line. */
export class DatabaseConnectError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options)
    this.name = 'DatabaseConnectError'
  }
}

/** `PostgreSQL at 127.0.0.1:5432, database "app", user "tessera"`: everything in the URL but its password. */
export function describeDatabaseTarget(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `SQLite file ${databaseUrl.slice('sqlite:'.length) || ':memory:'}`
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch {
    return 'an unparseable URL'
  }
  const kind = url.protocol === 'mysql:' ? 'MySQL/MariaDB' : 'PostgreSQL'
  const port = url.port || (url.protocol === 'mysql:' ? '3306' : '5432')
  const database = decodeURIComponent(url.pathname.slice(1))
  const parts = [`${kind} at ${url.hostname || 'localhost'}:${port}`]
  if (database) parts.push(`database "${database}"`)
  if (url.username) parts.push(`user "${decodeURIComponent(url.username)}"`)
  return parts.join(', ')
}

interface DriverError {
  code?: unknown
  errno?: unknown
  message?: unknown
  errors?: unknown
}

/** The first error code found on the error, its cause, or (Node's AggregateError of several addresses) its first member. */
function codeOf(error: unknown): string | undefined {
  for (let current = error as DriverError | undefined, depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string' && current.code !== '') return current.code
    const members = Array.isArray(current.errors) ? (current.errors as DriverError[]) : []
    const memberCode = members.map((member) => member?.code).find((code) => typeof code === 'string')
    if (typeof memberCode === 'string') return memberCode
    current = (current as { cause?: DriverError }).cause
  }
  return undefined
}

/** Known codes, from pg (SQLSTATE), mysql2 (ER_*), better-sqlite3 (SQLITE_*) and Node (E*). */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens at that host and port',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'no answer before DATABASE_CONNECT_TIMEOUT',
  ECONNRESET: 'the server closed the connection',
  '3D000': 'the database does not exist',
  ER_BAD_DB_ERROR: 'the database does not exist',
  '28P01': 'authentication failed: wrong password for that user',
  '28000': 'authentication failed: the user does not exist or may not connect',
  ER_ACCESS_DENIED_ERROR: 'authentication failed: the user does not exist or the password is wrong',
  // MariaDB answers this one instead, now and then, for the same unknown user (errno 1698).
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: 'authentication failed: the user does not exist or may not connect that way',
  ER_DBACCESS_DENIED_ERROR: 'authentication failed: that user may not use the database',
  ER_NOT_SUPPORTED_AUTH_MODE: 'authentication failed: the server asks for an authentication method the driver does not support',
  SQLITE_CANTOPEN: 'the file cannot be opened or created (a directory, or no permission)',
  SQLITE_READONLY: 'the file is not writable',
  SQLITE_PERM: 'the file is not writable',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the file is corrupt',
  EACCES: 'permission denied: the file or its directory is not writable',
  EPERM: 'permission denied: the file or its directory is not writable',
  EROFS: 'the file system is read-only',
  EEXIST: 'a path component is a file, not a directory',
  ENOTDIR: 'a path component is a file, not a directory',
}

/** The driver's own words, one line, with the URL's password removed should a driver ever echo it. */
function driverMessage(error: unknown, databaseUrl: string): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
  let password = ''
  try {
    password = decodeURIComponent(new URL(databaseUrl).password)
  } catch {
    // Not a URL (sqlite:): no password to hide.
  }
  return password ? text.replaceAll(password, '***') : text
}

/** One line: `cannot open DATABASE_URL (PostgreSQL at h:5432, database "x"): connection refused (ECONNREFUSED)`. */
export function databaseConnectError(databaseUrl: string, error: unknown): DatabaseConnectError {
  const code = codeOf(error)
  const message = driverMessage(error, databaseUrl)
  const timedOut = code === undefined && /timeout|timed out/i.test(message)
  const reason = (code && REASONS[code]) ?? (timedOut ? REASONS.ETIMEDOUT : undefined)
  const why = reason ? `${reason} (${code ?? message})` : code ? `${message} (${code})` : message
  return new DatabaseConnectError(`cannot open DATABASE_URL (${describeDatabaseTarget(databaseUrl)}): ${why}`, { cause: error })
}
