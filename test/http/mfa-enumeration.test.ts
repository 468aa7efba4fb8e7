/**
 * A wrong password gets the same answer whether or not the account has a second factor:
 * status, headers, byte-identical body and, roughly, time (the factor is only looked at
 * after the password is right). Measured as test/http/enumeration.test.ts does. @see issue 18
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { api, register, type Account, type ApiResponse } from '../helpers/client.js'
import { enrolTotp } from '../helpers/mfa.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const VARYING = /^(x-request-id|date|.*ratelimit.*|retry-after|keep-alive|connection)$/i
const WRONG_PASSWORD = 'wrong password 123456'

function comparableHeaders(response: ApiResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (!VARYING.test(name)) headers[name] = value
  })
  return headers
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

describe('a wrong password does not tell whether the account has a second factor', () => {
  let server: RunningServer
  let plain: Account
  let withTotp: Account
  before(async () => {
    server = await startServer({ LOGIN_FAILURE_LIMIT: '1000/1m', RATE_LIMIT_AUTH: '1000/1m' }, { hashCost: 'owasp' }) // timing: real hashes
    plain = await register(server.url)
    withTotp = await register(server.url)
    await enrolTotp(server.url, withTotp)
  })
  after(() => server.stop())

  const wrongLogin = (account: Account) => api(server.url, '/auth/login', { body: { email: account.email, password: WRONG_PASSWORD } })

  it('same status, byte-identical body and the same headers', async () => {
    const a = await wrongLogin(plain)
    const b = await wrongLogin(withTotp)
    assert.equal(a.status, 401, a.text)
    assert.equal(a.body.code, 'invalid_credentials')
    assert.equal(a.text, b.text)
    assert.deepEqual(comparableHeaders(a), comparableHeaders(b))
    // The comparison is not against a broken factor: the right password does ask for the code.
    const right = await api(server.url, '/auth/login', { body: { email: withTotp.email, password: withTotp.password } })
    assert.equal(right.body.code, 'mfa_required', right.text)
  })

  it('about the same time (ratio of medians within 0.5..2)', async () => {
    const plainTimes: number[] = []
    const totpTimes: number[] = []
    const timed = async (account: Account, into: number[]) => {
      const start = performance.now()
      const response = await wrongLogin(account)
      into.push(performance.now() - start)
      assert.equal(response.status, 401, response.text)
    }
    for (let i = 0; i < 2; i++) {
      await timed(plain, [])
      await timed(withTotp, [])
    }
    for (let i = 0; i < 15; i++) {
      if (i % 2 === 0) {
        await timed(plain, plainTimes)
        await timed(withTotp, totpTimes)
      } else {
        await timed(withTotp, totpTimes)
        await timed(plain, plainTimes)
      }
    }
    const ratio = median(plainTimes) / median(totpTimes)
    assert.ok(ratio >= 0.5 && ratio <= 2, `median without a factor ${median(plainTimes).toFixed(1)} ms vs with TOTP ${median(totpTimes).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`)
  })
})
