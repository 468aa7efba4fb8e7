/**
 * A real SMTP server for tests (the `smtp-server` package on a random port), with the mails it
 * accepted parsed by `mailparser`. Tessera talks to it through nodemailer exactly as it would to
 * a production relay: pass `url` as MAIL_URL.
 *
 * - `tls: 'none'` (default): plain SMTP, no STARTTLS offered.
 * - `tls: 'starttls'`: STARTTLS offered with smtp-server's built-in self-signed certificate
 *   (the URL says `tls.rejectUnauthorized=false`, as a developer's would for such a server).
 * - `tls: 'implicit'`: TLS from the first byte (`smtps://`).
 * - `auth`: AUTH PLAIN/LOGIN required with these credentials (in the URL).
 * - `refuse(true)`: every connection is answered `421` (a relay that is down or throttling)
 *   until `refuse(false)`.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail extends ParsedMail {
  /** The SMTP envelope: what the client said in MAIL FROM and RCPT TO. */
  envelope: { from: string; to: string[] }
  /** The user the client authenticated as, when the server asked for AUTH. */
  authUser: string | undefined
  /** Whether the session was encrypted (STARTTLS or implicit TLS). */
  secure: boolean
}

export interface SmtpServerOptions {
  tls?: 'none' | 'starttls' | 'implicit'
  auth?: { user: string; pass: string }
}

export interface TestSmtpServer {
  /** For MAIL_URL. */
  url: string
  port: number
  mails: ReceivedMail[]
  /** Resolves with the first mail (already received or still to come) matching `predicate`. */
  waitForMail(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  /** While on, every connection gets `421` and no mail is accepted. */
  refuse(on: boolean): void
  /** Connections the server saw (accepted or refused). */
  readonly connections: number
  stop(): Promise<void>
}

/** Starts a server on 127.0.0.1 and a random port. `port` reuses one (a relay that comes back). */
export async function startSmtpServer(options: SmtpServerOptions & { port?: number } = {}): Promise<TestSmtpServer> {
  const tls = options.tls ?? 'none'
  const mails: ReceivedMail[] = []
  const waiters = new Set<() => void>()
  let refusing = false
  let connections = 0

  const server = new SMTPServer({
    secure: tls === 'implicit',
    disabledCommands: [...(tls === 'none' ? ['STARTTLS'] : []), ...(options.auth ? [] : ['AUTH'])],
    authOptional: !options.auth,
    allowInsecureAuth: tls === 'none',
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onConnect(_session, callback) {
      connections++
      if (!refusing) return callback()
      const error = new Error('Service not available, try again later') as Error & { responseCode: number }
      error.responseCode = 421
      callback(error)
    },
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username })
      callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          }
          mails.push(Object.assign(parsed, { envelope, authUser: session.user as string | undefined, secure: Boolean(session.secure) }))
          for (const wake of waiters) wake()
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server.server, 'listening')
  const port = (server.server.address() as AddressInfo).port
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : ''
  const scheme = tls === 'implicit' ? 'smtps' : 'smtp'
  const query = tls === 'none' ? '' : '?tls.rejectUnauthorized=false'

  return {
    url: `${scheme}://${credentials}127.0.0.1:${port}${query}`,
    port,
    mails,
    get connections() {
      return connections
    },
    refuse(on) {
      refusing = on
    },
    waitForMail(predicate = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(predicate)
          if (!found) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching mail within ${timeoutMs} ms; received: ${mails.map((mail) => `${mail.envelope.to.join(',')} "${mail.subject}"`).join('; ') || 'none'}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The first link in a mail's text part (`https?://…`). */
export function linkIn(mail: ParsedMail): string {
  const match = /https?:\/\/[^\s<>"]+/.exec(mail.text ?? '')
  if (!match) throw new Error(`no link in the mail "${mail.subject}":\n${mail.text}`)
  return match[0]
}

/** The `token` query parameter of the first link in a mail. */
export function tokenIn(mail: ParsedMail): string {
  const token = new URL(linkIn(mail)).searchParams.get('token')
  if (!token) throw new Error(`the link of "${mail.subject}" carries no token: ${linkIn(mail)}`)
  return token
}
