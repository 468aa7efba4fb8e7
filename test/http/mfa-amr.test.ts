// amr (RFC 8176) on every access token, kept by refreshes, and requireAuth({ mfa: true }). @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { decodeJwt } from 'jose'
import { buildApp, loadConfig } from '../../src/index.js'
import { api, login, PASSWORD, register } from '../helpers/client.js'
import { enrolTotp, loginForChallenge, totpCode } from '../helpers/mfa.js'
import { assertProblem } from '../helpers/problems.js'

describe('amr and step-up', () => {
  let app: FastifyInstance
  let url: string
  before(async () => {
    app = await buildApp({ config: loadConfig({ DATABASE_URL: 'sqlite::memory:', RATE_LIMIT_AUTH: '1000/1m' }), logger: false, passwordHashCost: { memoryCost: 8, timeCost: 1, parallelism: 1 } })
    // A host route that needs two factors, as a user of the plugin would write it.
    app.get('/step-up', { onRequest: app.requireAuth({ mfa: true }) }, async (request) => ({ amr: request.auth!.amr }))
    url = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(() => app.close())

  it('register and password login give amr ["pwd"] and fresh; a refresh keeps amr, not fresh', async () => {
    const account = await register(url)
    assert.deepEqual(decodeJwt(account.accessToken).amr, ['pwd'])
    const again = await login(url, account.email)
    const claims = decodeJwt(again.accessToken)
    assert.deepEqual(claims.amr, ['pwd'])
    assert.equal(claims.fresh, true)
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: again.refreshToken } })
    assert.equal(refreshed.status, 200, refreshed.text)
    const after = decodeJwt(refreshed.body.access_token)
    assert.deepEqual(after.amr, ['pwd'])
    assert.equal(after.fresh, false)
  })

  it('requireAuth({ mfa: true }) refuses a password-only token with 401 mfa_required', async () => {
    const account = await register(url)
    assertProblem(await api(url, '/step-up', { token: account.accessToken }), 401, 'mfa_required')
  })

  it('a TOTP login and a recovery-code login pass it, and keep passing after a refresh (amr stays, fresh does not)', async () => {
    const account = await register(url)
    const { secret, recoveryCodes } = await enrolTotp(url, account)
    // The password-only token of the enrolling session still does not pass.
    assertProblem(await api(url, '/step-up', { token: account.accessToken }), 401, 'mfa_required')
    const withCode = await api(url, '/auth/mfa/challenge', { body: { mfa_token: (await loginForChallenge(url, account.email, PASSWORD)).mfaToken, code: totpCode(secret, Date.now() + 30_000) } })
    const passed = await api(url, '/step-up', { token: withCode.body.access_token })
    assert.equal(passed.status, 200, passed.text)
    assert.deepEqual(passed.body.amr, ['pwd', 'otp'])
    const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: withCode.body.refresh_token } })
    assert.deepEqual((await api(url, '/step-up', { token: refreshed.body.access_token })).body.amr, ['pwd', 'otp'])
    const withRecovery = await api(url, '/auth/mfa/challenge', { body: { mfa_token: (await loginForChallenge(url, account.email, PASSWORD)).mfaToken, recovery_code: recoveryCodes[0] } })
    assert.deepEqual((await api(url, '/step-up', { token: withRecovery.body.access_token })).body.amr, ['pwd', 'mfa'])
  })

  it('requireAuth checks its options when the hook is made', () => {
    assert.throws(() => app.requireAuth({ mfa: 'yes' as unknown as boolean }), TypeError)
    assert.throws(() => app.requireAuth({ mfa: true, twoFactor: true } as never), TypeError)
  })
})
