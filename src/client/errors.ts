import type { TesseraErrorCode } from './types.js'

/** A field-level validation message of a `validation_failed` problem. */
export interface FieldError {
  /** JSON Pointer to the field, e.g. `/email`. */
  path: string
  message: string
}

/**
 * Every failure the client reports: an RFC 9457 problem from the server, or a
 * request that got no usable answer. Branch on `code`, show `detail`.
 *
 * @example
 * try {
 *   await tessera.login({ email, password })
 * } catch (error) {
 *   if (error instanceof TesseraError && error.code === 'invalid_credentials') showWrongPassword()
 *   else if (error instanceof TesseraError && error.code === 'rate_limited') retryIn(error.retryAfter)
 *   else throw error
 * }
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError'
  /** Stable and machine-readable (docs/errors.md). */
  readonly code: TesseraErrorCode
  /** The HTTP status; 0 when no answer came back. */
  readonly status: number
  /** For people; may change between versions. */
  readonly detail: string
  /** Seconds to wait, from `Retry-After` (429 `rate_limited`, 503 `service_unavailable`). */
  readonly retryAfter: number | undefined
  /** Per-field messages of `validation_failed`. */
  readonly errors: FieldError[] | undefined
  /** The whole problem document, for members beyond the standard ones (e.g. `mfa_token`, `methods` of `mfa_required`). */
  readonly problem: Readonly<Record<string, unknown>>

  constructor(code: TesseraErrorCode, status: number, detail: string, options: { retryAfter?: number; errors?: FieldError[]; problem?: Record<string, unknown>; cause?: unknown } = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = status
    this.detail = detail
    this.retryAfter = options.retryAfter
    this.errors = options.errors
    this.problem = options.problem ?? {}
  }
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

function isFieldErrors(value: unknown): value is FieldError[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && typeof item.path === 'string' && typeof item.message === 'string')
}

/**
 * The TesseraError for a failed answer. A problem+json body gives its code; anything else
 * (a proxy's HTML 502, an empty body) is `invalid_response` with the status kept.
 */
export async function errorFromResponse(response: Response): Promise<TesseraError> {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'))
  let problem: Record<string, unknown> | undefined
  try {
    const parsed: unknown = JSON.parse(await response.text())
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { code?: unknown }).code === 'string') problem = parsed as Record<string, unknown>
  } catch {
    // not JSON: handled below
  }
  if (problem === undefined) return new TesseraError('invalid_response', response.status, `HTTP ${response.status} without a problem document`, { retryAfter })
  const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`
  return new TesseraError(problem.code as string, response.status, detail, { retryAfter, errors: isFieldErrors(problem.errors) ? problem.errors : undefined, problem })
}

/** A fetch that threw (DNS, refused connection, CORS, abort) as a TesseraError, keeping the cause. */
export function networkError(cause: unknown): TesseraError {
  if (cause instanceof TesseraError) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  return new TesseraError('network_error', 0, `The request got no answer: ${message}`, { cause })
}
