import { AppError, fieldError } from '../../errors.js'
import type { Config } from '../../config.js'
import type { Storage } from '../../storage/index.js'
import type { UserRecord } from '../../storage/users.js'
import type { LoginFailures } from '../login-failures.js'
import { RECOVERY_CODE_AMR, TOTP_AMR, type ClientInfo, type IssuedTokens, type Sessions } from '../sessions.js'
import type { FactorSecrets } from './factor-secrets.js'
import { hashMfaToken, MFA_TOKEN_ATTEMPTS, MFA_TOKEN_TTL_MS, newMfaToken } from './mfa-tokens.js'
import { hasSecondFactor, mustHaveSecondFactor } from './policy.js'
import { hashRecoveryCode } from './recovery-codes.js'
import { matchTotpStep } from './totp.js'

/** What a login of a user with a right password leads to. */
export type LoginGate = { kind: 'challenge'; methods: string[] } | { kind: 'enrol' } | { kind: 'none' }

/** One answer of `POST /auth/mfa/challenge`. */
export type ChallengeAnswer = { kind: 'code'; code: string } | { kind: 'recovery_code'; recoveryCode: string } | { kind: 'passkey'; assertion: unknown }

/**
 * PASSKEY EXTENSION POINT: checks a WebAuthn assertion against the user's passkeys (limited
 * to that account) and returns the session's amr (`["pwd", "hwk"]`), or null when it does not
 * verify (counted as a wrong answer). Passed to createMfaChallenge as `verifyPasskey`; until it
 * is, a `passkey` answer is 400 `validation_failed`.
 */
export type PasskeyAnswerVerifier = (user: UserRecord, assertion: unknown) => Promise<readonly string[] | null>

export interface MfaChallenge {
  /** Where a login with the right password goes next (MFA policy, the account's factors). */
  gate(user: UserRecord): LoginGate
  /** The 401 `mfa_required` of a login: issues a single-use `mfa_token` for the account. */
  required(user: UserRecord, methods: string[]): Promise<AppError>
  /** The account of a live mfa_token, for passkey options limited to it (`mfa_code_invalid` otherwise). Spends nothing. */
  pendingLogin(mfaToken: string): Promise<{ userId: string; mfaTokenHash: string }>
  /** `POST /auth/mfa/challenge`: a live mfa_token and a right answer give a session. */
  answer(mfaToken: string, answer: ChallengeAnswer, client: ClientInfo): Promise<IssuedTokens>
}

/**
 * The second step of a login (issue 18). Every answer counts twice toward LOGIN_FAILURE_LIMIT
 * (cleared again by a right one): for (account, client address), the key a wrong password
 * uses, and for the account from any address, so spreading guesses over many addresses does
 * not widen the budget (docs/mfa.md, "Brute force"). Each mfa_token also dies after
 * MFA_TOKEN_ATTEMPTS answers, and a correct password never clears the count while a factor is
 * pending.
 */
export function createMfaChallenge(deps: {
  config: Config
  storage: Storage
  secrets: FactorSecrets
  failures: LoginFailures
  sessions: Sessions
  now: () => number
  verifyPasskey?: PasskeyAnswerVerifier
}): MfaChallenge {
  const { config, storage, secrets, failures, sessions, now } = deps
  const invalid = (detail: string, subjectId?: string) => new AppError('mfa_code_invalid', detail, subjectId === undefined ? {} : { subjectId })

  /** A TOTP code of the current step ±1, whose step is claimed in storage: a code works once. */
  async function verifyTotp(user: UserRecord, code: string): Promise<readonly string[] | null> {
    const factor = await storage.mfaFactors.findTotp(user.id)
    if (!factor?.confirmed) return null
    const step = matchTotpStep(await secrets.open(user.id, factor.sealedSecret), code, now())
    if (step === null || !(await storage.mfaFactors.claimTotpStep(user.id, step, now()))) return null
    if (secrets.needsReseal(factor.sealedSecret)) {
      await storage.mfaFactors.resealTotp(user.id, factor.sealedSecret, await secrets.seal(user.id, await secrets.open(user.id, factor.sealedSecret)))
    }
    return TOTP_AMR
  }

  async function verifyRecoveryCode(user: UserRecord, recoveryCode: string): Promise<readonly string[] | null> {
    return (await storage.mfaFactors.useRecoveryCode(user.id, hashRecoveryCode(recoveryCode), now())) ? RECOVERY_CODE_AMR : null
  }

  /** One function per kind of answer; the passkeys branch supplies the third. */
  function verifyAnswer(user: UserRecord, answer: ChallengeAnswer): Promise<readonly string[] | null> {
    if (answer.kind === 'code') return verifyTotp(user, answer.code)
    if (answer.kind === 'recovery_code') return verifyRecoveryCode(user, answer.recoveryCode)
    return deps.verifyPasskey!(user, answer.assertion)
  }

  return {
    gate(user) {
      const methods: string[] = user.mfa.totp ? ['totp', 'recovery_code'] : []
      if (user.mfa.passkeys > 0 && (user.mfa.totp || mustHaveSecondFactor(config.mfa, user))) methods.push('passkey')
      if (methods.length > 0) return { kind: 'challenge', methods }
      if (mustHaveSecondFactor(config.mfa, user) && !hasSecondFactor(user)) return { kind: 'enrol' }
      return { kind: 'none' }
    },

    async required(user, methods) {
      const { token, hash } = newMfaToken()
      const at = now()
      await storage.mfaTokens.insert({ tokenHash: hash, userId: user.id, createdAt: at, expiresAt: at + MFA_TOKEN_TTL_MS, attempts: 0, usedAt: null })
      return new AppError('mfa_required', 'The password is right; now send a second factor to POST /auth/mfa/challenge', {
        subjectId: user.id,
        extensions: { mfa_token: token, methods },
      })
    },

    async pendingLogin(mfaToken) {
      const tokenHash = hashMfaToken(mfaToken)
      const pending = await storage.mfaTokens.findLive(tokenHash, now(), MFA_TOKEN_ATTEMPTS)
      if (!pending) throw invalid('The mfa_token is unknown, used, expired or out of attempts; log in again')
      return { userId: pending.userId, mfaTokenHash: tokenHash }
    },

    async answer(mfaToken, answer, client) {
      // Refused before anything is looked up or counted: the server cannot take this kind of answer at all.
      if (answer.kind === 'passkey' && !deps.verifyPasskey) throw fieldError('/passkey', 'passkey answers are not available on this server yet')
      const tokenHash = hashMfaToken(mfaToken)
      const pending = await storage.mfaTokens.findLive(tokenHash, now(), MFA_TOKEN_ATTEMPTS)
      if (!pending) throw invalid('The mfa_token is unknown, used, expired or out of attempts; log in again')
      const user = await storage.users.findById(pending.userId)
      if (!user) throw invalid('The mfa_token is unknown, used, expired or out of attempts; log in again')
      if (!user.active) throw new AppError('account_disabled', 'This account has been deactivated', { subjectId: user.id })
      // Every answer spends one of the token's attempts, then counts as a failure for two keys
      // (the one a wrong password of this account from this address counts under, and one for
      // the account alone), before it is checked: each is one atomic step, so a burst of
      // concurrent guesses cannot all slip past the limits. A right answer clears the counts.
      if (!(await storage.mfaTokens.spendAttempt(tokenHash, now(), MFA_TOKEN_ATTEMPTS))) {
        throw invalid('The mfa_token is unknown, used, expired or out of attempts; log in again', user.id)
      }
      const keys = [`id:${user.id}|${client.ip ?? ''}`, `mfa:${user.id}`]
      for (const key of keys) {
        await failures.reserveAttempt(key).catch((error: unknown) => {
          throw error instanceof AppError ? new AppError(error.code, error.message, { headers: error.headers, subjectId: user.id }) : error
        })
      }
      // A passkey that does not verify says so (passkey_invalid); its attempt was counted above, as any answer's is.
      let refusal: AppError | undefined
      const amr = await verifyAnswer(user, answer).catch((error: unknown) => {
        if (!(error instanceof AppError && error.code === 'passkey_invalid')) throw error
        refusal = error
        return null
      })
      if (amr === null) throw refusal ?? invalid('The code is wrong, already used or expired', user.id)
      // Single use: of two right answers racing with one token, one gets the session.
      if (!(await storage.mfaTokens.use(tokenHash, now()))) throw invalid('The mfa_token was used meanwhile; log in again', user.id)
      for (const key of keys) await failures.clear(key)
      const at = now()
      await storage.users.touchLogin(user.id, at)
      return sessions.start({ ...user, lastLoginAt: at }, client, { amr })
    },
  }
}
