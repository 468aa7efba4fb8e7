import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { AppError } from '../errors.js'
import type { Database } from '../storage/database.js'
import { emailTokenQueries, type EmailTokenRow } from '../storage/email-tokens.js'

/** What a link token may do; a token of one purpose is refused for every other. */
export type TokenPurpose = 'verify_email' | 'email_change' | 'password_reset'

export const TOKEN_PURPOSES: readonly TokenPurpose[] = ['verify_email', 'email_change', 'password_reset']

/** 32 random bytes (256 bits), as base64url: 43 characters. */
const TOKEN_BYTES = 32
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** SHA-256, hex: what is stored and looked up. A fast hash is enough for 256 random bits (no guessing). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A new random token and its hash (the unknown-account paths make one too, for the same cost). */
export function newToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url')
  return { token, tokenHash: hashToken(token) }
}

/**
 * Issues a token of `purpose` for the user and the address it is sent to, voiding every
 * live token of the same purpose first (only the newest link works). Run it in the
 * transaction that enqueues the mail carrying it.
 */
export async function issueToken(
  db: Kysely<Database>,
  request: { userId: string; purpose: TokenPurpose; email: string; ttlSeconds: number; now: number },
): Promise<string> {
  const { token, tokenHash } = newToken()
  await emailTokenQueries.voidLive(db, request.userId, [request.purpose], request.now)
  await emailTokenQueries.insert(db, { tokenHash, purpose: request.purpose, userId: request.userId, email: request.email, now: request.now, expiresAt: request.now + request.ttlSeconds * 1000 })
  return token
}

/**
 * The live token row for `token`, if it is one of `purposes`; else 400 `email_token_invalid`
 * (unknown, used, voided, another purpose) or `email_token_expired`. Does not use it up:
 * `useToken` does, in the transaction of the change.
 */
export async function findLiveToken(db: Kysely<Database>, token: string, purposes: readonly TokenPurpose[], now: number): Promise<EmailTokenRow> {
  const row = TOKEN_SHAPE.test(token) ? await emailTokenQueries.findByHash(db, hashToken(token)) : undefined
  if (!row || !(purposes as readonly string[]).includes(row.purpose) || row.used_at !== null || row.voided_at !== null) {
    throw new AppError('email_token_invalid', 'This link is not valid (already used, replaced by a newer one, or mistyped)')
  }
  if (Number(row.expires_at) <= now) throw new AppError('email_token_expired', 'This link has expired; ask for a new one')
  return row
}

/** Uses the token up; of two concurrent uses only one gets past this (a conditional UPDATE). */
export async function useToken(db: Kysely<Database>, row: EmailTokenRow, now: number): Promise<void> {
  if (!(await emailTokenQueries.markUsed(db, row.id, now))) throw new AppError('email_token_invalid', 'This link has already been used')
}

/** Voids every live token of the user: the password changed, so no old link may act for the account. */
export async function voidAllTokens(db: Kysely<Database>, userId: string, now: number): Promise<void> {
  await emailTokenQueries.voidLive(db, userId, TOKEN_PURPOSES, now)
}
