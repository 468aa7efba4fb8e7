/** TOTP helpers for black-box tests: codes are computed from the secret the server handed out, as an authenticator app would. */
import assert from 'node:assert/strict'
import { Secret, TOTP } from 'otpauth'
import { api, type Account } from './client.js'

/** The code an authenticator app shows at `at` (epoch ms) for `secret` (base32). */
export function totpCode(secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at })
}

export interface EnrolledTotp {
  secret: string
  recoveryCodes: string[]
}

/**
 * Enrols and confirms TOTP for a signed-in account (a fresh token). The confirmation uses the
 * code of the current step, so a login right after needs the next step's: `totpCode(secret, Date.now() + 30_000)`.
 */
export async function enrolTotp(url: string, account: Pick<Account, 'accessToken'>): Promise<EnrolledTotp> {
  const started = await api(url, '/auth/mfa/totp', { method: 'POST', token: account.accessToken })
  assert.equal(started.status, 201, started.text)
  const confirmed = await api(url, '/auth/mfa/totp/confirm', { token: account.accessToken, body: { code: totpCode(started.body.secret) } })
  assert.equal(confirmed.status, 200, confirmed.text)
  return { secret: started.body.secret, recoveryCodes: confirmed.body.recovery_codes }
}

/** A password login that must answer mfa_required; its mfa_token. */
export async function loginForChallenge(url: string, email: string, password: string): Promise<{ mfaToken: string; methods: string[] }> {
  const response = await api(url, '/auth/login', { body: { email, password } })
  assert.equal(response.status, 401, response.text)
  assert.equal(response.body.code, 'mfa_required', response.text)
  return { mfaToken: response.body.mfa_token, methods: response.body.methods }
}
