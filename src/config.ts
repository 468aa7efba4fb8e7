import { cpus } from 'node:os'
import { KeyFileError, readPrivateKeyFile, type AsymmetricAlgorithm } from './key-formats/private-key-file.js'
import { parseJweKey } from './key-formats/jwe-key.js'
import { emailProblem, normalizeEmail } from './domain/identifiers.js'
import type { CredentialRules } from './domain/credential-rules.js'
import { COMPAT_PROFILES } from './compat/profiles.js'
import type { CompatProfile } from './compat/profile.js'

/** A setting that cannot be used. The message is one line that names the variable. */
export class ConfigError extends Error {
  readonly variable: string
  constructor(variable: string, message: string) {
    super(`Invalid ${variable}: ${message}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

export type JwtAlgorithm = 'HS256' | AsymmetricAlgorithm
export type AccessTokenFormat = 'jws' | 'jwe'
export type JweAlgorithm = 'dir' | 'A256KW'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** `n` events per `windowSeconds`. */
export interface RateRule {
  max: number
  windowSeconds: number
}

export interface Config {
  host: string
  port: number
  databaseUrl: string
  redisUrl: string | undefined
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisPrefix: string
  jwtAlgorithm: JwtAlgorithm
  jwtSecret: string | undefined
  jwtPrivateKeyFile: string | undefined
  jwtIssuer: string
  jwtAudience: string
  /** `jwe`: access tokens are signed, then encrypted (nested JWT, RFC 7519 §5.2). */
  accessTokenFormat: AccessTokenFormat
  /** 32 bytes from `JWE_KEY`; unset means generated once and kept in the database. */
  jweKey: Uint8Array | undefined
  jweAlgorithm: JweAlgorithm
  /** Seconds. */
  accessTokenTtl: number
  refreshTokenTtl: number
  refreshReuseGrace: number
  jwtLeeway: number
  adminEmail: string | undefined
  adminPassword: string | undefined
  registration: 'open' | 'closed'
  loginFailureLimit: RateRule
  rateLimitAuth: RateRule
  logLevel: LogLevel
  /** Bearer token required to read /metrics; unset means /metrics is public. */
  metricsToken: string | undefined
  /** Honour X-Forwarded-For from this many proxy hops (0 = ignore the header). */
  trustProxy: number
  /** Seconds between polls of the database for revocations made by other instances (0 = off). */
  revocationPollInterval: number
  /** Seconds a shutdown may spend finishing in-flight requests before the process exits anyway (with 1). */
  shutdownTimeout: number
  /** Password hashes computed at once; more wait in a bounded queue. */
  hashConcurrency: number
  /** Password hashes allowed to wait; past it, 503 service_unavailable. */
  hashQueueLimit: number
  /** Most connections each instance holds open to PostgreSQL or MySQL. */
  databasePoolSize: number
  /** Seconds a single SQL statement may run before the database cancels it (0 = no limit). */
  databaseStatementTimeout: number
  /** Seconds to wait for a new database connection before giving up. */
  databaseConnectTimeout: number
  /** Resource servers allowed to call `POST /oauth/introspect` (RFC 7662), by client id; empty means none can. */
  introspectionClients: ReadonlyMap<string, string>
  /** `AUTH_COOKIES=on`: tokens are also set as httpOnly cookies, and requests may authenticate by cookie (with CSRF checks). */
  authCookies: boolean
  /** `CORS_ORIGINS`: browser origins (`scheme://host[:port]`) allowed to call the API with credentials. */
  corsOrigins: readonly string[]
  /** `TOKEN_SCHEMES`: Authorization schemes accepted for access tokens; `JWT` is the old Flask-JWT's. */
  tokenSchemes: readonly ('Bearer' | 'JWT')[]
  /** `COMPAT_ROUTES=on`: the Flask tutorials' route shapes as aliases (a migration aid, off by default). */
  compatRoutes: boolean
  /** `COMPAT_PROFILE`: the name of the compatibility profile in use (src/compat/), or undefined. */
  compatProfile: string | undefined
  /**
   * `REFRESH_ROTATION` (default `on`, or the profile's): `off` keeps one refresh token for the
   * whole session, as Flask-JWT-Extended does, and so gives up reuse (theft) detection.
   */
  refreshRotation: boolean
  /** Where access and refresh tokens may travel: TOKEN_SCHEMES, AUTH_COOKIES and the profile (http/credential-source.ts). */
  credentialRules: CredentialRules
  /** `WORKERS`: processes serving the port (node:cluster); `auto` is the number of cores. */
  workers: number
  /** `AUDIT_RETENTION`: seconds audit events are kept; 0 keeps them forever. */
  auditRetention: number
  /** `KEY_ENCRYPTION_SECRET`: when set, private signing keys (and TOTP secrets) kept in the database are encrypted with it. */
  keyEncryptionSecret: string | undefined
  /** `MFA`: who must have a second factor; those without one get a token that can only enrol (docs/mfa.md). */
  mfa: MfaPolicy
  /** `MFA_ISSUER`: the issuer an authenticator app shows beside a TOTP account. */
  mfaIssuer: string
  // ---- accounts over email (issue 16, docs/email.md) ----
  /** `PUBLIC_URL`: the base of links in mails, without a trailing slash. */
  publicUrl: string
  /** `MAIL_URL`: `log`, or an `smtp://` / `smtps://` URL for nodemailer. */
  mailUrl: string
  mailFrom: string
  emailVerification: 'off' | 'optional' | 'required'
  emailChangeConfirmation: boolean
  /** Link templates with `{token}` in them. */
  emailLinkVerify: string
  emailLinkReset: string
  verifyTokenTtl: number
  resetTokenTtl: number
  mailTemplatesDir: string | undefined
  rateLimitEmail: RateRule
  /** Attempts to deliver one mail before it is recorded as failed. */
  mailMaxAttempts: number
  /** Seconds before the first retry; each further retry waits twice as long (at most an hour). */
  mailRetryBase: number
  /** Seconds one SMTP delivery may take (connect, greeting, each reply). */
  mailSendTimeout: number
  /** Passkeys (docs/passkeys.md): the relying party, from `WEBAUTHN_RP_ID`, `WEBAUTHN_RP_NAME`, `WEBAUTHN_ORIGINS`. */
  webauthn: WebAuthnSettings
}

/** The WebAuthn relying party: the RP ID credentials are bound to, its display name, and the page origins allowed to use them. */
export interface WebAuthnSettings {
  rpId: string
  rpName: string
  origins: readonly string[]
}

export type MfaPolicy = 'optional' | 'required_for_admins' | 'required'

/** The defaults of API.md's settings table, plus Tessera's additions. */
const DEFAULTS = {
  HOST: '127.0.0.1',
  PORT: '3000',
  DATABASE_URL: 'sqlite:./data/tessera.db',
  JWT_ALGORITHM: 'HS256',
  JWT_ISSUER: 'tessera',
  JWT_AUDIENCE: 'tessera',
  ACCESS_TOKEN_FORMAT: 'jws',
  JWE_ALGORITHM: 'dir',
  ACCESS_TOKEN_TTL: '15m',
  REFRESH_TOKEN_TTL: '30d',
  REFRESH_REUSE_GRACE: '10s',
  JWT_LEEWAY: '0',
  REGISTRATION: 'open',
  LOGIN_FAILURE_LIMIT: '10/15m',
  RATE_LIMIT_AUTH: '100/1m',
  LOG_LEVEL: 'info',
  TRUST_PROXY: '0',
  REVOCATION_POLL_INTERVAL: '1s',
  SHUTDOWN_TIMEOUT: '10s',
  REDIS_PREFIX: 'tessera:',
  PASSWORD_HASH_CONCURRENCY: String(Math.max(1, cpus().length)),
  PASSWORD_HASH_QUEUE: '64',
  DATABASE_POOL_SIZE: '10',
  DATABASE_STATEMENT_TIMEOUT: '5s',
  DATABASE_CONNECT_TIMEOUT: '5s',
  AUTH_COOKIES: 'off',
  TOKEN_SCHEMES: 'Bearer',
  COMPAT_ROUTES: 'off',
  COMPAT_PROFILE: '',
  REFRESH_ROTATION: '',
  WORKERS: '1',
  AUDIT_RETENTION: '90d',
  MFA: 'optional',
  MFA_ISSUER: 'Tessera',
  MAIL_URL: 'log',
  MAIL_FROM: 'Tessera <no-reply@localhost>',
  EMAIL_VERIFICATION: 'optional',
  EMAIL_CHANGE_CONFIRMATION: 'on',
  VERIFY_TOKEN_TTL: '24h',
  RESET_TOKEN_TTL: '1h',
  RATE_LIMIT_EMAIL: '5/1h',
  MAIL_MAX_ATTEMPTS: '8',
  MAIL_RETRY_BASE: '30s',
  MAIL_SEND_TIMEOUT: '30s',
  WEBAUTHN_RP_NAME: 'Tessera',
} as const

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** Parses `900`, `90s`, `15m`, `12h`, `30d` into seconds (as jose's `secs()` reads them). */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1)
}

function duration(env: Env, name: keyof typeof DEFAULTS, { min = 0 } = {}): number {
  const raw = read(env, name)
  const seconds = parseDuration(raw)
  if (seconds === undefined) throw new ConfigError(name, `expected seconds or <n>[smhd], got "${raw}"`)
  if (seconds < min) throw new ConfigError(name, `must be at least ${min} seconds`)
  return seconds
}

function rateRule(env: Env, name: keyof typeof DEFAULTS): RateRule {
  const raw = read(env, name)
  const [count, window] = raw.split('/')
  const max = Number(count)
  const windowSeconds = window === undefined ? undefined : parseDuration(window)
  if (!Number.isInteger(max) || max < 1 || !windowSeconds) {
    throw new ConfigError(name, `expected <count>/<duration> such as 10/15m, got "${raw}"`)
  }
  return { max, windowSeconds }
}

function integer(env: Env, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = read(env, name)
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function oneOf<T extends string>(env: Env, name: keyof typeof DEFAULTS, allowed: readonly T[]): T {
  const raw = read(env, name)
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

type Env = Record<string, string | undefined>

function read(env: Env, name: keyof typeof DEFAULTS): string {
  const value = env[name]
  return value === undefined || value === '' ? DEFAULTS[name] : value
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

/** RFC 3986 unreserved characters: unchanged by the form-encoding RFC 6749 §2.3.1 applies inside HTTP Basic. */
const CLIENT_TOKEN = /^[A-Za-z0-9._~-]+$/

/**
 * `INTROSPECTION_CLIENTS`: comma-separated `client_id:secret` pairs. Both halves use unreserved
 * characters only, so a client that form-encodes them (as RFC 6749 §2.3.1 asks) and one that
 * does not send the same bytes; secrets are at least 32 bytes, like `JWT_SECRET`.
 */
function introspectionClients(env: Env): ReadonlyMap<string, string> {
  const name = 'INTROSPECTION_CLIENTS'
  const clients = new Map<string, string>()
  const raw = optional(env, name)
  if (raw === undefined) return clients
  for (const [index, pair] of raw.split(',').map((part) => part.trim()).entries()) {
    const colon = pair.indexOf(':')
    const clientId = pair.slice(0, colon)
    const secret = pair.slice(colon + 1)
    if (colon < 1 || !CLIENT_TOKEN.test(clientId) || !CLIENT_TOKEN.test(secret)) {
      throw new ConfigError(name, `pair ${index + 1}: expected client_id:secret using only A-Z a-z 0-9 . _ ~ -`)
    }
    if (secret.length < 32) throw new ConfigError(name, `the secret of client "${clientId}" must be at least 32 bytes`)
    if (clients.has(clientId)) throw new ConfigError(name, `client "${clientId}" is listed twice`)
    clients.set(clientId, secret)
  }
  return clients
}

/** `CORS_ORIGINS`: comma-separated exact origins; `*` is refused because credentials are allowed. */
function corsOrigins(env: Env): string[] {
  const name = 'CORS_ORIGINS'
  const raw = optional(env, name)
  if (raw === undefined) return []
  const origins: string[] = []
  for (const item of raw.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let origin: string | undefined
    try {
      const url = new URL(item)
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item.replace(/\/$/, '')) origin = url.origin
    } catch {
      origin = undefined
    }
    if (origin === undefined) throw new ConfigError(name, `expected origins such as https://app.example.com (scheme, host and port only), got "${item}"`)
    origins.push(origin)
  }
  return origins
}

function tokenSchemes(env: Env): ('Bearer' | 'JWT')[] {
  const raw = read(env, 'TOKEN_SCHEMES')
  const schemes = raw.split(',').map((part) => part.trim())
  const known = { bearer: 'Bearer', jwt: 'JWT' } as const
  const result: ('Bearer' | 'JWT')[] = []
  for (const scheme of schemes) {
    const value = known[scheme.toLowerCase() as keyof typeof known]
    if (value === undefined) throw new ConfigError('TOKEN_SCHEMES', `expected a list of Bearer and JWT, got "${raw}"`)
    if (!result.includes(value)) result.push(value)
  }
  return result
}

function compatProfile(env: Env): CompatProfile | undefined {
  const name = read(env, 'COMPAT_PROFILE').trim()
  if (name === '' || name === 'off') return undefined
  const profile = COMPAT_PROFILES[name]
  if (profile === undefined) throw new ConfigError('COMPAT_PROFILE', `expected one of ${Object.keys(COMPAT_PROFILES).join(', ')}, got "${name}"`)
  return profile
}

/** On unless set off, or unless the profile emulates a library that never rotates (and the setting does not say on). */
function refreshRotation(env: Env, profile: CompatProfile | undefined): boolean {
  const raw = read(env, 'REFRESH_ROTATION').trim()
  if (raw === '') return profile?.refreshRotation ?? true
  if (raw !== 'on' && raw !== 'off') throw new ConfigError('REFRESH_ROTATION', `expected on or off, got "${raw}"`)
  return raw === 'on'
}

function credentialRules(env: Env, profile: CompatProfile | undefined): CredentialRules {
  const schemes: string[] = [...tokenSchemes(env)]
  for (const scheme of profile?.token.schemes ?? []) if (!schemes.includes(scheme)) schemes.push(scheme)
  return Object.freeze({
    schemes: Object.freeze(schemes),
    cookies: oneOf(env, 'AUTH_COOKIES', ['on', 'off'] as const) === 'on',
    bareHeader: profile?.token.bareHeader ?? false,
    queryParameter: profile?.token.queryParameter,
  })
}

function workers(env: Env): number {
  const raw = read(env, 'WORKERS')
  if (raw === 'auto') return Math.max(1, cpus().length)
  return integer(env, 'WORKERS', 1, 64)
}

/** The settings of accounts over email (issue 16). */
function emailSettings(env: Env) {
  const base = publicUrl(env, read(env, 'HOST'), integer(env, 'PORT', 0, 65535))
  return {
    publicUrl: base,
    mailUrl: mailUrl(env),
    mailFrom: mailFrom(env),
    emailVerification: oneOf(env, 'EMAIL_VERIFICATION', ['off', 'optional', 'required'] as const),
    emailChangeConfirmation: oneOf(env, 'EMAIL_CHANGE_CONFIRMATION', ['on', 'off'] as const) === 'on',
    emailLinkVerify: linkTemplate(env, 'EMAIL_LINK_VERIFY', base, `${base}/verify-email?token={token}`),
    emailLinkReset: linkTemplate(env, 'EMAIL_LINK_RESET', base, `${base}/reset-password?token={token}`),
    verifyTokenTtl: duration(env, 'VERIFY_TOKEN_TTL', { min: 1 }),
    resetTokenTtl: duration(env, 'RESET_TOKEN_TTL', { min: 1 }),
    mailTemplatesDir: optional(env, 'MAIL_TEMPLATES_DIR'),
    rateLimitEmail: rateRule(env, 'RATE_LIMIT_EMAIL'),
    mailMaxAttempts: integer(env, 'MAIL_MAX_ATTEMPTS', 1, 100),
    mailRetryBase: duration(env, 'MAIL_RETRY_BASE', { min: 1 }),
    mailSendTimeout: duration(env, 'MAIL_SEND_TIMEOUT', { min: 1 }),
  }
}

/** `sqlite::memory:` and `sqlite:` (no path) open a private database per connection. */
function isInMemorySqlite(databaseUrl: string): boolean {
  return databaseUrl === 'sqlite::memory:' || databaseUrl === 'sqlite:'
}

function keyEncryptionSecret(env: Env): string | undefined {
  const secret = optional(env, 'KEY_ENCRYPTION_SECRET')
  if (secret !== undefined && Buffer.byteLength(secret, 'utf8') < 32) throw new ConfigError('KEY_ENCRYPTION_SECRET', 'must be at least 32 bytes')
  return secret
}

/** Shown by authenticator apps and carried in the otpauth URI's label, where `:` separates issuer and account. */
function mfaIssuer(env: Env): string {
  const issuer = read(env, 'MFA_ISSUER')
  if (issuer.length > 64 || issuer.includes(':') || /[\p{Cc}\p{Cf}]/u.test(issuer)) throw new ConfigError('MFA_ISSUER', 'expected at most 64 characters, without ":" or control characters')
  return issuer
}

/** `PUBLIC_URL`: an http(s) origin with an optional path; default `http://HOST:PORT`. */
function publicUrl(env: Env, host: string, port: number): string {
  const raw = optional(env, 'PUBLIC_URL') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  try {
    const url = new URL(raw)
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '') return url.href.replace(/\/+$/, '')
  } catch {
    // reported below
  }
  throw new ConfigError('PUBLIC_URL', `expected an http:// or https:// URL without query or fragment, got "${raw}"`)
}

/** `EMAIL_LINK_*`: an http(s) URL holding `{token}` once; `${PUBLIC_URL}` may start it. */
function linkTemplate(env: Env, name: string, base: string, fallback: string): string {
  const raw = (optional(env, name) ?? fallback).replaceAll('${PUBLIC_URL}', base)
  if (raw.split('{token}').length !== 2 || !/^https?:\/\/[^\s]+$/.test(raw)) {
    throw new ConfigError(name, `expected an http(s) URL containing {token} once, got "${raw}"`)
  }
  return raw
}

function mailUrl(env: Env): string {
  const raw = read(env, 'MAIL_URL')
  if (raw === 'log') return raw
  try {
    const url = new URL(raw)
    if ((url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '') return raw
  } catch {
    // reported below
  }
  // The URL may hold a password: name the scheme only.
  throw new ConfigError('MAIL_URL', 'expected log, smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]')
}

function mailFrom(env: Env): string {
  const raw = read(env, 'MAIL_FROM')
  if (!/^([^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/.test(raw.trim())) {
    throw new ConfigError('MAIL_FROM', `expected an address or "Name <address>", got "${raw}"`)
  }
  return raw.trim()
}

/**
 * Reads and checks every setting. Only this function reads the environment.
 *
 * @throws ConfigError naming the first bad variable.
 * @example
 * ```ts
 * const config = loadConfig(process.env)
 * ```
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const databaseUrl = read(env, 'DATABASE_URL')
  if (!/^(sqlite:|postgres(ql)?:\/\/|mysql:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected sqlite:<path>, sqlite::memory:, postgres://… or mysql://…')
  }
  const redisUrl = optional(env, 'REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) throw new ConfigError('REDIS_URL', 'expected redis://… or rediss://…')
  const jwtSecret = optional(env, 'JWT_SECRET')
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes (RFC 7518 §3.2: a key as long as the hash output)')
  }
  const jwtAlgorithm = oneOf(env, 'JWT_ALGORITHM', ['HS256', 'RS256', 'ES256', 'EdDSA'] as const)
  const jwtPrivateKeyFile = optional(env, 'JWT_PRIVATE_KEY_FILE')
  // Without a key file, the asymmetric algorithms use keys generated into the database (services/keys/key-store.ts).
  if (jwtAlgorithm !== 'HS256' && jwtPrivateKeyFile !== undefined) {
    // Read and checked now, so a wrong key stops the start with one line instead of failing later.
    try {
      readPrivateKeyFile(jwtAlgorithm, jwtPrivateKeyFile)
    } catch (error) {
      if (error instanceof KeyFileError) throw new ConfigError('JWT_PRIVATE_KEY_FILE', error.reason)
      throw error
    }
  }
  const jweKeyText = optional(env, 'JWE_KEY')
  const jweKey = jweKeyText === undefined ? undefined : parseJweKey(jweKeyText)
  if (jweKeyText !== undefined && jweKey === undefined) {
    throw new ConfigError('JWE_KEY', `expected 32 bytes as base64url (43 characters, or 44 with "=" padding), got ${jweKeyText.length} characters`)
  }
  const adminEmailText = optional(env, 'ADMIN_EMAIL')
  const adminEmail = adminEmailText === undefined ? undefined : normalizeEmail(adminEmailText)
  const adminPassword = optional(env, 'ADMIN_PASSWORD')
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together')
  }
  if (adminEmailText !== undefined && emailProblem(adminEmailText) !== undefined) {
    throw new ConfigError('ADMIN_EMAIL', `expected an email address: ${emailProblem(adminEmailText)}`)
  }
  if (adminPassword !== undefined) {
    const length = [...adminPassword.normalize('NFC')].length
    if (length < 8 || length > 128) throw new ConfigError('ADMIN_PASSWORD', 'must be 8 to 128 characters')
  }
  const profile = compatProfile(env)
  const config: Config = {
    host: read(env, 'HOST'),
    port: integer(env, 'PORT', 0, 65535),
    databaseUrl,
    redisUrl,
    redisPrefix: read(env, 'REDIS_PREFIX'),
    jwtAlgorithm,
    jwtSecret,
    jwtPrivateKeyFile,
    jwtIssuer: read(env, 'JWT_ISSUER'),
    jwtAudience: read(env, 'JWT_AUDIENCE'),
    accessTokenFormat: oneOf(env, 'ACCESS_TOKEN_FORMAT', ['jws', 'jwe'] as const),
    jweKey,
    jweAlgorithm: oneOf(env, 'JWE_ALGORITHM', ['dir', 'A256KW'] as const),
    accessTokenTtl: duration(env, 'ACCESS_TOKEN_TTL', { min: 1 }),
    refreshTokenTtl: duration(env, 'REFRESH_TOKEN_TTL', { min: 1 }),
    refreshReuseGrace: duration(env, 'REFRESH_REUSE_GRACE'),
    jwtLeeway: duration(env, 'JWT_LEEWAY'),
    adminEmail,
    adminPassword,
    registration: oneOf(env, 'REGISTRATION', ['open', 'closed'] as const),
    loginFailureLimit: rateRule(env, 'LOGIN_FAILURE_LIMIT'),
    rateLimitAuth: rateRule(env, 'RATE_LIMIT_AUTH'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    metricsToken: optional(env, 'METRICS_TOKEN'),
    trustProxy: integer(env, 'TRUST_PROXY', 0, 10),
    revocationPollInterval: duration(env, 'REVOCATION_POLL_INTERVAL'),
    shutdownTimeout: duration(env, 'SHUTDOWN_TIMEOUT', { min: 1 }),
    hashConcurrency: integer(env, 'PASSWORD_HASH_CONCURRENCY', 1, 64),
    hashQueueLimit: integer(env, 'PASSWORD_HASH_QUEUE', 0, 100000),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 1, 100),
    databaseStatementTimeout: duration(env, 'DATABASE_STATEMENT_TIMEOUT'),
    databaseConnectTimeout: duration(env, 'DATABASE_CONNECT_TIMEOUT', { min: 1 }),
    introspectionClients: introspectionClients(env),
    authCookies: oneOf(env, 'AUTH_COOKIES', ['on', 'off'] as const) === 'on',
    corsOrigins: corsOrigins(env),
    tokenSchemes: tokenSchemes(env),
    compatRoutes: oneOf(env, 'COMPAT_ROUTES', ['on', 'off'] as const) === 'on',
    compatProfile: profile?.name,
    refreshRotation: refreshRotation(env, profile),
    credentialRules: credentialRules(env, profile),
    workers: workers(env),
    auditRetention: duration(env, 'AUDIT_RETENTION'),
    keyEncryptionSecret: keyEncryptionSecret(env),
    mfa: oneOf(env, 'MFA', ['optional', 'required_for_admins', 'required'] as const),
    mfaIssuer: mfaIssuer(env),
    ...emailSettings(env),
    webauthn: webauthnSettings(env, publicUrl(env, read(env, 'HOST'), integer(env, 'PORT', 0, 65535))),
  }
  if (config.refreshTokenTtl <= config.accessTokenTtl) {
    throw new ConfigError('REFRESH_TOKEN_TTL', 'must be longer than ACCESS_TOKEN_TTL')
  }
  // Each worker would open its own empty in-memory database: logins would alternate 401/200 (@see issue 13).
  if (config.workers > 1 && isInMemorySqlite(databaseUrl)) {
    throw new ConfigError('WORKERS', `WORKERS=${config.workers} cannot share DATABASE_URL=${databaseUrl} (each worker would get its own empty database); use a sqlite:<file>, postgres:// or mysql:// database, or WORKERS=1`)
  }
  return Object.freeze(config)
}

/** An http(s) URL, or undefined. */
function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * The WebAuthn relying party, from `PUBLIC_URL` unless set: the RP ID is its hostname (no
 * port), the allowed origin its origin. Every origin must be on the RP ID or a subdomain of it
 * (WebAuthn §5.1.3 step 8), or browsers would refuse every ceremony; that is a setting error,
 * found at start.
 */
function webauthnSettings(env: Env, publicUrl: string): WebAuthnSettings {
  const url = new URL(publicUrl)
  // Derived from PUBLIC_URL it is taken as it is: an IP address (HOST=::, no PUBLIC_URL) cannot be a
  // relying party, so passkeys then fail in the browser, but the server still starts. Set, it is checked.
  const explicitRpId = optional(env, 'WEBAUTHN_RP_ID')
  const rpId = (explicitRpId ?? url.hostname.replace(/^\[|\]$/g, '')).toLowerCase()
  if (explicitRpId !== undefined && (!/^[a-z0-9.-]+$/.test(rpId) || rpId.startsWith('.') || rpId.endsWith('.'))) {
    throw new ConfigError('WEBAUTHN_RP_ID', `expected a host name without scheme or port (such as example.com), got "${rpId}"`)
  }
  const originsText = optional(env, 'WEBAUTHN_ORIGINS')
  const origins = originsText === undefined ? [url.origin] : originsText.split(',').map((part) => part.trim()).filter((part) => part !== '')
  for (const [index, origin] of origins.entries()) {
    const parsed = parseHttpUrl(origin)
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '')) throw new ConfigError('WEBAUTHN_ORIGINS', `item ${index + 1}: expected an origin such as https://app.example.com, got "${origin}"`)
    origins[index] = parsed.origin
    if ((originsText !== undefined || explicitRpId !== undefined) && parsed.hostname !== rpId && !parsed.hostname.endsWith(`.${rpId}`)) {
      throw new ConfigError('WEBAUTHN_ORIGINS', `${parsed.origin} is not on the relying party ID ${rpId} or a subdomain of it`)
    }
  }
  return Object.freeze({ rpId, rpName: read(env, 'WEBAUTHN_RP_NAME'), origins: Object.freeze(origins) })
}
