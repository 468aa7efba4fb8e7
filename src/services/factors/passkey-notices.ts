import type { Kysely } from 'kysely'
import type { Database } from '../../storage/database.js'
import type { UserRecord } from '../../storage/users.js'

/** A change to a user's passkeys that the user is told about by mail. */
export interface PasskeyNotice {
  kind: 'passkey_added' | 'passkey_removed'
  user: UserRecord
  passkeyName: string
  at: number
}

/**
 * PLACEHOLDER until the outbox of issue 16 is merged (branch wt-email, `enqueueMail` in
 * src/mail/outbox.ts): the notice mail of a passkey change. It is called inside the transaction
 * of the change, so replacing the body with
 * `enqueueMail(trx, { to: user.email, kind: notice.kind, locale: user.locale ?? 'en', vars: { name, passkey: passkeyName, time }, userId: user.id })`
 * (and adding the two kinds to the templates) makes the change and its mail commit together.
 * Until then no mail is sent; the audit log records every change.
 */
export async function notifySecurityEvent(_trx: Kysely<Database>, _notice: PasskeyNotice): Promise<void> {
  // Deliberately empty: see above.
}
