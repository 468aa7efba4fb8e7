import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Transporter } from 'nodemailer'

/** One rendered mail, ready for a transport. */
export interface OutgoingMail {
  from: string
  to: string
  subject: string
  text: string
  html: string
  /** The outbox id, sent as a header so a receiving system (and a test) can tell repeats apart. */
  outboxId?: string
  /** For the log transport only: the link the mail carries, logged so a developer can click it. */
  link?: string
  kind?: string
}

export interface MailTransport {
  readonly name: 'log' | 'smtp'
  /** Delivers or throws; resolves with the server's answer (`250 2.0.0 Ok: queued as …`). */
  send(mail: OutgoingMail): Promise<{ response: string }>
  close(): void
}

export interface MailLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

/**
 * Where the log transport writes its `.eml` files: `outbox/` beside the SQLite file
 * (`./data/outbox/` by default), or `./data/outbox/` when the database is a server.
 */
export function outboxDirectory(databaseUrl: string): string {
  const path = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : ''
  if (path === '' || path === ':memory:') return resolve('data', 'outbox')
  return join(dirname(resolve(path)), 'outbox')
}

/**
 * `MAIL_URL`: `log` (the default, for a fresh clone: each mail in the log with its link, and
 * as an `.eml` file a mail program opens), or an `smtp://` / `smtps://` URL for nodemailer.
 * `smtp://` upgrades with STARTTLS whenever the server offers it; `smtps://` is TLS from the
 * first byte. Query options go to nodemailer (`?tls.rejectUnauthorized=false` for a test
 * server's self-signed certificate).
 */
export function createMailTransport(options: { mailUrl: string; databaseUrl: string; sendTimeoutSeconds: number; log: MailLog }): MailTransport {
  if (options.mailUrl === 'log') return createLogTransport(outboxDirectory(options.databaseUrl), options.log)
  const timeout = options.sendTimeoutSeconds * 1000
  const transporter = lazyTransporter((nodemailer) =>
    nodemailer.createTransport({
      url: options.mailUrl,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as Parameters<typeof nodemailer.createTransport>[0]),
  )
  return {
    name: 'smtp',
    async send(mail) {
      const info = await (await transporter.get()).sendMail(message(mail))
      return { response: String(info.response ?? '') }
    },
    close: transporter.close,
  }
}

type Nodemailer = typeof import('nodemailer').default

// nodemailer (about 3 MB resident once imported, issue 19) is imported when the first mail is
// sent, not at start: many servers send none for hours, and a CLI that only enqueues never does.
// It is a dependency in package.json, so a missing one is a broken install; resolving it here
// (finding it on disk without evaluating it) stops the start, naming the package, instead of
// failing every mail later. A failed import at send time would otherwise only be a logged retry.
import.meta.resolve('nodemailer')

let loadingNodemailer: Promise<Nodemailer> | undefined
const loadNodemailer = (): Promise<Nodemailer> => (loadingNodemailer ??= import('nodemailer').then((module) => module.default))

/** A nodemailer transporter made at the first `get()`; `close()` closes it if it was ever made. */
function lazyTransporter(create: (nodemailer: Nodemailer) => Transporter): { get(): Promise<Transporter>; close(): void } {
  let made: Promise<Transporter> | undefined
  let closed = false
  return {
    get: () => (made ??= loadNodemailer().then(create)),
    close() {
      if (closed) return
      closed = true
      void made?.then((transporter) => transporter.close(), () => {})
    },
  }
}

function message(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.outboxId ? { 'X-Tessera-Outbox-Id': mail.outboxId } : {},
  }
}

function createLogTransport(directory: string, log: MailLog): MailTransport {
  const composer = lazyTransporter((nodemailer) => nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }))
  return {
    name: 'log',
    async send(mail) {
      const info = (await (await composer.get()).sendMail(message(mail))) as { message: Buffer; messageId: string }
      mkdirSync(directory, { recursive: true })
      const file = join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.outboxId ?? info.messageId.replace(/[^A-Za-z0-9-]/g, '')}.eml`)
      writeFileSync(file, info.message, { mode: 0o600 })
      // MAIL_URL=log is for development: the link is logged on purpose, so the developer can click it.
      log.info({ mail: { to: mail.to, kind: mail.kind, subject: mail.subject, link: mail.link, file } }, 'mail written (MAIL_URL=log)')
      return { response: `written to ${file}` }
    },
    close: composer.close,
  }
}
