import { createHash, randomBytes } from 'node:crypto'

/** API: an mfa_token is single use and lives 5 minutes. */
export const MFA_TOKEN_TTL_MS = 5 * 60_000
/** Wrong answers one mfa_token takes before it dies (the password must then be given again). */
export const MFA_TOKEN_ATTEMPTS = 5

/** 32 random bytes, base64url: the client holds it, the database only its SHA-256. */
export function newMfaToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashMfaToken(token) }
}

export function hashMfaToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
