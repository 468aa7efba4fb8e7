import { describeMapping } from '../import/mapping.js'
import type { ImportReport } from '../import/report.js'
import { row } from './output.js'

// How `tessera import` prints its report (as user-format.ts does for users): the report itself,
// what an import did, is import/report.ts, which knows nothing of the CLI's output.

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
