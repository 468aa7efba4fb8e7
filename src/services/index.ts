import cluster from 'node:cluster'
import type { Config } from '../config.js'
import type { Storage } from '../storage/index.js'
import { createAccessTokens, type AccessTokens } from './access-tokens.js'
import { loadEncryptionKey } from './keys/jwe-key.js'
import { createAuditLog, type AuditLog } from './audit.js'
import { createKeyRing, type KeyRing } from './keys/keyring.js'
import { pruneExpiredKeys } from './keys/key-store.js'
import { createSigningKeys, type SigningKeys } from './keys/signing-keys.js'
import type { JwksDocument } from './keys/keys.js'
import { createCsrfTokens, loadCsrfKey, type CsrfTokens } from './csrf.js'
import { createMfaChallenge, type MfaChallenge, type PasskeyAnswerVerifier } from './factors/challenge.js'
import { createTotpEnrolment, type TotpEnrolment } from './factors/enrolment.js'
import { createFactorSecrets } from './factors/factor-secrets.js'
import { createLogin, type Login } from './login.js'
import { createLoginFailures } from './login-failures.js'
import { createRedisLoginFailures } from './login-failures-redis.js'
import type { RedisConnections } from './redis.js'
import { chooseRevocationBroadcast } from './revocation/choose-broadcast.js'
import { createPasswordHasher, type Argon2Cost, type PasswordHasher } from './passwords.js'
import { createRevocationList, type RevocationList } from './revocation/list.js'
import { loadSuccessorKey } from './refresh-tokens.js'
import { createSessions, type Sessions } from './sessions.js'
import { createUsers, type Users } from './users.js'
import { appNameOf, createAccountMail } from './account-mail.js'
import { createEmailFlows, type EmailFlows } from './email-flows.js'
import { createMailSender, type MailSender } from '../mail/sender.js'
import { createOutboxQueue, type OutboxQueue } from '../mail/outbox-queue.js'
import { loadMailTemplates, type MailTemplates } from '../mail/templates/index.js'
import { createMailTransport, type MailLog } from '../mail/transports.js'
import { emailTokenQueries, mailRateQueries } from '../storage/email-tokens.js'
import { createPasskeyLogin, type PasskeyLogin } from './factors/passkey-login.js'
import { createPasskeyAssertions, passkeyAnswerVerifier, type PasskeyAssertions } from './factors/passkey-sign-in.js'
import { createPasskeys, type Passkeys } from './factors/passkeys.js'
import { createWebauthnChallenges } from './factors/webauthn-challenges.js'

export interface Services {
  config: Config
  storage: Storage
  passwords: PasswordHasher
  accessTokens: AccessTokens
  revocation: RevocationList
  sessions: Sessions
  users: Users
  login: Login
  /** The second step of a login with a second factor (issue 18). */
  mfa: MfaChallenge
  /** A user's own TOTP factor and recovery codes; the admin reset. */
  totp: TotpEnrolment
  /** A user's passkeys: registration, listing, renaming, removal (docs/passkeys.md). */
  passkeys: Passkeys
  /** Passkey assertions: request options, and verifying one (sign-in or a login's second step). */
  passkeyAssertions: PasskeyAssertions
  /** Usernameless sign-in with a passkey. */
  passkeyLogin: PasskeyLogin
  /** Security events (issue 7): recorded by the HTTP layer and the CLI, read by GET /admin/audit. */
  audit: AuditLog
  /** The signing keys: the active one, and retired ones still verifying. */
  keys: KeyRing
  /** Listing, generating and rotating keys (CLI and /admin/keys). */
  signingKeys: SigningKeys
  /** The JWKS as it stands now (it follows rotations). */
  readonly jwks: JwksDocument
  /** CSRF tokens of cookie-authenticated browser sessions (AUTH_COOKIES). */
  csrf: CsrfTokens
  /** Set when `REDIS_URL` is: revocations and limits are shared through it. */
  redis: RedisConnections | undefined
  /** Accounts over email (issue 16): the flows, the outbox, and this process's sender (when it runs one). */
  email: EmailFlows
  outbox: OutboxQueue
  mailTemplates: MailTemplates
  mailSender: MailSender | undefined
  now: () => number
  /** Stops background timers and the hashing threads. Does not close storage (its owner does). */
  stop(): Promise<void>
}

export interface ServiceDeps {
  /** Epoch milliseconds; injected so tests can move time. */
  now?: () => number
  /** Failures of background work (pruning, polling), for the log. */
  onBackgroundError?: (error: unknown) => void
  /**
   * argon2id cost of new password hashes (default: OWASP's, ARGON2_OPTIONS). Not a setting:
   * the test harness lowers it for tests that are not about hashing. Never lower it in production.
   */
  passwordHashCost?: Argon2Cost
  /** Answers `{mfa_token, passkey}` at POST /auth/mfa/challenge (the passkeys branch supplies it). */
  verifyPasskey?: PasskeyAnswerVerifier
  /** Run the background mail sender in this process (servers do; the CLI and plain createServices() do not). */
  sendMail?: boolean
  /** Where the mail sender and the log transport write (MAIL_URL=log logs each mail at info). */
  log?: MailLog
}

/** Sent and failed mails are kept this long for the operator, then pruned. */
const OUTBOX_RETENTION_MS = 7 * 86_400_000

/** How long start-up waits for Redis before serving without it (failing closed). */
const REDIS_START_WAIT_MS = 5000

/** How often expired revocations and ended sessions are pruned. */
const SWEEP_INTERVAL_MS = 60_000

/**
 * Wires every service over one storage. The only place where the pieces meet.
 *
 * @example
 * ```ts
 * const services = await createServices(loadConfig(), await openStorage('sqlite::memory:'))
 * ```
 */
export async function createServices(config: Config, storage: Storage, deps: ServiceDeps = {}): Promise<Services> {
  const now = deps.now ?? Date.now
  const onError = (error: unknown) => deps.onBackgroundError?.(error)
  const keys = await createKeyRing({ config, storage, now, onError })
  const encryption = await loadEncryptionKey(config, storage.settings)
  // ioredis is loaded only with REDIS_URL (resident memory, as the database drivers in storage/connect.ts).
  const redis = config.redisUrl ? (await import('./redis.js')).connectRedis(config.redisUrl, config.redisPrefix, onError) : undefined
  const revocation = createRevocationList(storage.revocations, {
    now,
    retentionMs: (config.accessTokenTtl + config.jwtLeeway) * 1000,
    pollIntervalMs: config.revocationPollInterval * 1000,
    broadcast: chooseRevocationBroadcast({ redis, storage, isWorker: cluster.isWorker, onError }),
    onError,
  })
  // Give Redis a moment before serving, so the first requests are not refused while it connects;
  // if it is down, start anyway and fail closed until it answers.
  if (redis && !(await redis.waitUntilReady(REDIS_START_WAIT_MS))) onError(new Error('Redis is not reachable yet; failing closed until it is'))
  await revocation.load()
  await revocation.start()
  const passwords = createPasswordHasher({ concurrency: config.hashConcurrency, queueLimit: config.hashQueueLimit, cost: deps.passwordHashCost })
  const accessTokens = await createAccessTokens({ config, keys, encryption, revocation, now })
  const sessions = createSessions({ config, storage, accessTokens, revocation, successorKey: await loadSuccessorKey(storage.settings), now })
  const mailTemplates = loadTemplatesOrExplain(config.mailTemplatesDir)
  const accountMail = createAccountMail({ config, now })
  const email = createEmailFlows({ config, storage, passwords, sessions, mail: accountMail, now })
  const users = createUsers({ config, storage, passwords, sessions, mail: accountMail, emailFlows: email, now })
  const outbox = createOutboxQueue(storage.db)
  const log = deps.log ?? SILENT_LOG
  const mailSender = deps.sendMail
    ? createMailSender({
        db: storage.db,
        transport: createMailTransport({ mailUrl: config.mailUrl, databaseUrl: config.databaseUrl, sendTimeoutSeconds: config.mailSendTimeout, log }),
        templates: mailTemplates,
        from: config.mailFrom,
        appName: appNameOf(config.mailFrom),
        maxAttempts: config.mailMaxAttempts,
        retryBaseSeconds: config.mailRetryBase,
        sendTimeoutSeconds: config.mailSendTimeout,
        now,
        log,
      })
    : undefined
  mailSender?.start()
  const failures = redis ? createRedisLoginFailures(redis.commands, redis.prefix, config.loginFailureLimit) : createLoginFailures(config.loginFailureLimit, now)
  const secrets = await createFactorSecrets(config, storage.settings)
  const challenges = createWebauthnChallenges({ storage, now })
  const passkeyAssertions = createPasskeyAssertions({ webauthn: config.webauthn, storage, challenges, failures, now })
  const mfa = createMfaChallenge({ config, storage, secrets, failures, sessions, now, verifyPasskey: deps.verifyPasskey ?? passkeyAnswerVerifier(passkeyAssertions) })
  const totp = createTotpEnrolment({ config, storage, secrets, mail: accountMail, now })
  const login = createLogin({ storage, passwords, failures, sessions, mfa, requireVerifiedEmail: config.emailVerification === 'required', now })
  const audit = createAuditLog({ storage, retentionSeconds: config.auditRetention, now, onError })
  const csrf = createCsrfTokens(await loadCsrfKey(storage.settings))
  const passkeys = createPasskeys({ webauthn: config.webauthn, storage, challenges, now })
  const passkeyLogin = createPasskeyLogin({ storage, assertions: passkeyAssertions, sessions, now })

  const retentionMs = (config.accessTokenTtl + config.jwtLeeway) * 1000
  const sweeper = setInterval(() => {
    const at = now()
    // A revoked session is kept as long as its access tokens could live, so reuse of its refresh token is still recognised.
    // Keys past their window go too (never the active one): tokens naming them are refused either way.
    Promise.all([
      revocation.sweep(),
      storage.sessions.prune(at, at - retentionMs),
      keys.pinned ? 0 : pruneExpiredKeys(config, storage, at),
      audit.prune(),
      storage.mfaTokens.prune(at),
      emailTokenQueries.prune(storage.db, at),
      mailRateQueries.prune(storage.db, at - config.rateLimitEmail.windowSeconds * 1000),
      challenges.prune(),
      outbox.prune(at - Math.max(OUTBOX_RETENTION_MS, config.rateLimitEmail.windowSeconds * 1000)),
    ]).catch(onError)
  }, SWEEP_INTERVAL_MS)
  sweeper.unref()

  return {
    config,
    storage,
    passwords,
    accessTokens,
    revocation,
    sessions,
    users,
    login,
    mfa,
    totp,
    passkeys,
    passkeyAssertions,
    passkeyLogin,
    audit,
    keys,
    signingKeys: createSigningKeys({ config, storage, now, keys }),
    get jwks() {
      return keys.jwks()
    },
    csrf,
    redis,
    email,
    outbox,
    mailTemplates,
    mailSender,
    now,
    async stop() {
      clearInterval(sweeper)
      await mailSender?.stop()
      await audit.stop()
      keys.stop()
      await revocation.stop()
      await passwords.close()
      await redis?.close()
    },
  }
}

const SILENT_LOG: MailLog = { info() {}, warn() {}, error() {} }

/** A broken override (unknown template, unknown variable) stops the start with one line naming the setting. */
function loadTemplatesOrExplain(overridesDir: string | undefined): MailTemplates {
  try {
    return loadMailTemplates({ overridesDir })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(overridesDir === undefined ? `mail templates: ${reason}` : `Invalid MAIL_TEMPLATES_DIR: ${reason}`, { cause: error })
  }
}
