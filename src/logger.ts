import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/**
 * pino paths that never reach a log line: credentials in headers and the
 * secret fields of our bodies, wherever a log call puts them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...['password', 'current_password', 'new_password', 'access_token', 'refresh_token', 'token', 'secret'].flatMap((field) => [
    field,
    `*.${field}`,
    `*.*.${field}`,
  ]),
]

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
}
