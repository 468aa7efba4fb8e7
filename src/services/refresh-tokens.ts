import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import type { SettingQueries } from '../storage/settings.js'

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

/** A session's first refresh token: a random 256-bit secret. */
export function createRefreshToken(): NewRefreshToken {
  return refreshTokenWith(uuidv7(), randomBytes(32).toString('base64url'))
}

/** The token text for a row id and its secret. */
export function refreshTokenWith(id: string, secret: string): NewRefreshToken {
  return { id, secretHash: hashSecret(secret), token: `${REFRESH_TOKEN_PREFIX}${id}.${secret}` }
}

/** Domain separation: this key derives successors and nothing else. */
const SUCCESSOR_CONTEXT = 'tessera refresh-successor v1\0'

/**
 * The secret of the token that replaces one with `predecessorSecret`:
 * HMAC-SHA256(key, context || predecessor secret), 256 bits like a random one.
 * Deterministic, so that a repeat inside the grace window can be handed the
 * session's current token without the server keeping any secret: whoever
 * presents R1 can recompute R2, R3, ... and the stored hashes confirm each
 * step (docs/architecture.md, "Rotation and reuse", says why that is safe).
 * Without the key, a secret says nothing about its successor.
 */
export function successorSecret(key: Uint8Array, predecessorSecret: string): string {
  return createHmac('sha256', key).update(SUCCESSOR_CONTEXT).update(predecessorSecret).digest('base64url')
}

const SUCCESSOR_KEY_SETTING = 'refresh_successor_key'

/**
 * The successor key: generated once and kept in the settings table, so that
 * every process on the database derives the same successors; kept as the
 * generated JWT_SECRET and the CSRF key are.
 */
export async function loadSuccessorKey(settings: SettingQueries): Promise<Uint8Array> {
  const stored = await settings.getOrInsert(SUCCESSOR_KEY_SETTING, randomBytes(32).toString('base64url'))
  return Buffer.from(stored, 'base64url')
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
