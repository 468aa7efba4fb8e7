import { row } from '../cli/output.js'
import type { HashFormat } from './hash-format.js'
import { describeMapping, type Mapping } from './mapping.js'
import type { PasswordMode } from './normalize-row.js'

export type SkipStatus = 'skipped_duplicate' | 'skipped_invalid' | 'unknown_hash_format'

/** One row not imported, named by its position in the source (1 = the first row) and its `id` column if it has one. */
export interface SkippedRow {
  row: number
  id: string | null
  status: SkipStatus
  reason: string
  email: string | null
}

/** What an import did, or with `--dry-run` would do. Never holds a password or a hash. */
export interface ImportReport {
  source: string
  dryRun: boolean
  passwords: PasswordMode
  mapping: Mapping
  rows: number
  imported: number
  skippedDuplicate: number
  skippedInvalid: number
  unknownHashFormat: number
  /** Imported users whose password was plaintext in the source, now argon2id. */
  plaintextHashed: number
  /** Imported users by the format of their password in the source. */
  formats: Partial<Record<HashFormat | 'plaintext', number>>
  skipped: SkippedRow[]
  /** Imported, but worth a look: e.g. a plaintext password the login form's 8 to 128 characters will refuse. */
  warnings: Array<{ row: number; id: string | null; email: string; message: string }>
}

export function createReport(source: string, mapping: Mapping, passwords: PasswordMode, dryRun: boolean): ImportReport {
  return {
    source, dryRun, passwords, mapping, rows: 0, imported: 0, skippedDuplicate: 0, skippedInvalid: 0,
    unknownHashFormat: 0, plaintextHashed: 0, formats: {}, skipped: [], warnings: [],
  }
}

export function recordImported(report: ImportReport, format: HashFormat | 'plaintext'): void {
  report.imported++
  if (format === 'plaintext') report.plaintextHashed++
  report.formats[format] = (report.formats[format] ?? 0) + 1
}

export function recordSkipped(report: ImportReport, skipped: SkippedRow): void {
  if (skipped.status === 'skipped_duplicate') report.skippedDuplicate++
  else if (skipped.status === 'skipped_invalid') report.skippedInvalid++
  else report.unknownHashFormat++
  report.skipped.push(skipped)
}

/** The `--json` document: snake_case, as every document the CLI prints. */
export function reportDocument(report: ImportReport) {
  return {
    source: report.source,
    dry_run: report.dryRun,
    passwords: report.passwords,
    mapping: report.mapping,
    rows: report.rows,
    imported: report.imported,
    skipped_duplicate: report.skippedDuplicate,
    skipped_invalid: report.skippedInvalid,
    unknown_hash_format: report.unknownHashFormat,
    plaintext_hashed: report.plaintextHashed,
    formats: report.formats,
    skipped: report.skipped,
    warnings: report.warnings,
  }
}

/**
 * Tab-separated lines: the source and mapping, each count, the imported users
 * per format, then one line per skipped row and per warning, so
 * `grep ^skipped` lists what needs attention.
 */
export function reportLines(report: ImportReport): string[] {
  const lines = [
    row('source', report.source),
    row('mapping', describeMapping(report.mapping)),
    row('passwords', report.passwords),
  ]
  if (report.dryRun) lines.push(row('dry_run', 'nothing was written'))
  lines.push(
    row('rows', report.rows),
    row(report.dryRun ? 'would_import' : 'imported', report.imported),
    row('skipped_duplicate', report.skippedDuplicate),
    row('skipped_invalid', report.skippedInvalid),
    row('unknown_hash_format', report.unknownHashFormat),
    row('plaintext_hashed', report.plaintextHashed),
  )
  for (const [format, count] of Object.entries(report.formats)) lines.push(row('format', format, count))
  for (const skipped of report.skipped) lines.push(row('skipped', `row ${skipped.row}`, skipped.id, skipped.status, skipped.email, skipped.reason))
  for (const warning of report.warnings) lines.push(row('warning', `row ${warning.row}`, warning.id, warning.email, warning.message))
  return lines
}
