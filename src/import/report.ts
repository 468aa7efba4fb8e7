import type { HashFormat } from './hash-format.js'
import type { Mapping } from './mapping.js'
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
  warnings: Array<{ row: number; id: string | null; email: string | null; message: string }>
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
