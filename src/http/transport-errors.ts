import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js'
import { problemType, sendProblem } from './plugins/problem.js'

/**
 * Errors the HTTP layer answers before any route or hook of ours runs, made
 * into the same problem+json every other error is (issue 14, finding 4):
 *
 * - node:http's `clientError` (Fastify's `clientErrorHandler`): a malformed
 *   request line or header, headers over the size limit, a request that took
 *   longer than `requestTimeout`. There is no request or reply object then,
 *   only the socket, so the response bytes are written onto it here.
 * - Fastify's `frameworkErrors`: a URL that does not decode, a path parameter
 *   over `maxParamLength`. Fastify's default bodies echo the decoded path
 *   (`'<script>…' is not a valid url component`); ours never repeat the request.
 * - A request with two `Host` headers, or an HTTP/1.1 request with none
 *   (RFC 9112 §3.2): node:http keeps the first of two and answers a missing
 *   one with a bare 400 of its own, so both are checked in an onRequest hook.
 */

/** The security headers, computed once at start (security-headers.ts), for answers written without a reply. */
export interface TransportErrorOptions {
  securityHeaders: Record<string, string>
  log: () => FastifyBaseLogger
}

function clientErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout'
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large'
  return 'bad_request'
}

const CLIENT_ERROR_DETAIL: Partial<Record<ErrorCode, string>> = {
  request_timeout: 'The request was not received in time',
  headers_too_large: 'The request headers are too large',
  bad_request: 'The request is not valid HTTP',
}

/** A whole HTTP/1.1 response: status line, headers, problem+json body. The connection is closed after it. */
export function rawProblemResponse(code: ErrorCode, detail: string, securityHeaders: Record<string, string>): string {
  const { status, title } = ERROR_CODES[code]
  const body = JSON.stringify({ type: problemType(code), title, status, detail, code })
  const headers: Record<string, string> = {
    ...securityHeaders,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-request-id': randomUUID(),
    connection: 'close',
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? title}\r\n${lines.join('\r\n')}\r\n\r\n${body}`
}

/** Fastify's `clientErrorHandler`: called with `this` as the Fastify instance, the socket and node's parse error. */
export function createClientErrorHandler(options: TransportErrorOptions) {
  return function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection, or one already gone: nobody is there to answer (node's docs for 'clientError').
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const code = clientErrorCode(error)
    options.log().debug({ code, cause: error.code }, 'client error')
    // Node does the same check: once a response has started on this socket, nothing more may be written.
    const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
    if (socket.writable && !started) socket.end(rawProblemResponse(code, CLIENT_ERROR_DETAIL[code]!, options.securityHeaders))
    else socket.destroy()
  }
}

/** Fastify's `frameworkErrors`: no hook has run, so the headers every answer carries are set here. */
export function createFrameworkErrorHandler(options: TransportErrorOptions) {
  return function onFrameworkError(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
    reply.headers(options.securityHeaders)
    reply.header('x-request-id', request.id)
    const appError =
      error.code === 'FST_ERR_BAD_URL'
        ? new AppError('bad_request', 'The request URL is malformed')
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('uri_too_long', 'A path segment of the request URL is too long')
          : new AppError('internal_error', 'An unexpected error occurred', { cause: error })
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
    void sendProblem(reply, appError)
  }
}

/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to
 * any HTTP/1.1 request message that lacks a Host header field and to any request
 * message that contains more than one Host header field". A loop over the raw
 * header names, no allocation: it runs on every request.
 */
export function hostHeaderProblem(raw: { rawHeaders: string[]; httpVersionMajor: number; httpVersionMinor: number }): AppError | undefined {
  let hosts = 0
  const names = raw.rawHeaders
  for (let i = 0; i < names.length; i += 2) {
    const name = names[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++
  }
  if (hosts > 1) return new AppError('bad_request', 'The request has more than one Host header')
  if (hosts === 0 && raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1) return new AppError('bad_request', 'The request has no Host header')
  return undefined
}
