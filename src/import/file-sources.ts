import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { ImportError, reason } from './import-error.js'
import type { Source, SourceRow } from './source.js'

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ImportError('source_unreadable', `cannot read ${path}: ${reason(error)}`, { cause: error })
  }
}

function isRecord(value: unknown): value is SourceRow {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The rows of a JSON export: an array of objects, or an object holding one
 * such array (`{"users": [...]}`, as `flask shell` scripts tend to write).
 */
function jsonRows(path: string, text: string): SourceRow[] {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ImportError('source_unreadable', `${path} is not JSON: ${reason(error)}`)
  }
  if (isRecord(document)) {
    const arrays = Object.values(document).filter(Array.isArray)
    if (arrays.length === 1) document = arrays[0]
  }
  if (!Array.isArray(document)) throw new ImportError('source_unreadable', `${path}: expected an array of user objects, or an object holding one`)
  document.forEach((item, index) => {
    if (!isRecord(item)) throw new ImportError('source_unreadable', `${path}: element ${index + 1} is not an object`)
  })
  return document as SourceRow[]
}

/** Every key of any row, in order of first appearance (JSON rows need not all have the same keys). */
function columnsOf(rows: SourceRow[]): string[] {
  const columns = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key)
  return [...columns]
}

/** The rows of a CSV export with a header line; every value is text (empty for NULL). */
function csvRows(path: string, text: string): { columns: string[]; rows: SourceRow[] } {
  let header: string[] = []
  try {
    const rows = parse(text, {
      bom: true,
      skip_empty_lines: true,
      columns: (names: string[]) => (header = names),
    }) as SourceRow[]
    return { columns: header, rows }
  } catch (error) {
    throw new ImportError('source_unreadable', `${path} is not CSV with a header line: ${reason(error)}`, { cause: error })
  }
}

/** A JSON or CSV export, read whole. */
export async function readFileSource(kind: 'json' | 'csv', path: string): Promise<Source> {
  const text = readText(path)
  const close = async () => undefined
  if (kind === 'json') {
    const rows = jsonRows(path, text)
    return { description: path, columns: columnsOf(rows), rows, close }
  }
  return { description: path, ...csvRows(path, text), close }
}
