// The typed result of loadConfig (load.ts): what every layer reads instead of the environment.
import type { AsymmetricAlgorithm } from '../key-formats/private-key-file.js'
import type { CredentialRules } from '../domain/credential-rules.js'

/** The environment loadConfig reads: process.env, or any record of the same shape (tests, .env merged in). */
export type Env = Record<string, string | undefined>

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
