import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, ERROR_CODES, type FieldError } from '../../errors.js'

/** The `type` URI of a problem: stable, and names the code (RFC 9457 §3.1.1). */
export function problemType(code: string): string {
  return `urn:tessera:problem:${code}`
}

/** Fastify's own errors, by code, to ours. */
const FASTIFY_CODES: Record<string, AppError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
}

/**
 * Errors of an unreachable dependency (database or Redis driver): 503 with
 * Retry-After, so clients retry, rather than a 500 that reads as a bug.
 */
const DEPENDENCY_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST', '57P01', '57P03', '08006', '08001', '08003', 'SQLITE_BUSY'])

function isDependencyDown(error: { code?: unknown; name?: unknown; message?: unknown } | null | undefined): boolean {
  if (!error) return false
  if (typeof error.code === 'string' && DEPENDENCY_DOWN.has(error.code)) return true
  if (error.name === 'MaxRetriesPerRequestError') return true
  // ioredis with its offline queue disabled, and pg or mysql2 pools that cannot connect
  return typeof error.message === 'string' && /enableOfflineQueue|Connection is closed|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection terminated/.test(error.message)
}

const BY_STATUS: Record<number, AppError['code']> = {
  400: 'validation_failed',
  401: 'authorization_required',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
}

/** Turns anything thrown into an AppError; unknown errors become a bare internal_error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const e = error as FastifyError & { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> }
  if (e?.validation) {
    const errors = e.validation.map(toFieldError)
    const first = errors[0]
    return new AppError('validation_failed', first ? `${first.path || 'value'} ${first.message}` : 'Invalid request', { errors })
  }
  const mapped = (e?.code && FASTIFY_CODES[e.code]) || (typeof e?.statusCode === 'number' ? BY_STATUS[e.statusCode] : undefined)
  if (mapped) return new AppError(mapped, e.message, { cause: error })
  if (isDependencyDown(e) || isDependencyDown(e?.cause as typeof e)) {
    return new AppError('service_unavailable', 'A dependency is unreachable; try again shortly', { cause: error, headers: { 'retry-after': '5' } })
  }
  return new AppError('internal_error', 'An unexpected error occurred', { cause: error })
}

function toFieldError(issue: { instancePath: string; message?: string; params?: Record<string, unknown> }): FieldError {
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty
  const path = extra === undefined ? issue.instancePath : `${issue.instancePath}/${String(extra)}`
  const message = issue.params?.additionalProperty !== undefined ? 'is not an allowed field' : (issue.message ?? 'is invalid')
  return { path, message }
}

/** RFC 6750 §3: every 401 says how to authenticate; "invalid_request" when nothing was sent. */
function wwwAuthenticate(error: AppError): string | undefined {
  if (error.status !== 401) return undefined
  return error.code === 'authorization_required' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"'
}

/**
 * Writes the problem. `extra` adds members (RFC 9457 §3.2 extensions): a compatibility
 * profile's legacy fields such as `message`, which its old clients read (src/compat/).
 */
export function sendProblem(reply: FastifyReply, error: AppError, extra: Record<string, unknown> = {}): FastifyReply {
  reply.request.problem = error // for the audit log (plugins/audit.ts)
  const body: Record<string, unknown> = {
    type: problemType(error.code),
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.code === 'internal_error' ? 'An unexpected error occurred' : error.message,
    code: error.code,
  }
  if (error.errors) body.errors = error.errors
  // Extension members never override the standard ones.
  for (const [name, value] of Object.entries(error.extensions ?? {})) if (!(name in body)) body[name] = value
  Object.assign(body, extra)
  for (const [name, value] of Object.entries(error.headers ?? {})) reply.header(name, value)
  const challenge = wwwAuthenticate(error)
  // An error that names its own challenge (HTTP Basic for introspection clients, RFC 7617) keeps it.
  if (challenge && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', challenge)
  if (error.code === 'service_unavailable' && !reply.hasHeader('retry-after')) reply.header('retry-after', '5')
  // A string payload bypasses the route's response serializer: the body is exactly this.
  return reply.code(error.status).type('application/problem+json').send(JSON.stringify(body))
}

/**
 * The one place that writes error bodies: every failure becomes RFC 9457
 * problem+json with a stable `code`; unexpected errors are logged with their
 * cause and answered without stack or SQL.
 */
export interface ProblemPluginOptions {
  /** Members added to every problem (a compatibility profile's legacy fields, src/compat/). */
  extra?: (error: AppError) => Record<string, unknown>
}

export const problemPlugin = fp<ProblemPluginOptions>(
  async (app, { extra }) => {
    app.setErrorHandler((error, request: FastifyRequest, reply) => {
      const appError = toAppError(error)
      // An outage is expected and already reported by the check that found it: one warning line, no stack.
      if (appError.code === 'service_unavailable') request.log.warn({ code: appError.code, detail: appError.message }, 'request refused: dependency unavailable')
      else if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
      return sendProblem(reply, appError, extra?.(appError))
    })
    app.setNotFoundHandler((request, reply) => {
      const error = new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`)
      return sendProblem(reply, error, extra?.(error))
    })
  },
  { name: 'tessera-problem' },
)
