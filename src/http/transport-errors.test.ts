import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { request } from 'node:http'
import pino from 'pino'
import { createClientErrorHandler, hostHeaderProblem } from './transport-errors.js'

const SECURITY = { 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" }

/**
 * node:http's request timeout (ERR_HTTP_REQUEST_TIMEOUT) needs 30 s of waiting in a
 * black-box test; here a real socket gets the handler's answer to that error instead.
 */
describe('the clientError handler', () => {
  for (const [cause, status, code] of [
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['HPE_INVALID_METHOD', 400, 'bad_request'],
  ] as const) {
    it(`answers ${cause} with ${status} ${code} as problem+json bytes on the socket`, async () => {
      const handler = createClientErrorHandler({ securityHeaders: SECURITY, log: () => pino({ enabled: false }) })
      const server = createServer((socket) => handler(Object.assign(new Error(cause), { code: cause }), socket))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const { port } = server.address() as AddressInfo
        const response = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
          request({ port, host: '127.0.0.1', path: '/' }, (res) => {
            let body = ''
            res.on('data', (chunk) => (body += chunk))
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
          })
            .on('error', reject)
            .end()
        })
        assert.equal(response.status, status)
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
        assert.equal(response.headers['x-content-type-options'], 'nosniff')
        assert.ok(response.headers['x-request-id'])
        const body = JSON.parse(response.body)
        assert.equal(body.code, code)
        assert.equal(body.status, status)
        assert.equal(body.type, `urn:tessera:problem:${code}`)
      } finally {
        server.close()
      }
    })
  }
})

describe('hostHeaderProblem (RFC 9112 §3.2)', () => {
  const message = (rawHeaders: string[], minor = 1) => ({ rawHeaders, httpVersionMajor: 1, httpVersionMinor: minor })
  it('refuses two Host headers and an HTTP/1.1 request without one', () => {
    assert.equal(hostHeaderProblem(message(['Host', 'a', 'host', 'a']))?.code, 'bad_request')
    assert.equal(hostHeaderProblem(message(['Accept', '*/*']))?.code, 'bad_request')
  })
  it('accepts one Host header, and none on HTTP/1.0', () => {
    assert.equal(hostHeaderProblem(message(['Host', 'a', 'X-Host', 'b'])), undefined)
    assert.equal(hostHeaderProblem(message([], 0)), undefined)
  })
})
