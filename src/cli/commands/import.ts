import { ImportError } from '../../import/import-error.js'
import { parseMapFlag, readMappingFile, resolveMapping, type MappingRequest } from '../../import/mapping.js'
import type { PasswordMode } from '../../import/normalize-row.js'
import { openSource } from '../../import/open-source.js'
import { runImport } from '../../import/run-import.js'
import { isSqlSource, isTableName, parseSourceSpec, redactUrl, type SqlSelection } from '../../import/source.js'
import { reportDocument, reportLines } from '../import-report-format.js'
import { requireString, stringList, stringValue, UsageError, withServices, type Command, type Values } from '../command.js'

function readSelection(values: Values, sql: boolean): SqlSelection {
  const table = stringValue(values, 'table')
  const query = stringValue(values, 'query')
  if (!sql && (table !== undefined || query !== undefined)) throw new UsageError('--table and --query are for SQL sources, not JSON or CSV files')
  if (table !== undefined && query !== undefined) throw new UsageError('give --table or --query, not both')
  if (table !== undefined && !isTableName(table)) throw new UsageError(`--table ${table}: expected a table name such as users or public.users`)
  if (query !== undefined && query.trim() === '') throw new UsageError('--query is empty')
  return { table, query }
}

/** `--mapping FILE`, then each `--map field=column` over it. */
function readMappingRequest(values: Values): MappingRequest {
  const file = stringValue(values, 'mapping')
  const request: MappingRequest = file === undefined ? {} : readMappingFile(file)
  for (const flag of stringList(values, 'map')) {
    const parsed = parseMapFlag(flag)
    if (!parsed) throw new UsageError(`--map ${flag}: expected field=column, with field one of email, username, password, full_name, admin, active, created_at`)
    request[parsed[0]] = parsed[1]
  }
  return request
}

function readPasswordMode(values: Values): PasswordMode {
  const mode = stringValue(values, 'passwords') ?? 'hashes'
  if (mode !== 'hashes' && mode !== 'plaintext') throw new UsageError('--passwords must be hashes or plaintext')
  return mode
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Import users from a Flask app: SQLite, PostgreSQL, MySQL, JSON or CSV',
  help: `Usage: tessera import --from SOURCE [--table T | --query SQL]
                      [--map FIELD=COLUMN ...] [--mapping FILE]
                      [--passwords hashes|plaintext] [--dry-run] [--json]

Copies users from another app's table into Tessera, keeping their password
hashes (argon2, passlib pbkdf2-sha256, werkzeug pbkdf2/scrypt, bcrypt), then
prints a report. Existing Tessera users are never changed: a second run
imports nothing new.
  --from SOURCE     sqlite:PATH (or sqlite:///PATH), postgres://..., mysql://...,
                    or an export FILE.json (an array of objects) / FILE.csv (with a header)
  --table T         the table to read (default users); SQL sources only
  --query SQL       a SELECT to read instead of a table; SQL sources only
  --map F=C         read field F from column C; F is email, username, password,
                    full_name, admin, active or created_at; F= leaves it out
  --mapping FILE    the same as a JSON object: {"email": "email_address", ...}
  --passwords M     hashes (default): unknown formats are skipped;
                    plaintext: the column holds passwords, hashed with argon2id now
  --dry-run         read, check and report, but write nothing
Unmapped fields are looked for under their usual names (email, username,
password_hash or password, admin or is_admin, active or is_active, created_at...).
Exit code 0 when the import ran, even with skipped rows; 1 when the source
cannot be read (source_unreadable) or the mapping does not fit it (mapping_invalid).`,
  options: {
    from: { type: 'string' },
    table: { type: 'string' },
    query: { type: 'string' },
    map: { type: 'string', multiple: true },
    mapping: { type: 'string' },
    passwords: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(context) {
    const { values, output } = context
    const from = requireString(values, 'from')
    const spec = parseSourceSpec(from)
    if (!spec) throw new UsageError(`--from ${redactUrl(from)}: expected sqlite:PATH, postgres://..., mysql://..., FILE.json or FILE.csv`)
    const selection = readSelection(values, isSqlSource(spec))
    const passwords = readPasswordMode(values)
    const dryRun = values['dry-run'] === true
    try {
      const request = readMappingRequest(values)
      // The source and the mapping are checked before Tessera's database is opened.
      const source = await openSource(spec, selection)
      try {
        const mapping = resolveMapping(source.columns, request)
        return await withServices(context, async (services) => {
          const report = await runImport(services, source, { mapping, passwords, dryRun })
          output.result(reportDocument(report), reportLines(report))
          return 0
        })
      } finally {
        await source.close()
      }
    } catch (error) {
      if (!(error instanceof ImportError)) throw error
      output.problem(error.code, error.message)
      return 1
    }
  },
}
