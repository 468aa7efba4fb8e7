import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/**
 * Refresh tokens are opaque to clients: `tsr_<id>.<secret>`. The id finds the
 * row; only a SHA-256 of the 256-bit secret is stored (as Lucia does), so a
 * database leak yields no usable token. The prefix lets every endpoint tell a
 * refresh token from a JWT at a glance (`wrong_token_type`).
 */
export const REFRESH_TOKEN_PREFIX = 'tsr_'

const TOKEN_PATTERN = /^tsr_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/

export interface NewRefreshToken {
  id: string
  secretHash: string
  /** What the client receives. */
  token: string
}

export function createRefreshToken(): NewRefreshToken {
  const id = uuidv7()
  const secret = randomBytes(32).toString('base64url')
  return { id, secretHash: hashSecret(secret), token: `${REFRESH_TOKEN_PREFIX}${id}.${secret}` }
}

export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(REFRESH_TOKEN_PREFIX)
}

/** Splits a refresh token into id and secret, or returns undefined when it is malformed. */
export function parseRefreshToken(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token)
  return match ? { id: match[1]!, secret: match[2]! } : undefined
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex')
  const stored = Buffer.from(storedHash, 'hex')
  return presented.length === stored.length && timingSafeEqual(presented, stored)
}
