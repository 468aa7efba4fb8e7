import type { Kysely } from 'kysely'
import { enqueueMail } from '../../mail/outbox.js'
import type { Database } from '../../storage/database.js'
import type { UserRecord } from '../../storage/users.js'
import { nameOf } from '../account-mail.js'

/** A change to a user's passkeys that the user is told about by mail. */
export interface PasskeyNotice {
  kind: 'passkey_added' | 'passkey_removed'
  user: UserRecord
  passkeyName: string
  at: number
}

/**
 * The notice mail of a passkey change, written to the outbox (issue 16) in the transaction of
 * the change: the change and its mail commit together, and the background sender delivers it.
 * Someone who added a passkey to a stolen session is thereby seen by the account's owner. An
 * account without an address gets no mail (the audit log still records the change).
 */
export async function notifySecurityEvent(trx: Kysely<Database>, notice: PasskeyNotice): Promise<void> {
  const { user } = notice
  if (!user.email) return
  await enqueueMail(
    trx,
    { to: user.email, kind: notice.kind, locale: user.locale ?? 'en', userId: user.id, vars: { name: nameOf(user), passkey_name: notice.passkeyName, time: new Date(notice.at).toISOString() } },
    notice.at,
  )
}
