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

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  revoked_sessions: RevokedSessionsTable
  settings: SettingsTable
  audit_events: AuditEventsTable
  signing_keys: SigningKeysTable
}
