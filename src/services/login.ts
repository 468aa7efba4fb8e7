import { hasForbiddenCharacters, normalizeEmail, passwordProblem, usernameKey } from '../domain/identifiers.js'
import { AppError } from '../errors.js'
import type { Storage } from '../storage/index.js'
import type { MfaChallenge } from './factors/challenge.js'
import type { LoginFailures } from './login-failures.js'
import type { PasswordHasher } from './passwords.js'
import { PASSWORD_AMR, type ClientInfo, type IssuedTokens, type Sessions } from './sessions.js'

/** Exactly one of `email` or `username`, as the body or the Basic header gave it. */
export interface LoginCredentials {
  email?: string
  username?: string
  password: string
}

export type Login = (credentials: LoginCredentials, client: ClientInfo) => Promise<IssuedTokens>

/**
 * The login orchestration. Unknown users and wrong passwords take the same
 * path, the same time (a dummy argon2 verification) and get the same error,
 * so neither the body nor the clock tells whether an account exists. The
 * exception is an imported account still on a slow legacy hash, until its
 * first login upgrades it (docs/password-formats.md, "Timing caveat").
 */
export function createLogin(deps: {
  storage: Storage
  passwords: PasswordHasher
  failures: LoginFailures
  sessions: Sessions
  /** The second step (issue 18): whether this account needs a second factor or must enrol one. */
  mfa: MfaChallenge
  /** EMAIL_VERIFICATION=required: a correct password on an unverified address is refused (issue 16). */
  requireVerifiedEmail?: boolean
  now: () => number
}): Login {
  const { storage, passwords, failures, sessions, mfa, now } = deps

  return async function login(credentials, client) {
    const byEmail = credentials.email !== undefined
    const raw = byEmail ? credentials.email! : (credentials.username ?? '')
    // Normalised as registration stored it. A login string no identifier could hold (NUL,
    // zero-width, bidi controls) finds nobody without asking the database, which for NUL
    // would fail on PostgreSQL: it takes the unknown-user path and gets the same answer.
    const identifier = byEmail ? normalizeEmail(raw) : usernameKey(raw)
    const lookup = !hasForbiddenCharacters(raw)
    const user = !lookup ? undefined : byEmail ? await storage.users.findByEmail(identifier) : await storage.users.findByUsername(identifier)
    // Counted per account (so email and username share one budget), or per login string for
    // unknown accounts, which from outside behaves exactly the same.
    const failureKey = `${user ? `id:${user.id}` : `login:${identifier}`}|${client.ip ?? ''}`
    await failures.assertAllowed(failureKey).catch((error: unknown) => {
      throw error instanceof AppError && user ? withSubject(error, user.id) : error
    })

    if (!user) {
      await passwords.dummyVerify(credentials.password)
      await failures.recordFailure(failureKey)
      throw invalidCredentials()
    }
    const { ok, needsRehash } = await passwords.check(user.passwordHash, credentials.password)
    if (!ok) {
      await failures.recordFailure(failureKey)
      throw invalidCredentials(user.id)
    }
    // Told only to someone who knows the password, so it reveals nothing to a guesser. Checked
    // before anything is written: a refused login changes nothing, not even the stored hash (@see issue 13).
    if (!user.active) throw new AppError('account_disabled', 'This account has been deactivated', { subjectId: user.id })
    // Same footing: told only with the right password. An account without an address cannot verify one, so it is not held to it.
    if (deps.requireVerifiedEmail && user.email && !user.emailVerified) {
      throw new AppError('email_not_verified', 'Verify your email address first: use the link we sent you', { subjectId: user.id })
    }
    // Now that we hold the right password, a legacy or weaker hash goes.
    if (needsRehash) await upgradePasswordHash(user.id, user.passwordHash, credentials.password)
    const gate = mfa.gate(user)
    // A second factor is pending: the failure count is NOT cleared, or a guesser holding the
    // password could reset the code-guessing budget with each login (docs/mfa.md, "Brute force").
    if (gate.kind === 'challenge') throw await mfa.required(user, gate.methods)
    await failures.clear(failureKey)

    await storage.users.touchLogin(user.id, now())
    const issued = await sessions.start({ ...user, lastLoginAt: now() }, client, { amr: PASSWORD_AMR, scope: gate.kind === 'enrol' ? 'mfa_enrollment' : null })
    // A legacy password below today's policy (imported, 6 characters) logs in, and the answer says so (@see issue 17).
    return passwordProblem(credentials.password) === undefined ? issued : { ...issued, passwordChangeRequired: true }
  }

  /**
   * Replaces the hash just verified with argon2id. Not a password change: sessions stay. Stored
   * only if the row still holds the verified hash, so a concurrent password change wins. A
   * failure (hash queue full, database hiccup) must not fail a login whose password was right:
   * the old hash still works and the next login tries again.
   */
  async function upgradePasswordHash(userId: string, verifiedHash: string, password: string): Promise<void> {
    try {
      await storage.users.replacePasswordHash(userId, verifiedHash, await passwords.hash(password), now())
    } catch {
      // Deliberately swallowed (see above); the service has no logger, and the login goes on.
    }
  }
}

/** `subjectId` (the attacked account, when it exists) goes to the audit log only; the answer is the same either way. */
function invalidCredentials(subjectId?: string): AppError {
  return new AppError('invalid_credentials', 'The login or password is incorrect', subjectId === undefined ? {} : { subjectId })
}

function withSubject(error: AppError, subjectId: string): AppError {
  return new AppError(error.code, error.message, { errors: error.errors, headers: error.headers, cause: error.cause, subjectId })
}
