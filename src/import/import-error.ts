/**
 * Why an import could not run at all (as opposed to rows it skipped): the
 * source cannot be read, or the mapping does not fit it. The command prints
 * the code and exits 1; a wrong command line is a UsageError (exit 2) instead.
 */
export type ImportErrorCode = 'source_unreadable' | 'mapping_invalid'

export class ImportError extends Error {
  readonly code: ImportErrorCode
  constructor(code: ImportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ImportError'
    this.code = code
  }
}

/** A driver's message, without anything after the first line (some append the failing SQL). */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0] ?? message
}
