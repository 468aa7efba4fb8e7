import type { UserRecord } from '../storage/users.js'

/** The notice mails of second-factor changes (issue 18), by template kind. */
export type SecurityNoticeKind = 'totp_enabled' | 'totp_disabled' | 'recovery_codes_replaced' | 'mfa_reset_by_admin'

/**
 * Tells the account holder that a second factor changed (so a change they did not make is
 * noticed). NOT WIRED YET: the mail outbox (issue 16, `enqueueMail` in src/mail/outbox.ts) is
 * not on this branch, so this does nothing. When it is, this becomes
 * `enqueueMail(trx, { to: user.email, kind, locale: user.locale, vars: {}, userId: user.id })`,
 * called inside the transaction of the change. Every caller already passes what that needs.
 */
export async function notifySecurityEvent(_user: Pick<UserRecord, 'id' | 'email'>, _kind: SecurityNoticeKind): Promise<void> {
  // Deliberately empty until the outbox exists (see above).
}
