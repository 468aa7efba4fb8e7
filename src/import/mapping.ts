import { readFileSync } from 'node:fs'
import { ImportError, reason } from './import-error.js'

/** The user fields an import fills, named as on the wire (`full_name`, `created_at`). */
export const FIELDS = ['email', 'username', 'password', 'full_name', 'admin', 'active', 'created_at'] as const
export type Field = (typeof FIELDS)[number]

/** Source column of each field; null when the source has none. */
export type Mapping = Record<Field, string | null>

/** What `--map` and `--mapping` asked for: a column, or null for "leave this field out". */
export type MappingRequest = Partial<Record<Field, string | null>>

/**
 * Column names tried, in order, for a field nobody mapped: the names used by
 * the Flask tutorials' models (Flask-SQLAlchemy, Flask-Login, Flask-JWT-Extended,
 * the Flask Mega-Tutorial) and their usual variants.
 */
const DEFAULT_COLUMNS: Record<Field, readonly string[]> = {
  email: ['email', 'email_address', 'mail'],
  username: ['username', 'user_name', 'login'],
  password: ['password_hash', 'password', 'hashed_password', 'pw_hash', 'passwd', 'pwd'],
  full_name: ['full_name', 'fullname', 'name', 'display_name'],
  admin: ['admin', 'is_admin', 'isadmin', 'is_superuser', 'superuser'],
  active: ['active', 'is_active', 'enabled'],
  created_at: ['created_at', 'created', 'created_on', 'date_created', 'registered_on', 'member_since', 'date_joined'],
}

/** Fields an import cannot do without: a password, and an email or a username to log in by (username-only tables, issue 17). */
const REQUIRED: readonly Field[] = ['password']

export function isField(name: string): name is Field {
  return (FIELDS as readonly string[]).includes(name)
}

/** `email=email_address` → `['email', 'email_address']`; `full_name=` → `['full_name', null]`. Undefined when malformed. */
export function parseMapFlag(text: string): [Field, string | null] | undefined {
  const equals = text.indexOf('=')
  if (equals < 1) return undefined
  const field = text.slice(0, equals).trim()
  const column = text.slice(equals + 1).trim()
  return isField(field) ? [field, column === '' ? null : column] : undefined
}

/** A mapping file: `{"email": "email_address", "full_name": null, ...}` with the same field names as `--map`. */
export function readMappingFile(path: string): MappingRequest {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ImportError('mapping_invalid', `cannot read the mapping file ${path}: ${reason(error)}`, { cause: error })
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ImportError('mapping_invalid', `${path}: expected an object such as {"email": "email_address"}`)
  }
  const request: MappingRequest = {}
  for (const [field, column] of Object.entries(document)) {
    if (!isField(field)) throw new ImportError('mapping_invalid', `${path}: unknown field "${field}"; the fields are ${FIELDS.join(', ')}`)
    if (column !== null && (typeof column !== 'string' || column === '')) {
      throw new ImportError('mapping_invalid', `${path}: "${field}" must name a column, or be null`)
    }
    request[field] = column
  }
  return request
}

/** The column named `name`: exactly, or else the one column equal to it ignoring case. */
function findColumn(columns: readonly string[], name: string): string | undefined {
  if (columns.includes(name)) return name
  const folded = columns.filter((column) => column.toLowerCase() === name.toLowerCase())
  return folded.length === 1 ? folded[0] : undefined
}

/**
 * The mapping to use on a source with these columns: what was asked for,
 * checked against the columns, and defaults for the rest (a column is never
 * used for two fields). A column that does not exist, or no email or password
 * column at all, is a `mapping_invalid` ImportError. A source with no columns
 * (an empty export) has nothing to check.
 */
export function resolveMapping(columns: readonly string[], request: MappingRequest): Mapping {
  const mapping = Object.fromEntries(FIELDS.map((field) => [field, null])) as Mapping
  const used = new Set<string>()
  for (const field of FIELDS) {
    const asked = request[field]
    if (asked === undefined || asked === null || columns.length === 0) {
      if (asked !== undefined && asked !== null) mapping[field] = asked
      continue
    }
    const column = findColumn(columns, asked)
    if (column === undefined) {
      throw new ImportError('mapping_invalid', `${field}=${asked}: the source has no column "${asked}" (its columns: ${columns.join(', ')})`)
    }
    mapping[field] = column
    used.add(column)
  }
  if (columns.length === 0) return mapping
  for (const field of FIELDS) {
    if (field in request) continue
    const column = DEFAULT_COLUMNS[field].map((name) => findColumn(columns, name)).find((found) => found !== undefined && !used.has(found))
    if (column === undefined) continue
    mapping[field] = column
    used.add(column)
  }
  for (const field of REQUIRED) {
    if (mapping[field] === null) {
      throw new ImportError('mapping_invalid', `no ${field} column found: give --map ${field}=<column> (the source's columns: ${columns.join(', ')})`)
    }
  }
  if (mapping.email === null && mapping.username === null) {
    throw new ImportError('mapping_invalid', `no email or username column found: give --map email=<column> or --map username=<column> (the source's columns: ${columns.join(', ')})`)
  }
  return mapping
}

/** `email=email username=- …`, as the report prints it. */
export function describeMapping(mapping: Mapping): string {
  return FIELDS.map((field) => `${field}=${mapping[field] ?? '-'}`).join(' ')
}
