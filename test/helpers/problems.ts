import assert from 'node:assert/strict'
import type { ApiResponse } from './client.js'

type ProblemResponse = Pick<ApiResponse, 'status' | 'headers' | 'body'> & { text?: string }

/**
 * Asserts an RFC 9457 problem of API.md: status, `code`, the `type` URN,
 * `application/problem+json`, a title and a detail, and on a 401 the exact
 * `WWW-Authenticate` challenge. With `path`, also a validation error at that JSON Pointer.
 */
export function assertProblem(response: ProblemResponse, status: number, code: string, path?: string): void {
  const shown = response.text ?? JSON.stringify(response.body)
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${shown}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.equal(response.body.code, code, shown)
  assert.equal(response.body.status, status)
  assert.equal(response.body.type, `urn:tessera:problem:${code}`)
  assert.equal(typeof response.body.title, 'string')
  assert.equal(typeof response.body.detail, 'string')
  if (status === 401) {
    const challenge = code === 'authorization_required' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"'
    assert.equal(response.headers.get('www-authenticate'), challenge)
  }
  if (path !== undefined) assertFieldError(response, path)
}

/** Asserts a `validation_failed` problem names the field at `path`. */
export function assertFieldError(response: ProblemResponse, path: string): void {
  assert.ok(Array.isArray(response.body.errors), `expected errors[] in ${response.text ?? JSON.stringify(response.body)}`)
  const paths = response.body.errors.map((error: { path: string }) => error.path)
  assert.ok(paths.includes(path), `expected an error at ${path}, got ${JSON.stringify(paths)}`)
}
