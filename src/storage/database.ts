import type { Generated } from 'kysely'

/**
 * Kysely table interfaces. Timestamps are epoch milliseconds in BIGINT columns
 * (portable across SQLite, PostgreSQL and MySQL, and free of time-zone rules);
 * booleans are 0/1 integers because better-sqlite3 cannot bind booleans.
 */
export interface UsersTable {
  id: string
  /** Null only for accounts imported (or registered through a compatibility profile) without one: they log in by username. */
  email: string | null
  username: string | null
  /** Lower-cased username: the unique key that makes usernames case-insensitive. */
  username_key: string | null
  full_name: string | null
  password_hash: string
  /** JSON array of role names. */
  roles: string
  active: number
  created_at: number
  updated_at: number
  last_login_at: number | null
  /** 1 once the address was proven by a link (or set by an admin). */
  email_verified: number
  /** An address change waiting for its confirmation link (issue 16). */
  pending_email: string | null
  /** The language of the account's mails: a supported locale, or null (English). */
  locale: string | null
}

export interface SessionsTable {
  id: string
  user_id: string
  created_at: number
  last_used_at: number
  expires_at: number
  revoked_at: number | null
  ip: string | null
  user_agent: string | null
  /** JSON array of RFC 8176 method names; NULL for sessions from before it (password logins). */
  amr: string | null
  /** `mfa_enrollment`: the session may only enrol a second factor (MFA policy); NULL otherwise. */
  scope: string | null
}

/** One row per refresh token ever issued for a live session: rotation and reuse detection. */
export interface RefreshTokensTable {
  id: string
  session_id: string
  /** SHA-256 of the token's secret part, hex. The secret itself is never stored. */
  secret_hash: string
  created_at: number
  expires_at: number
  used_at: number | null
  /** The token this one replaced (NULL for a session's first); unique: one successor per token. */
  parent_id: string | null
}

/**
 * Sessions whose access tokens must be refused until `expires_at`, when every
 * access token the session could have issued has expired anyway.
 */
export interface RevokedSessionsTable {
  seq: Generated<number>
  session_id: string
  user_id: string
  revoked_at: number
  expires_at: number
}

export interface SettingsTable {
  key: string
  value: string
}

/**
 * Keys that sign access tokens (issue 5): one algorithm each (RFC 8725 §3.1).
 * The active key has `retired_at` null; a retired one verifies until every
 * token it signed has expired, then is deleted.
 */
export interface SigningKeysTable {
  kid: string
  algorithm: string
  /** A private JWK as JSON, or a compact JWE of it when `KEY_ENCRYPTION_SECRET` is set. */
  private_key: string
  /** The public JWK as JSON; null for HS256. */
  public_key: string | null
  /** 1 for the HS256 secret migrated from `settings`: it alone verifies tokens without `kid`. */
  legacy: number
  created_at: number
  retired_at: number | null
}

/** One security event (issue 7). `details` is a small JSON object of names and ids, never secrets. */
export interface AuditEventsTable {
  id: Generated<number>
  at: number
  type: string
  reason: string | null
  actor_id: string | null
  target_id: string | null
  ip: string | null
  user_agent: string | null
  request_id: string | null
  details: string | null
}

/** A user's TOTP factor (RFC 6238); at most one per user. */
export interface MfaTotpTable {
  user_id: string
  /** The base32 secret as a compact JWE (services/factor-secrets.ts); never in clear. */
  secret: string
  /** 0 until a first code confirmed the enrolment. */
  confirmed: number
  /** The time step of the last accepted code (a code works once). */
  last_used_step: number | null
  created_at: number
  confirmed_at: number | null
}

/** Recovery codes: SHA-256 of each, hex; the codes themselves are shown once and never stored. */
export interface MfaRecoveryCodesTable {
  id: string
  user_id: string
  code_hash: string
  created_at: number
  used_at: number | null
}

/** The `mfa_token` of a login waiting for its second factor: SHA-256 only, single use, short-lived. */
export interface MfaTokensTable {
  token_hash: string
  user_id: string
  created_at: number
  expires_at: number
  /** Wrong answers given with it; past MFA_TOKEN_ATTEMPTS it is dead. */
  attempts: number
  used_at: number | null
}

/** A one-time link token (issue 16): only the SHA-256 of the token is kept. */
export interface EmailTokensTable {
  id: string
  token_hash: string
  purpose: string
  user_id: string
  email: string
  created_at: number
  expires_at: number
  used_at: number | null
  voided_at: number | null
}

/** A mail waiting, being sent, sent or given up (src/mail/). */
export interface MailOutboxTable {
  id: string
  user_id: string | null
  to_address: string
  kind: string
  locale: string
  vars: string | null
  state: string
  attempts: number
  next_attempt_at: number
  claimed_by: string | null
  claimed_until: number | null
  last_error: string | null
  created_at: number
  sent_at: number | null
}

/** One mail request of a purpose to an address (RATE_LIMIT_EMAIL). */
export interface MailRateEventsTable {
  id: string
  rate_key: string
  at: number
}

/** A passkey (WebAuthn credential) of a user (issue 18). `id` is Tessera's; `credential_id` the authenticator's. */
export interface PasskeysTable {
  id: string
  user_id: string
  /** SHA-256 (hex) of `credential_id`: the unique key (a credential id is too long to index on MySQL). */
  credential_key: string
  /** base64url. */
  credential_id: string
  /** The COSE public key, base64url. */
  public_key: string
  counter: number
  /** JSON array of transport names (`internal`, `usb`, `hybrid`...). */
  transports: string
  /** `singleDevice` or `multiDevice`. */
  device_type: string
  backed_up: number
  aaguid: string
  name: string
  created_at: number
  last_used_at: number | null
}

/** A WebAuthn challenge handed out and not yet used; deleted when a ceremony consumes it. */
export interface WebauthnChallengesTable {
  /** SHA-256 (hex) of the challenge. */
  challenge_hash: string
  purpose: string
  user_id: string | null
  mfa_token_hash: string | null
  created_at: number
  expires_at: number
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  revoked_sessions: RevokedSessionsTable
  settings: SettingsTable
  audit_events: AuditEventsTable
  signing_keys: SigningKeysTable
  mfa_totp: MfaTotpTable
  mfa_recovery_codes: MfaRecoveryCodesTable
  mfa_tokens: MfaTokensTable
  email_tokens: EmailTokensTable
  mail_outbox: MailOutboxTable
  mail_rate_events: MailRateEventsTable
  passkeys: PasskeysTable
  webauthn_challenges: WebauthnChallengesTable
}
