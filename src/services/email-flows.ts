import { v7 as uuidv7 } from 'uuid'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import { hasForbiddenCharacters, normalizeEmail, passwordProblem } from '../domain/identifiers.js'
import { AppError, fieldError } from '../errors.js'
import { withConflictRetry } from '../storage/conflicts.js'
import type { Database } from '../storage/database.js'
import { emailTokenQueries, mailRateQueries } from '../storage/email-tokens.js'
import type { Storage } from '../storage/index.js'
import { createUserQueries, UniqueViolation, type UserRecord } from '../storage/users.js'
import { rateKey, type AccountMail } from './account-mail.js'
import { findLiveToken, newToken, TOKEN_PURPOSES, useToken, voidAllTokens } from './one-time-tokens.js'
import type { PasswordHasher } from './passwords.js'
import type { Sessions } from './sessions.js'

/**
 * The flows of accounts over email (issue 16): verify an address, forget and reset a password,
 * confirm an address change. Each change and the mail it causes are one transaction.
 */
export function createEmailFlows(deps: { config: Config; storage: Storage; passwords: PasswordHasher; sessions: Sessions; mail: AccountMail; now: () => number }) {
  const { config, storage, passwords, sessions, mail, now } = deps

  /** One transaction, retried on a transient conflict (a deadlock, SQLite busy). */
  const transaction = <T>(work: (trx: Kysely<Database>) => Promise<T>) => withConflictRetry(() => storage.db.transaction().execute(work))

  async function requireUser(id: string): Promise<UserRecord> {
    const user = await storage.users.findById(id)
    if (!user) throw new AppError('user_not_found', 'No user has this id')
    return user
  }

  return {
    /**
     * `POST /auth/email/verify/request` (and the admin's send-verification): a link to the pending
     * address when a change waits, else to the address, unless it is already verified.
     */
    async requestVerification(userId: string): Promise<void> {
      const user = await requireUser(userId)
      await transaction(async (trx) => {
        if (user.pendingEmail) await mail.emailChangeConfirmation(trx, user, user.pendingEmail)
        else if (!user.emailVerified) await mail.verification(trx, user)
      })
    },

    /** `POST /auth/email/verify`: proves the address the link went to, or completes a pending change. */
    async verify(token: string): Promise<UserRecord> {
      const at = now()
      const row = await findLiveToken(storage.db, token, ['verify_email', 'email_change'], at)
      const user = await storage.users.findById(row.user_id)
      // The link is of one address: once the account holds another (or waits for another), it proves nothing.
      const current = row.purpose === 'verify_email' ? user?.email : user?.pendingEmail
      if (!user || current !== row.email) throw new AppError('email_token_invalid', 'This link is for an address the account no longer has')
      try {
        await transaction(async (trx) => {
          await useToken(trx, row, at)
          const changes = row.purpose === 'verify_email' ? { emailVerified: true } : { email: row.email, emailVerified: true, pendingEmail: null }
          await createUserQueries(trx).update(user.id, changes, at)
        })
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error
        // Taken by another account since the link was sent: the change cannot happen; end it cleanly.
        await transaction(async (trx) => {
          await useToken(trx, row, at)
          await createUserQueries(trx).update(user.id, { pendingEmail: null }, at)
        }).catch(() => undefined)
        throw new AppError('user_exists', 'Another account has taken this address meanwhile')
      }
      return requireUser(user.id)
    },

    /**
     * `POST /auth/password/forgot`. The same work, answer and time for every address: unknown,
     * inactive and limited addresses run the same transaction (count, record, a token's voiding)
     * as a known one, which adds only the two inserts of the token and its mail.
     */
    async forgotPassword(rawEmail: string): Promise<void> {
      const email = normalizeEmail(rawEmail)
      const user = hasForbiddenCharacters(rawEmail) ? undefined : await storage.users.findByEmail(email)
      const key = rateKey('password_reset', email)
      newToken() // the cost of a token, on every path
      await transaction(async (trx) => {
        const at = now()
        const limited = (await mailRateQueries.count(trx, key, at - config.rateLimitEmail.windowSeconds * 1000)) >= config.rateLimitEmail.max
        if (!limited) await mailRateQueries.record(trx, key, at)
        if (limited || !user || !user.active) {
          // The statement a known account's token would run first, for an id nobody has (so no live link is touched).
          await emailTokenQueries.voidLive(trx, uuidv7(), ['password_reset'], at)
          return
        }
        await mail.passwordReset(trx, user)
      })
    },

    /** `POST /auth/password/reset`: the new password, the address verified, every session ended, a notice. */
    async resetPassword(token: string, newPassword: string): Promise<string> {
      const problem = passwordProblem(newPassword)
      if (problem) throw fieldError('/new_password', problem)
      const at = now()
      const row = await findLiveToken(storage.db, token, ['password_reset'], at)
      const user = await storage.users.findById(row.user_id)
      if (!user || !user.active || user.email !== row.email) throw new AppError('email_token_invalid', 'This link is not valid for this account any more')
      const passwordHash = await passwords.hash(newPassword)
      await transaction(async (trx) => {
        await useToken(trx, row, at)
        await createUserQueries(trx).update(user.id, { passwordHash, emailVerified: true }, at)
        await voidAllTokens(trx, user.id, at)
        await mail.notice(trx, user, 'password_changed')
      })
      // The existing revocation path: every session, and every access token, at once.
      await sessions.revokeAll(user.id)
      return user.id
    },

    /**
     * An address change (`PATCH /auth/me {email}`, fresh token): with EMAIL_CHANGE_CONFIRMATION=on
     * the address waits in `pending_email` for its link and the current address gets a notice;
     * with `off` it changes at once, unverified (and a verification link goes to it).
     */
    async changeEmail(user: UserRecord, newEmail: string): Promise<void> {
      const taken = await storage.users.findByEmail(newEmail)
      if (taken && taken.id !== user.id) throw new AppError('user_exists', 'A user with this email already exists')
      const at = now()
      try {
        await transaction(async (trx) => {
          const users = createUserQueries(trx)
          if (config.emailChangeConfirmation) {
            await users.update(user.id, { pendingEmail: newEmail }, at)
            await mail.emailChangeConfirmation(trx, user, newEmail)
          } else {
            await users.update(user.id, { email: newEmail, emailVerified: false, pendingEmail: null }, at)
            await emailTokenQueries.voidLive(trx, user.id, TOKEN_PURPOSES, at)
            if (config.emailVerification !== 'off') await mail.verification(trx, { ...user, email: newEmail })
          }
          await mail.notice(trx, user, 'email_change_notice', { new_email: newEmail })
        })
      } catch (error) {
        if (error instanceof UniqueViolation) throw new AppError('user_exists', 'A user with this email already exists')
        throw error
      }
    },

    /** The admin's send-password-reset: as forgot, but the admin is told when no mail can go. */
    async adminPasswordReset(userId: string): Promise<void> {
      const user = await requireUser(userId)
      const email = user.email
      if (!email) throw fieldError('/id', 'the account has no email address')
      if (!user.active) throw fieldError('/id', 'the account is deactivated')
      await transaction(async (trx) => {
        if (await mail.allow(trx, 'password_reset', email)) await mail.passwordReset(trx, user)
      })
    },
  }
}

export type EmailFlows = ReturnType<typeof createEmailFlows>
