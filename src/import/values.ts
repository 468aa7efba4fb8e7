/**
 * Reading source values whatever the driver or export made of them: SQLite
 * gives 0/1 and text, PostgreSQL booleans and Dates, MySQL 0/1 and Dates,
 * CSV only text (empty for NULL), JSON whatever was written.
 */

/** Text, or undefined for NULL, missing and empty values. Binary columns are read as UTF-8. */
export function textValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  const wrapped = extendedJsonValue(value)
  if (wrapped !== undefined) return textValue(wrapped)
  if (Buffer.isBuffer(value)) return textValue(value.toString('utf8'))
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  const text = String(value)
  return text === '' ? undefined : text
}

/**
 * MongoDB Extended JSON, as `mongoexport` writes values (the MongoDB tutorials, seeds 000 and 003):
 * `{"$oid": "…"}`, `{"$date": "…" | {"$numberLong": "…"}}`, `{"$numberLong": "…"}`. The value
 * inside, or undefined for anything else.
 */
export function extendedJsonValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || Buffer.isBuffer(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== 1) return undefined
  const inner = (value as Record<string, unknown>)[keys[0]!]
  switch (keys[0]) {
    case '$oid':
    case '$numberLong':
    case '$numberInt':
    case '$numberDouble':
      return inner
    case '$date': {
      const millis = typeof inner === 'object' && inner !== null ? Number((inner as Record<string, unknown>).$numberLong) : undefined
      return millis !== undefined ? new Date(millis) : new Date(String(inner))
    }
    default:
      return undefined
  }
}

const TRUE = new Set(['1', 'true', 't', 'yes', 'y', 'on'])
const FALSE = new Set(['0', 'false', 'f', 'no', 'n', 'off'])

/**
 * A flag column: true for 1/true/"t"/"yes" (and "y", "on"), false for
 * 0/false/"f"/"no" (and "n", "off"), undefined for NULL or empty (the
 * field's default then applies), `'invalid'` for anything else.
 */
export function flagValue(value: unknown): boolean | undefined | 'invalid' {
  if (typeof value === 'boolean') return value
  if (typeof value === 'bigint') return flagValue(Number(value))
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : 'invalid'
  const text = textValue(value)?.trim().toLowerCase()
  if (text === undefined || text === '') return undefined
  if (TRUE.has(text)) return true
  if (FALSE.has(text)) return false
  return 'invalid'
}

/** Below this an epoch number is taken as seconds, above it as milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_LIMIT = 1e11

/**
 * A point in time as epoch milliseconds: a Date, epoch seconds or
 * milliseconds (number or digits), or ISO 8601 text. Text without a zone is
 * UTC, as Flask-SQLAlchemy's `datetime.utcnow` defaults wrote it; SQLite's
 * `2024-01-02 03:04:05.123456` (space, microseconds) is read too. Undefined
 * for NULL or empty, `'invalid'` when it is not a time.
 */
export function timestampValue(value: unknown): number | undefined | 'invalid' {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid' : value.getTime()
  if (typeof value === 'number' || typeof value === 'bigint') return epoch(Number(value))
  const text = textValue(value)?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+(?:\.\d+)?$/.test(text)) return epoch(Number(text))
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text)
  if (!match) return 'invalid'
  const [, date, time = '00:00:00', fraction = '', zone = 'Z'] = match
  const milliseconds = fraction.padEnd(3, '0').slice(0, 3)
  const parsed = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}.${milliseconds}${normalizeZone(zone)}`)
  return Number.isNaN(parsed) ? 'invalid' : parsed
}

function epoch(value: number): number | 'invalid' {
  if (!Number.isFinite(value) || value < 0) return 'invalid'
  return Math.round(value < SECONDS_LIMIT ? value * 1000 : value)
}

/** `+0200` → `+02:00`, `z` → `Z`: the forms Date.parse accepts everywhere. */
function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z'
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
}
