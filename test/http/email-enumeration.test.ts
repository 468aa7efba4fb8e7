/**
 * Account enumeration through the forgot-password form (OWASP Forgot Password cheat sheet): an
 * unknown address, an inactive account, an unverified one and a verified one get the same
 * status, body and headers, and roughly the same time (measured as enumeration.test.ts measures
 * login). Only an existing active account gets a link. @see issue 16
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, register, uniqueEmail, type ApiResponse } from '../helpers/client.js'
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js'

const VARYING = /^(x-request-id|date|.*ratelimit.*|retry-after|keep-alive|connection)$/i
const ADMIN_EMAIL = 'forgot-admin@example.com'
const ADMIN_PASSWORD = 'forgot admin password'

function comparableHeaders(response: ApiResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (!VARYING.test(name)) headers[name] = value
  })
  return headers
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
const median = (values: number[]) => percentile(values, 50)

describe('forgot-password does not tell who has an account', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  const addresses: Record<'unknown' | 'inactive' | 'unverified' | 'verified', () => string> = {} as never
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, RATE_LIMIT_AUTH: '10000/1m', RATE_LIMIT_EMAIL: '10000/1h', ADMIN_EMAIL, ADMIN_PASSWORD })
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const inactive = await register(server.url)
    await api(server.url, `/admin/users/${inactive.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })
    const unverified = await register(server.url)
    const verified = await register(server.url)
    await api(server.url, `/admin/users/${verified.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { email_verified: true } })
    addresses.unknown = () => uniqueEmail('nobody')
    addresses.inactive = () => inactive.email
    addresses.unverified = () => unverified.email
    addresses.verified = () => verified.email
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  const forgot = (email: string) => api(server.url, '/auth/password/forgot', { body: { email } })

  it('same status, byte-identical body and the same headers for every kind of address', async () => {
    const answers = await Promise.all(Object.values(addresses).map((address) => forgot(address())))
    for (const answer of answers) {
      assert.equal(answer.status, 202, answer.text)
      assert.equal(answer.text, answers[0]!.text)
      assert.deepEqual(comparableHeaders(answer), comparableHeaders(answers[0]!))
    }
  })

  it('a link goes only to existing active accounts', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const resetsTo = (address: string) => smtp.mails.filter((mail) => mail.envelope.to.includes(address) && /reset-password/.test(mail.text ?? '')).length
    assert.equal(resetsTo(addresses.inactive()), 0)
    assert.ok(resetsTo(addresses.unverified()) >= 1)
    assert.ok(resetsTo(addresses.verified()) >= 1)
  })

  it('unknown, inactive and unverified addresses take about as long as a verified account (ratio of medians within 0.5..2)', async (t) => {
    const kinds = Object.keys(addresses) as Array<keyof typeof addresses>
    const times: Record<string, number[]> = Object.fromEntries(kinds.map((kind) => [kind, []]))
    const timed = async (kind: keyof typeof addresses, into: number[]) => {
      const start = performance.now()
      const response = await forgot(addresses[kind]())
      into.push(performance.now() - start)
      assert.equal(response.status, 202)
    }
    for (let i = 0; i < 3; i++) for (const kind of kinds) await timed(kind, []) // warm-up
    for (let i = 0; i < 40; i++) {
      // Rotate which goes first, so drift in machine load hits every kind alike.
      const order = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)]
      for (const kind of order) await timed(kind, times[kind]!)
    }
    const all = kinds.flatMap((kind) => times[kind]!)
    t.diagnostic(`forgot-password answer time over ${all.length} requests: p50 ${median(all).toFixed(2)} ms, p99 ${percentile(all, 99).toFixed(2)} ms`)
    for (const kind of kinds) t.diagnostic(`${kind}: median ${median(times[kind]!).toFixed(2)} ms, p99 ${percentile(times[kind]!, 99).toFixed(2)} ms`)
    for (const kind of ['unknown', 'inactive', 'unverified'] as const) {
      const ratio = median(times[kind]!) / median(times.verified!)
      t.diagnostic(`${kind} / verified: ratio of medians ${ratio.toFixed(2)}`)
      assert.ok(ratio >= 0.5 && ratio <= 2, `median ${kind} ${median(times[kind]!).toFixed(2)} ms vs verified ${median(times.verified!).toFixed(2)} ms (ratio ${ratio.toFixed(2)})`)
    }
  })
})
