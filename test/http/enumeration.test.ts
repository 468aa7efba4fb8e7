/**
 * Account enumeration through login (OWASP Authentication cheat sheet): an
 * unknown account and a wrong password must look the same in status, headers,
 * body and, roughly, in time (unknown users also pay for a password hash).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'

/** Headers that legitimately differ between two responses. */
const VARYING = /^(x-request-id|date|.*ratelimit.*|retry-after|keep-alive|connection)$/i

function comparableHeaders(response: ApiResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (!VARYING.test(name)) headers[name] = value
  })
  return headers
}

const WRONG_PASSWORD = 'wrong password 123456'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

describe('login does not tell unknown accounts from wrong passwords', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer({ LOGIN_FAILURE_LIMIT: '1000/1m', RATE_LIMIT_AUTH: '1000/1m' }, { hashCost: 'owasp' }) // timing: real hashes
    account = await register(server.url, { username: 'known_user' })
  })
  after(() => server.stop())

  const pairs: Array<{ name: string; unknown: () => RequestInit; wrong: () => RequestInit }> = [
    {
      name: 'by email',
      unknown: () => json({ email: uniqueEmail('nobody'), password: WRONG_PASSWORD }),
      wrong: () => json({ email: account.email, password: WRONG_PASSWORD }),
    },
    {
      name: 'by email with the right password of another account',
      unknown: () => json({ email: uniqueEmail('nobody'), password: PASSWORD }),
      wrong: () => json({ email: account.email, password: WRONG_PASSWORD }),
    },
    {
      name: 'by username',
      unknown: () => json({ username: 'nobody_here', password: WRONG_PASSWORD }),
      wrong: () => json({ username: 'known_user', password: WRONG_PASSWORD }),
    },
    {
      name: 'by HTTP Basic',
      unknown: () => basic(`${uniqueEmail('nobody')}:${WRONG_PASSWORD}`),
      wrong: () => basic(`${account.email}:${WRONG_PASSWORD}`),
    },
  ]

  for (const pair of pairs) {
    it(`${pair.name}: same status, byte-identical body and the same headers`, async () => {
      const unknown = await post(server.url, pair.unknown())
      const wrong = await post(server.url, pair.wrong())
      assert.equal(unknown.status, 401, unknown.text)
      assert.equal(wrong.status, 401, wrong.text)
      assert.equal(unknown.body.code, 'invalid_credentials')
      assert.equal(unknown.text, wrong.text)
      assert.deepEqual(comparableHeaders(unknown), comparableHeaders(wrong))
      assert.equal(unknown.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    })
  }

  it('the right password still logs in (the comparisons above are not against a broken login)', async () => {
    const response = await post(server.url, json({ email: account.email, password: PASSWORD }))
    assert.equal(response.status, 200, response.text)
  })

  it('unknown accounts take about as long as wrong passwords (ratio of medians within 0.5..2)', async () => {
    const unknownTimes: number[] = []
    const wrongTimes: number[] = []
    const timed = async (init: RequestInit, into: number[]) => {
      const start = performance.now()
      const response = await post(server.url, init)
      into.push(performance.now() - start)
      assert.equal(response.status, 401, response.text)
    }
    // Warm up both paths (JIT, first hash, connection) before measuring.
    for (let i = 0; i < 2; i++) {
      await timed(pairs[0]!.unknown(), [])
      await timed(pairs[0]!.wrong(), [])
    }
    for (let i = 0; i < 15; i++) {
      // Alternate which goes first, so drift in machine load hits both sides alike.
      if (i % 2 === 0) {
        await timed(pairs[0]!.unknown(), unknownTimes)
        await timed(pairs[0]!.wrong(), wrongTimes)
      } else {
        await timed(pairs[0]!.wrong(), wrongTimes)
        await timed(pairs[0]!.unknown(), unknownTimes)
      }
    }
    const ratio = median(unknownTimes) / median(wrongTimes)
    assert.ok(
      ratio >= 0.5 && ratio <= 2,
      `median unknown ${median(unknownTimes).toFixed(1)} ms vs wrong password ${median(wrongTimes).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`,
    )
  })
})

function json(body: Record<string, unknown>): RequestInit {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
}

function basic(credentials: string): RequestInit {
  return { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } }
}

async function post(url: string, init: RequestInit): Promise<ApiResponse> {
  const response = await fetch(new URL('/auth/login', url), { method: 'POST', ...init })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null }
}
