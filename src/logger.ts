import pino, { type DestinationStream } from 'pino'
import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/**
 * pino paths that never reach a log line: credentials in headers, and the
 * secret fields of our bodies where a log call puts a body. Bodies are never
 * logged by Tessera itself; these are the guard rail. Only exact paths: pino's
 * wildcard paths cost more per line than the whole request they describe.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...['password', 'current_password', 'new_password', 'access_token', 'refresh_token', 'token'].flatMap((field) => [
    field,
    `body.${field}`,
    `req.body.${field}`,
  ]),
]

/** Longest a log line waits in the buffer before it is written. */
const FLUSH_INTERVAL_MS = 100

export interface LogDestination extends DestinationStream {
  flushSync(): void
}

/**
 * JSON lines on stdout, buffered: lines are written when 8 KiB have gathered
 * or every 100 ms, whichever comes first, and at shutdown. One write per batch
 * rather than per line is a third of the cost of logging every request
 * (measured: docs/performance.md). A crash loses at most the last 100 ms of lines.
 */
export function createLogDestination(): LogDestination {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8192 })
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref()
  // Whatever ends the process (shutdown, a startup failure), the buffered lines go out first.
  process.once('exit', () => {
    try {
      destination.flushSync()
    } catch {
      // stdout already closed: nothing left to write to
    }
  })
  return destination
}

export function loggerOptions(config: Config, stream: DestinationStream = createLogDestination()): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    stream,
  }
}
