import { emailProblem, fullNameProblem, normalizeEmail, normalizeFullName, normalizeUsername, usernameProblem } from '../domain/identifiers.js'
import { ADMIN_ROLE } from '../services/users.js'
import { passwordHashFormat, type HashFormat } from './hash-format.js'
import type { Mapping } from './mapping.js'
import type { SourceRow } from './source.js'
import { flagValue, textValue, timestampValue } from './values.js'

/** How to read the password column: hashes kept as they are, or plaintext to hash with argon2id now. */
export type PasswordMode = 'hashes' | 'plaintext'

export type ImportPassword = { kind: 'hash'; format: HashFormat; hash: string } | { kind: 'plaintext'; plaintext: string }

/** A source row made into a Tessera user, not yet checked for duplicates. */
export interface ImportCandidate {
  /** Null for a row without an email (username-only tables): the user logs in by username. */
  email: string | null
  username: string | null
  fullName: string | null
  password: ImportPassword
  roles: string[]
  active: boolean
  /** Epoch milliseconds; the import time when the source has none. */
  createdAt: number
}

export type RowSkip = { status: 'skipped_invalid' | 'unknown_hash_format'; reason: string; email?: string }
export type RowOutcome = { candidate: ImportCandidate } | { skip: RowSkip }

/**
 * The password column: a hash in a format Tessera verifies is kept as it is.
 * With `plaintext`, other values are passwords to hash; a value already in a
 * known hash format stays a hash, since an app that once stored plaintext and
 * later hashed holds both (a password that looks exactly like a bcrypt hash is
 * not a real risk). Never the password itself in a reason.
 */
function readPassword(value: string | undefined, mode: PasswordMode): ImportPassword | RowSkip {
  if (value === undefined) return { status: 'skipped_invalid', reason: 'no password' }
  const format = passwordHashFormat(value)
  if (format) return { kind: 'hash', format, hash: value }
  if (mode === 'plaintext') return { kind: 'plaintext', plaintext: value }
  return { status: 'unknown_hash_format', reason: 'the password is in no hash format Tessera verifies (plaintext? see --passwords plaintext)' }
}

/**
 * Turns one source row into a user as registration would store it: email
 * trimmed and lower-cased, username and full name checked by the API's rules,
 * the admin flag as the `admin` role, the active flag (default active),
 * created_at read from ISO text or epoch seconds/milliseconds. The first
 * problem found skips the row.
 */
export function normalizeRow(row: SourceRow, mapping: Mapping, mode: PasswordMode, now: number): RowOutcome {
  const read = (column: string | null) => (column === null ? undefined : row[column])
  const invalid = (reason: string, email?: string): RowOutcome => ({ skip: { status: 'skipped_invalid', reason, email } })

  const rawEmail = textValue(read(mapping.email))?.trim() || undefined
  const emailIssue = rawEmail === undefined ? undefined : emailProblem(rawEmail)
  // An email refused for its characters is not echoed into the report (it may hold NUL or bidi controls).
  if (rawEmail !== undefined && emailIssue) return invalid(`email ${emailIssue}`, emailIssue.includes('characters') ? undefined : rawEmail)
  const email = rawEmail === undefined ? undefined : normalizeEmail(rawEmail)

  const rawUsername = textValue(read(mapping.username))?.trim() || null
  const usernameIssue = rawUsername === null ? undefined : usernameProblem(rawUsername)
  if (usernameIssue) return invalid(`username ${usernameIssue}`, email)
  const username = rawUsername === null ? null : normalizeUsername(rawUsername)
  // Without an email the username is the only way to log in (issue 17: username-only tables).
  if (email === undefined && username === null) return invalid('no email and no username')

  const rawFullName = textValue(read(mapping.full_name))?.trim() || null
  const fullNameIssue = rawFullName === null ? undefined : fullNameProblem(rawFullName)
  if (fullNameIssue) return invalid(`full_name ${fullNameIssue}`, email)
  const fullName = rawFullName === null ? null : normalizeFullName(rawFullName)

  const admin = flagValue(read(mapping.admin))
  if (admin === 'invalid') return invalid(`admin flag "${textValue(read(mapping.admin))}" is not true or false`, email)
  const active = flagValue(read(mapping.active))
  if (active === 'invalid') return invalid(`active flag "${textValue(read(mapping.active))}" is not true or false`, email)
  const createdAt = timestampValue(read(mapping.created_at))
  if (createdAt === 'invalid') return invalid(`created_at "${textValue(read(mapping.created_at))}" is not a date`, email)

  const password = readPassword(textValue(read(mapping.password)), mode)
  if ('status' in password) return { skip: { ...password, email } }

  return {
    candidate: {
      email: email ?? null,
      username,
      fullName,
      password,
      roles: admin === true ? [ADMIN_ROLE] : [],
      active: active ?? true,
      createdAt: createdAt ?? now,
    },
  }
}
