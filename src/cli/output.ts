/**
 * How commands answer: plain lines on stdout by default (one record per line,
 * tab-separated fields, easy to `cut` or `grep`), or exactly one JSON document
 * with `--json`. Problems go to stderr as `tessera: <code>: <message>`, and with
 * `--json` also to stdout as `{"error":{"code","message"}}` so a script parsing
 * stdout always gets a document.
 */
export interface Output {
  readonly json: boolean
  /** Prints the command's result: `data` with `--json`, otherwise `lines`. */
  result(data: unknown, lines: string[]): void
  /** Prints a problem; `code` is the stable part scripts match on. */
  problem(code: string, message: string, details?: string[]): void
  /** One `tessera: <message>` line on stderr that is neither result nor problem (a warning, "nothing to apply"). */
  notice(message: string): void
  /** Text as it is on stdout (`--help`). */
  text(text: string): void
}

/** Where a command's output goes: the process's streams, or a test's buffers (`runCli`). */
export interface OutputStreams {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

export function createOutput(json: boolean, { stdout, stderr }: OutputStreams = process): Output {
  return {
    json,
    result(data, lines) {
      if (json) stdout.write(`${JSON.stringify(data, null, 2)}\n`)
      else if (lines.length > 0) stdout.write(`${lines.join('\n')}\n`)
    },
    problem(code, message, details = []) {
      stderr.write(`tessera: ${code}: ${message}\n${details.map((line) => `  ${line}\n`).join('')}`)
      if (json) stdout.write(`${JSON.stringify({ error: { code, message, details } })}\n`)
    },
    notice(message) {
      stderr.write(`tessera: ${message}\n`)
    },
    text(text) {
      stdout.write(text)
    },
  }
}

/** A table row: fields joined by tabs, empty fields shown as `-`. */
export function row(...fields: Array<string | number | boolean | null | undefined>): string {
  return fields.map((field) => (field === null || field === undefined || field === '' ? '-' : String(field))).join('\t')
}
