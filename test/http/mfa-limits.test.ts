// LOGIN_FAILURE_LIMIT stops code guessing (even the right code waits), and RATE_LIMIT_AUTH covers
// POST /auth/mfa/challenge. The measured bound is in src/services/factors/challenge.test.ts. @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { api, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, type RunningServer } from '../helpers/server.js'

describe('LOGIN_FAILURE_LIMIT=3/15m on the challenge', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ LOGIN_FAILURE_LIMIT: '3/15m', RATE_LIMIT_AUTH: '1000/1m' })
  })
  after(() => server?.stop())

  it('three wrong codes, then 429 rate_limited with Retry-After even for the right code; a right password does not reset it', async () => {
    const account = await register(server.url)
    const { secret } = await enrolTotp(server.url, account)
    const { mfaToken } = await loginForChallenge(server.url, account.email, PASSWORD)
    for (let i = 0; i < 3; i++) assertProblem(await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: mfaToken, code: '000000' } }), 401, 'mfa_code_invalid')
    const again = await loginForChallenge(server.url, account.email, PASSWORD).catch(() => undefined)
    const refused = await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: again?.mfaToken ?? mfaToken, code: totpCode(secret, Date.now() + 30_000) } })
    assertProblem(refused, 429, 'rate_limited')
    assert.ok(Number(refused.headers.get('retry-after')) > 0)
  })
})

describe('RATE_LIMIT_AUTH=3/1m', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ RATE_LIMIT_AUTH: '3/1m' })
  })
  after(() => server?.stop())

  it('counts POST /auth/mfa/challenge with register and login', async () => {
    await register(server.url) // 1
    assertProblem(await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: 'x', code: '123456' } }), 401, 'mfa_code_invalid') // 2
    assertProblem(await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: 'x', code: '123456' } }), 401, 'mfa_code_invalid') // 3
    assertProblem(await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: 'x', code: '123456' } }), 429, 'rate_limited')
  })
})
