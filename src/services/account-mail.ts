import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import { enqueueMail } from '../mail/outbox.js'
import type { MailKind } from '../mail/templates/index.js'
import type { Database } from '../storage/database.js'
import { mailRateQueries } from '../storage/email-tokens.js'
import type { UserRecord } from '../storage/users.js'
import { issueToken, type TokenPurpose } from './one-time-tokens.js'

/** The rate-limited purposes of RATE_LIMIT_EMAIL: mails that carry a link someone can ask for. */
export type RatedPurpose = 'verify_email' | 'email_change' | 'password_reset'

/** Who changed a password, for the notice's wording and the log. */
export type PasswordChangedBy = 'user' | 'reset' | 'admin'

/** The person a mail speaks to: full name, else username, else the address's local part. */
export function nameOf(user: Pick<UserRecord, 'fullName' | 'username' | 'email'>): string {
  return user.fullName ?? user.username ?? (user.email ? user.email.split('@')[0]! : '')
}

/** `Tessera <no-reply@…>` gives `Tessera`; a bare address gives `Tessera`. */
export function appNameOf(mailFrom: string): string {
  const name = /^\s*"?([^"<]*?)"?\s*</.exec(mailFrom)?.[1]?.trim()
  return name || 'Tessera'
}

/** The key of RATE_LIMIT_EMAIL's counter: a hash, so addresses typed at the forgot form are not kept. */
export function rateKey(purpose: RatedPurpose, address: string): string {
  return createHash('sha256').update(`${purpose}\n${address}`).digest('hex')
}

/**
 * What each account mail puts in the outbox, always inside the caller's transaction: the link
 * token and the mail commit together with the change. Used by the flows (email-flows.ts), the
 * user service (registration, password changes) and the admin routes.
 */
export function createAccountMail(deps: { config: Config; now: () => number }) {
  const { config, now } = deps

  const link = (template: string, token: string) => template.replace('{token}', encodeURIComponent(token))
  const localeOf = (user: Pick<UserRecord, 'locale'>) => user.locale ?? 'en'

  /**
   * RATE_LIMIT_EMAIL for one purpose and address: true (and counted) when a mail may go. The
   * count and the record are in the caller's transaction; two processes racing at the limit may
   * both pass once, never more.
   */
  async function allow(trx: Kysely<Database>, purpose: RatedPurpose, address: string): Promise<boolean> {
    const { max, windowSeconds } = config.rateLimitEmail
    const key = rateKey(purpose, address)
    const at = now()
    if ((await mailRateQueries.count(trx, key, at - windowSeconds * 1000)) >= max) return false
    await mailRateQueries.record(trx, key, at)
    return true
  }

  async function linkMail(
    trx: Kysely<Database>,
    user: UserRecord,
    mail: { purpose: TokenPurpose; to: string; kind: MailKind; template: string; ttlSeconds: number; newEmail?: string },
  ): Promise<void> {
    const token = await issueToken(trx, { userId: user.id, purpose: mail.purpose, email: mail.to, ttlSeconds: mail.ttlSeconds, now: now() })
    await enqueueMail(
      trx,
      {
        to: mail.to,
        kind: mail.kind,
        locale: localeOf(user),
        userId: user.id,
        vars: { name: nameOf(user), link: link(mail.template, token), expires_in_seconds: mail.ttlSeconds, ...(mail.newEmail ? { new_email: mail.newEmail } : {}) },
      },
      now(),
    )
  }

  return {
    allow,

    /** A verification link to the account's address (the address it has now). */
    async verification(trx: Kysely<Database>, user: UserRecord): Promise<boolean> {
      if (!user.email || !(await allow(trx, 'verify_email', user.email))) return false
      await linkMail(trx, user, { purpose: 'verify_email', to: user.email, kind: 'verify_email', template: config.emailLinkVerify, ttlSeconds: config.verifyTokenTtl })
      return true
    },

    /** The confirmation link of a pending change, to the new address. */
    async emailChangeConfirmation(trx: Kysely<Database>, user: UserRecord, newEmail: string): Promise<boolean> {
      if (!(await allow(trx, 'email_change', newEmail))) return false
      await linkMail(trx, user, { purpose: 'email_change', to: newEmail, kind: 'email_change_confirm', template: config.emailLinkVerify, ttlSeconds: config.verifyTokenTtl, newEmail })
      return true
    },

    async passwordReset(trx: Kysely<Database>, user: UserRecord): Promise<void> {
      if (!user.email) return
      await linkMail(trx, user, { purpose: 'password_reset', to: user.email, kind: 'password_reset', template: config.emailLinkReset, ttlSeconds: config.resetTokenTtl })
    },

    /** A security notice (no link, no token) to the account's current address, if it has one. */
    async notice(trx: Kysely<Database>, user: UserRecord, kind: MailKind, extra: { new_email?: string } = {}): Promise<void> {
      if (!user.email) return
      await enqueueMail(trx, { to: user.email, kind, locale: localeOf(user), userId: user.id, vars: { name: nameOf(user), time: new Date(now()).toISOString(), ...extra } }, now())
    },
  }
}

export type AccountMail = ReturnType<typeof createAccountMail>
