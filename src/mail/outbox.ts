import { v7 as uuidv7 } from 'uuid'
import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import type { MailKind, MailVars } from './templates/index.js'

/**
 * The variables of a mail as a caller gives them. `app_name` may be left out: the sender fills
 * it in from `MAIL_FROM`'s display name, so callers need no configuration to enqueue.
 */
export type OutboxVars = Omit<MailVars, 'app_name'> & { app_name?: string }

export interface OutboxMail {
  /** The address, already normalised (a mail needs one: accounts without email get none). */
  to: string
  kind: MailKind
  /** The account's locale; the sender picks the best supported match ('en' otherwise). */
  locale: string
  vars: OutboxVars
  /** The account the mail is about, for the operator (and its deletion). */
  userId?: string
}

/** Tells the sender of this process that a mail is waiting (src/mail/sender.ts subscribes). */
const listeners = new Set<() => void>()

/** Subscribes to "a mail was enqueued in this process"; returns the unsubscribe. */
export function onMailEnqueued(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Writes a mail to the outbox. Pass the transaction of the change that causes the mail, so that
 * the change and its mail commit together or not at all: the HTTP answer can then go out at
 * once, and a crash after it loses nothing (the background sender delivers, with retries).
 *
 * The mail is rendered when it is sent, not here: enqueueing needs no templates (so any
 * service can do it with just a transaction), the request path pays no rendering, and a retry
 * after a template override is fixed uses the fixed template.
 *
 * @returns the outbox id of the mail.
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute()
 *   await enqueueMail(trx, { to: user.email, kind: 'password_changed', locale: user.locale ?? 'en', vars: { name, time } })
 * })
 * ```
 */
export async function enqueueMail(db: Kysely<Database>, mail: OutboxMail, now: number = Date.now()): Promise<string> {
  if (typeof mail.to !== 'string' || !mail.to.includes('@')) throw new TypeError('enqueueMail: `to` must be an email address')
  const id = uuidv7()
  await db
    .insertInto('mail_outbox')
    .values({
      id,
      user_id: mail.userId ?? null,
      to_address: mail.to,
      kind: mail.kind,
      locale: mail.locale.slice(0, 16),
      vars: JSON.stringify(mail.vars),
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .execute()
  // After a short pause: the caller's transaction has most likely committed by then; if not,
  // the sender's next poll finds the mail anyway.
  if (listeners.size > 0) setTimeout(() => listeners.forEach((listener) => listener()), 25).unref()
  return id
}
