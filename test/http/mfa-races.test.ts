// One TOTP code (or one recovery code, or one mfa_token) presented by concurrent requests: exactly
// one wins, on every database; no conflict surfaces as a 5xx. The "works once" rule is one
// conditional UPDATE in storage/mfa-factors.ts. @see issue 18
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { api, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const RACERS = 8

describe('second-factor races', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ RATE_LIMIT_AUTH: '1000/1m', LOGIN_FAILURE_LIMIT: '100/15m' })
  })
  after(() => server?.stop())

  const challenge = (body: Record<string, unknown>) => api(server.url, '/auth/mfa/challenge', { body })

  function assertOneWinner(responses: Array<{ status: number; text: string; body: { code?: string } }>) {
    const won = responses.filter((response) => response.status === 200)
    assert.equal(won.length, 1, responses.map((response) => `${response.status} ${response.text.slice(0, 80)}`).join('\n'))
    for (const lost of responses.filter((response) => response.status !== 200)) {
      assert.equal(lost.status, 401, lost.text)
      assert.equal(lost.body.code, 'mfa_code_invalid', lost.text)
    }
  }

  it(`one TOTP code sent by ${RACERS} logins at once signs in exactly one of them (3 trials)`, async () => {
    for (let trial = 0; trial < 3; trial++) {
      const account = await register(server.url)
      const { secret } = await enrolTotp(server.url, account)
      const tokens = await Promise.all(Array.from({ length: RACERS }, () => loginForChallenge(server.url, account.email, PASSWORD)))
      const code = totpCode(secret, Date.now() + 30_000)
      assertOneWinner(await Promise.all(tokens.map(({ mfaToken }) => challenge({ mfa_token: mfaToken, code }))))
    }
  })

  it(`one recovery code sent by ${RACERS} logins at once signs in exactly one of them`, async () => {
    const account = await register(server.url)
    const { recoveryCodes } = await enrolTotp(server.url, account)
    const tokens = await Promise.all(Array.from({ length: RACERS }, () => loginForChallenge(server.url, account.email, PASSWORD)))
    assertOneWinner(await Promise.all(tokens.map(({ mfaToken }) => challenge({ mfa_token: mfaToken, recovery_code: recoveryCodes[0] }))))
  })

  it('enrolment started from several requests at once: every one is 201, and the last secret stored confirms', async () => {
    const account = await register(server.url)
    const started = await Promise.all(Array.from({ length: RACERS }, () => api(server.url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken })))
    for (const response of started) assert.equal(response.status, 201, response.text)
    // Exactly one of the secrets handed out is the stored one.
    const confirmations = []
    for (const response of started) {
      confirmations.push((await api(server.url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: totpCode(response.body.secret) } })).status)
      if (confirmations.at(-1) === 200) break
    }
    assert.equal(confirmations.at(-1), 200, confirmations.join(' '))
  })

  it('one mfa_token answered at once with different right recovery codes gives one session', async () => {
    const account = await register(server.url)
    const { recoveryCodes } = await enrolTotp(server.url, account)
    const { mfaToken } = await loginForChallenge(server.url, account.email, PASSWORD)
    assertOneWinner(await Promise.all(recoveryCodes.slice(0, RACERS).map((recoveryCode) => challenge({ mfa_token: mfaToken, recovery_code: recoveryCode }))))
  })
})
