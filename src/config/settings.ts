// The settings table: one row per environment variable, with its default, its parser, its one
// line of documentation and the Config field it fills (the row's key). loadConfig (load.ts) runs
// the rows in this order, then the rules that join several variables. The README's settings
// table is checked against this one (test/docs/settings-table.test.ts);
// `node scripts/settings-table.mjs` prints it as markdown.
// @see issue 15
import { availableParallelism } from 'node:os'
import { COMPAT_PROFILES } from '../compat/profiles.js'
import type { CompatProfile } from '../compat/profile.js'
import * as format from './formats.js'
import { duration, integer, list, oneOf, onOff, optional, rateRule, secret, text, type OptionalParser, type Parser } from './parsers.js'
import type { Config, Env } from './types.js'

interface Row {
  /** The environment variable. */
  readonly name: string
  /** What it sets, in one line (the README says more). */
  readonly doc: string
  /**
   * The README's default column when it is not the default itself: a rule (`http://HOST:PORT`),
   * or what happens when the variable is unset. Markdown.
   */
  readonly shown?: string
}
interface RowWithDefault<T> extends Row {
  /** Used when the variable is unset or empty. */
  readonly default: string
  readonly parse: Parser<T>
}
interface RowWithoutDefault<T> extends Row {
  readonly default?: undefined
  readonly parse: OptionalParser<T>
}
/** One variable: the default, the parser and the doc of one field of TableValues. */
export type Setting<T = unknown> = RowWithDefault<T> | RowWithoutDefault<T>

/**
 * What the rows give, by field: Config's own fields, except where a rule that joins several
 * variables (load.ts) finishes the value; for those, the type is the value before that rule.
 */
export interface TableValues extends Omit<Config, 'adminEmail' | 'compatProfile' | 'refreshRotation' | 'publicUrl' | 'credentialRules' | 'webauthn'> {
  /** As given: checked with ADMIN_PASSWORD, then normalised. */
  adminEmail: string | undefined
  /** The profile itself (Config keeps its name): its token places and rotation default apply. */
  compatProfile: CompatProfile | undefined
  /** Undefined: the profile's choice, else on. */
  refreshRotation: boolean | undefined
  /** Undefined: `http://HOST:PORT`. */
  publicUrl: string | undefined
  /** The three parts of Config's `webauthn`; undefined ones are derived from PUBLIC_URL. */
  webauthnRpId: string | undefined
  webauthnRpName: string
  webauthnOrigins: string[] | undefined
}

const UNSET_GENERATED = 'generated once and kept in the database'
/** The profiles whose library never rotates refresh tokens, for REFRESH_ROTATION's default. */
const NON_ROTATING = Object.values(COMPAT_PROFILES).filter((profile) => profile.refreshRotation === false).map((profile) => `\`${profile.name}\``)

/**
 * Every setting, in the order loadConfig reads them (so that, of several bad variables, the
 * same one is named first as before the table existed).
 */
export const SETTINGS = {
  // ---- storage, keys and tokens ----
  databaseUrl: { name: 'DATABASE_URL', default: 'sqlite:./data/tessera.db', parse: format.databaseUrl, doc: '`sqlite:<path>`, `sqlite::memory:`, `postgres://…` or `mysql://…`; migrated at start' },
  redisUrl: { name: 'REDIS_URL', parse: optional(format.redisUrl), doc: '`redis://…` or `rediss://…`: revocations and rate-limit counts shared across instances' },
  jwtSecret: { name: 'JWT_SECRET', parse: optional(secret(32, ' (RFC 7518 §3.2: a key as long as the hash output)')), shown: UNSET_GENERATED, doc: 'the HS256 key, at least 32 bytes; setting it pins the key' },
  jwtAlgorithm: { name: 'JWT_ALGORITHM', default: 'HS256', parse: oneOf(['HS256', 'RS256', 'ES256', 'EdDSA'] as const), doc: 'the signing algorithm of access tokens; a change rotates to a new key' },
  // Read and checked with JWT_ALGORITHM after the table (load.ts): ignored with HS256.
  jwtPrivateKeyFile: { name: 'JWT_PRIVATE_KEY_FILE', parse: optional(text), doc: 'a PEM private key that pins the RS256, ES256 or EdDSA key' },
  jweKey: { name: 'JWE_KEY', parse: optional(format.jweKey), shown: UNSET_GENERATED, doc: 'with `jwe`: the 32-byte encryption key, base64url' },
  // Both checked together after the table (load.ts), the pair rule first.
  adminEmail: { name: 'ADMIN_EMAIL', parse: optional(text), doc: 'with ADMIN_PASSWORD: the admin created at start when there is none' },
  adminPassword: { name: 'ADMIN_PASSWORD', parse: optional(text), doc: 'with ADMIN_EMAIL: that admin\'s password, 8 to 128 characters' },
  compatProfile: { name: 'COMPAT_PROFILE', parse: format.compatProfile, doc: 'one Flask tutorial\'s routes, fields and token places beside Tessera\'s own' },
  host: { name: 'HOST', default: '127.0.0.1', parse: text, doc: 'the address to listen on' },
  port: { name: 'PORT', default: '3000', parse: integer(0, 65535), doc: 'the port to listen on, 0 to 65535 (0: any free port)' },
  redisPrefix: { name: 'REDIS_PREFIX', default: 'tessera:', parse: text, doc: 'the prefix of every Redis key and channel' },
  jwtIssuer: { name: 'JWT_ISSUER', default: 'tessera', parse: text, doc: 'the `iss` of access tokens, checked on every request' },
  jwtAudience: { name: 'JWT_AUDIENCE', default: 'tessera', parse: text, doc: 'the `aud` of access tokens, checked on every request' },
  accessTokenFormat: { name: 'ACCESS_TOKEN_FORMAT', default: 'jws', parse: oneOf(['jws', 'jwe'] as const), doc: '`jws` (signed) or `jwe` (signed, then encrypted)' },
  jweAlgorithm: { name: 'JWE_ALGORITHM', default: 'dir', parse: oneOf(['dir', 'A256KW'] as const), doc: 'with `jwe`: `dir` or `A256KW`' },
  accessTokenTtl: { name: 'ACCESS_TOKEN_TTL', default: '15m', parse: duration({ min: 1 }), doc: 'the lifetime of an access token, at least 1 s' },
  // Must be longer than ACCESS_TOKEN_TTL: checked after the table.
  refreshTokenTtl: { name: 'REFRESH_TOKEN_TTL', default: '30d', parse: duration({ min: 1 }), doc: 'the lifetime of a refresh token and its session, longer than ACCESS_TOKEN_TTL' },
  refreshReuseGrace: { name: 'REFRESH_REUSE_GRACE', default: '10s', parse: duration(), doc: 'how long a just-rotated refresh token still works before it counts as reuse' },
  jwtLeeway: { name: 'JWT_LEEWAY', default: '0', parse: duration(), doc: 'the clock skew allowed on an access token\'s `exp`' },
  // ---- accounts, limits and operations ----
  registration: { name: 'REGISTRATION', default: 'open', parse: oneOf(['open', 'closed'] as const), doc: '`open`, or `closed`: only admins create users' },
  loginFailureLimit: { name: 'LOGIN_FAILURE_LIMIT', default: '10/15m', parse: rateRule, doc: 'failed logins per account and client address per window' },
  rateLimitAuth: { name: 'RATE_LIMIT_AUTH', default: '100/1m', parse: rateRule, doc: 'requests per client address per window to the login, register, refresh, email and passkey routes' },
  logLevel: { name: 'LOG_LEVEL', default: 'info', parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), doc: 'pino\'s level' },
  metricsToken: { name: 'METRICS_TOKEN', parse: optional(text), doc: 'the bearer token `GET /metrics` needs; unset, it is public' },
  trustProxy: { name: 'TRUST_PROXY', default: '0', parse: integer(0, 10), doc: 'reverse-proxy hops trusted for `X-Forwarded-For`, 0 to 10' },
  revocationPollInterval: { name: 'REVOCATION_POLL_INTERVAL', default: '1s', parse: duration(), doc: 'how often revocations of other instances are read from the database (0: off)' },
  shutdownTimeout: { name: 'SHUTDOWN_TIMEOUT', default: '10s', parse: duration({ min: 1 }), doc: 'how long a shutdown may finish requests in flight' },
  // The cores this process may run on (its CPU affinity: taskset, a container's cpuset), not every
  // core of the machine: a thread past them adds no hashing throughput, only its heap and argon2's
  // 19 MiB while it hashes (issue 19: a server pinned to one core of two peaked 26 MB lower).
  hashConcurrency: { name: 'PASSWORD_HASH_CONCURRENCY', default: String(Math.max(1, availableParallelism())), shown: 'number of CPUs this process may use', parse: integer(1, 64), doc: 'password hashes computed at once, 1 to 64' },
  hashQueueLimit: { name: 'PASSWORD_HASH_QUEUE', default: '64', parse: integer(0, 100000), doc: 'password hashes allowed to wait; past it, 503' },
  databasePoolSize: { name: 'DATABASE_POOL_SIZE', default: '10', parse: integer(1, 100), doc: 'connections to PostgreSQL or MySQL per instance, 1 to 100' },
  databaseStatementTimeout: { name: 'DATABASE_STATEMENT_TIMEOUT', default: '5s', parse: duration(), doc: 'how long a statement may run before the server cancels it (0: no limit)' },
  databaseConnectTimeout: { name: 'DATABASE_CONNECT_TIMEOUT', default: '5s', parse: duration({ min: 1 }), doc: 'how long to wait for a new database connection' },
  introspectionClients: { name: 'INTROSPECTION_CLIENTS', parse: format.introspectionClients, doc: '`client_id:secret` pairs allowed to call `POST /oauth/introspect`' },
  // ---- browsers and compatibility ----
  authCookies: { name: 'AUTH_COOKIES', default: 'off', parse: onOff, doc: '`on`: tokens also as httpOnly cookies, with CSRF checks' },
  corsOrigins: { name: 'CORS_ORIGINS', parse: format.corsOrigins, shown: 'empty', doc: 'origins whose pages may call the API with credentials' },
  tokenSchemes: { name: 'TOKEN_SCHEMES', default: 'Bearer', parse: format.tokenSchemes, doc: 'Authorization schemes of access tokens: `Bearer`, `JWT`' },
  compatRoutes: { name: 'COMPAT_ROUTES', default: 'off', parse: onOff, doc: '`on`: the Flask tutorials\' paths as aliases' },
  refreshRotation: { name: 'REFRESH_ROTATION', parse: format.refreshRotation, shown: `\`on\` (\`off\` under ${NON_ROTATING.join(' and ')})`, doc: '`off`: one refresh token for the whole session (no reuse detection)' },
  workers: { name: 'WORKERS', default: '1', parse: format.workers, doc: 'processes serving the port, 1 to 64, or `auto` (one per core)' },
  auditRetention: { name: 'AUDIT_RETENTION', default: '90d', parse: duration(), doc: 'how long audit events are kept (0: forever)' },
  keyEncryptionSecret: { name: 'KEY_ENCRYPTION_SECRET', parse: optional(secret(32)), doc: 'at least 32 bytes: encrypts the private keys and TOTP secrets in the database' },
  mfa: { name: 'MFA', default: 'optional', parse: oneOf(['optional', 'required_for_admins', 'required'] as const), doc: 'who must have a second factor' },
  mfaIssuer: { name: 'MFA_ISSUER', default: 'Tessera', parse: format.mfaIssuer, doc: 'the issuer authenticator apps show, at most 64 characters, no `:`' },
  // ---- accounts over email (issue 16, docs/email.md) ----
  publicUrl: { name: 'PUBLIC_URL', parse: optional(format.publicUrl), shown: '`http://HOST:PORT`', doc: 'the base of the links in mails, and of the WebAuthn defaults' },
  mailUrl: { name: 'MAIL_URL', default: 'log', parse: format.mailUrl, doc: '`log`, `smtp://…` or `smtps://…`' },
  mailFrom: { name: 'MAIL_FROM', default: 'Tessera <no-reply@localhost>', parse: format.mailFrom, doc: 'the sender of the mails' },
  emailVerification: { name: 'EMAIL_VERIFICATION', default: 'optional', parse: oneOf(['off', 'optional', 'required'] as const), doc: '`off`, `optional` or `required` (login waits for it)' },
  emailChangeConfirmation: { name: 'EMAIL_CHANGE_CONFIRMATION', default: 'on', parse: onOff, doc: '`on`: a new address waits for its link' },
  // Templates: `${PUBLIC_URL}` is put in, then the URL is checked, after the table.
  emailLinkVerify: { name: 'EMAIL_LINK_VERIFY', default: '${PUBLIC_URL}/verify-email?token={token}', parse: text, doc: 'where verification links point, with `{token}`' },
  emailLinkReset: { name: 'EMAIL_LINK_RESET', default: '${PUBLIC_URL}/reset-password?token={token}', parse: text, doc: 'where reset links point, with `{token}`' },
  verifyTokenTtl: { name: 'VERIFY_TOKEN_TTL', default: '24h', parse: duration({ min: 1 }), doc: 'how long a verification link works' },
  resetTokenTtl: { name: 'RESET_TOKEN_TTL', default: '1h', parse: duration({ min: 1 }), doc: 'how long a reset link works' },
  mailTemplatesDir: { name: 'MAIL_TEMPLATES_DIR', parse: optional(text), doc: 'a directory of mail template overrides' },
  rateLimitEmail: { name: 'RATE_LIMIT_EMAIL', default: '5/1h', parse: rateRule, doc: 'mails of one purpose to one address per window' },
  mailMaxAttempts: { name: 'MAIL_MAX_ATTEMPTS', default: '8', parse: integer(1, 100), doc: 'delivery attempts before a mail is recorded as failed' },
  mailRetryBase: { name: 'MAIL_RETRY_BASE', default: '30s', parse: duration({ min: 1 }), doc: 'the wait before the first retry, doubling' },
  mailSendTimeout: { name: 'MAIL_SEND_TIMEOUT', default: '30s', parse: duration({ min: 1 }), doc: 'how long one SMTP delivery may take' },
  // ---- passkeys (docs/passkeys.md): unset parts come from PUBLIC_URL, after the table ----
  webauthnRpId: { name: 'WEBAUTHN_RP_ID', parse: optional(format.webauthnRpId), shown: 'host name of `PUBLIC_URL` (no port)', doc: 'the domain passkeys are bound to' },
  // Each must be an origin on the RP ID: checked with it after the table.
  webauthnOrigins: { name: 'WEBAUTHN_ORIGINS', parse: optional(list), shown: 'origin of `PUBLIC_URL`', doc: 'origins of the pages that use passkeys' },
  webauthnRpName: { name: 'WEBAUTHN_RP_NAME', default: 'Tessera', parse: text, doc: 'the name a browser shows when it creates a passkey' },
} as const satisfies { readonly [F in keyof TableValues]: Setting<TableValues[F]> }

/** The default as the docs show it: the row's rule or unset behaviour, else the value in backticks. */
export function documentedDefault(row: Setting): string {
  return row.shown ?? (row.default === undefined ? 'unset' : `\`${row.default}\``)
}

/** Runs every row in order: the variable, or its default when it is unset or empty, through its parser. */
export function readSettings(env: Env): TableValues {
  const values: Record<string, unknown> = {}
  for (const [field, row] of Object.entries(SETTINGS) as [string, Setting][]) {
    const given = env[row.name]
    const raw = given === undefined || given === '' ? row.default : given
    // A row with a default has a Parser, one without an OptionalParser: raw is undefined only for the latter.
    values[field] = (row.parse as OptionalParser<unknown>)(raw, row.name)
  }
  return values as unknown as TableValues
}
