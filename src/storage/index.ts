import { connect, DEFAULT_CONNECT_OPTIONS } from './connect.js'
import type { Capabilities, Connection, ConnectOptions } from './dialects/types.js'
import { databaseConnectError } from './connect-failure.js'
import { migrateToLatest } from './migrations/index.js'
import { createRevocationQueries, type RevocationQueries } from './revocations.js'
import { createSessionQueries, type SessionQueries } from './sessions.js'
import { createSettingQueries, type SettingQueries } from './settings.js'
import { createSigningKeyQueries, type SigningKeyQueries } from './signing-keys.js'
import { createAuditEventQueries, type AuditEventQueries } from './audit-events.js'
import { createUserQueries, type UserQueries } from './users.js'
import { createLastAdminGuard, type LastAdminGuard } from './last-admin.js'
import { createMfaFactorQueries, type MfaFactorQueries } from './mfa-factors.js'
import { createMfaTokenQueries, type MfaTokenQueries } from './mfa-tokens.js'
import { createPasskeyQueries, type PasskeyQueries } from './passkeys.js'
import { createWebauthnChallengeQueries, type WebauthnChallengeQueries } from './webauthn-challenges.js'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/** Every query the services use, over one connection. */
export interface Storage {
  db: Kysely<Database>
  capabilities: Capabilities
  users: UserQueries
  /** Changes to users that must not leave the deployment without an active admin. */
  lastAdmin: LastAdminGuard
  sessions: SessionQueries
  revocations: RevocationQueries
  settings: SettingQueries
  signingKeys: SigningKeyQueries
  auditEvents: AuditEventQueries
  /** TOTP factors and recovery codes (issue 18). */
  mfaFactors: MfaFactorQueries
  /** `mfa_token`s of logins waiting for a second factor. */
  mfaTokens: MfaTokenQueries
  passkeys: PasskeyQueries
  webauthnChallenges: WebauthnChallengeQueries
  ping(): Promise<void>
  close(): Promise<void>
  /** Present on PostgreSQL: LISTEN/NOTIFY, the revocation channel when there is no Redis. */
  listen?: Connection['listen']
}

/**
 * How to open storage. The pool and timeout fields carry `Config`'s names, so
 * a whole `Config` can be passed: `openStorage(config.databaseUrl, config)`.
 */
export interface StorageOptions {
  /** Run pending migrations first (default true). */
  migrate?: boolean
  /** `DATABASE_POOL_SIZE` (PostgreSQL, MySQL). */
  databasePoolSize?: number
  /** `DATABASE_STATEMENT_TIMEOUT`, seconds; 0 = no limit (PostgreSQL, MySQL). */
  databaseStatementTimeout?: number
  /** `DATABASE_CONNECT_TIMEOUT`, seconds (PostgreSQL, MySQL). */
  databaseConnectTimeout?: number
}

/**
 * Connects to `databaseUrl` and brings the schema up to date.
 *
 * @example
 * ```ts
 * const storage = await openStorage('sqlite::memory:')
 * const shared = await openStorage('postgres://tessera@db.internal/tessera', { databasePoolSize: 20 })
 * ```
 */
export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<Storage> {
  const connection = await connectOrExplain(databaseUrl, {
    poolSize: options.databasePoolSize ?? DEFAULT_CONNECT_OPTIONS.poolSize,
    statementTimeout: options.databaseStatementTimeout ?? DEFAULT_CONNECT_OPTIONS.statementTimeout,
    connectTimeout: options.databaseConnectTimeout ?? DEFAULT_CONNECT_OPTIONS.connectTimeout,
  })
  try {
    if (options.migrate ?? true) await migrateToLatest(connection.db, connection.capabilities)
  } catch (error) {
    await connection.close()
    throw error
  }
  const { db, capabilities } = connection
  return {
    db,
    capabilities: connection.capabilities,
    users: createUserQueries(db),
    lastAdmin: createLastAdminGuard(db, capabilities),
    sessions: createSessionQueries(db),
    revocations: createRevocationQueries(db, capabilities),
    settings: createSettingQueries(db, capabilities),
    signingKeys: createSigningKeyQueries(db),
    auditEvents: createAuditEventQueries(db),
    mfaFactors: createMfaFactorQueries(db, capabilities),
    mfaTokens: createMfaTokenQueries(db),
    passkeys: createPasskeyQueries(db),
    webauthnChallenges: createWebauthnChallengeQueries(db),
    ping: connection.ping,
    close: connection.close,
    ...(connection.listen ? { listen: connection.listen } : {}),
  }
}

/**
 * Connects and makes one round trip before anything else, so that a database that is down,
 * missing or refusing the user fails here with a DatabaseConnectError that says so, and not
 * later as "Migration (unknown) failed" (pools connect lazily).
 */
async function connectOrExplain(databaseUrl: string, options: ConnectOptions): Promise<Connection> {
  let connection: Connection | undefined
  try {
    connection = await connect(databaseUrl, options)
    await connection.ping()
    return connection
  } catch (error) {
    await connection?.close().catch(() => undefined)
    throw databaseConnectError(databaseUrl, error)
  }
}
