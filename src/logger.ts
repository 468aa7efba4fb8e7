import pino from 'pino'
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
  ...['password', 'current_password', 'new_password', 'access_token', 'refresh_token'].flatMap((field) => [
    field,
    `body.${field}`,
    `req.body.${field}`,
  ]),
]

/**
 * JSON lines on stdout, written asynchronously (sonic-boom coalesces the lines
 * of one tick into one write), so logging never waits on a slow pipe.
 */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    stream: pino.destination({ dest: 1, sync: false }),
  }
}
