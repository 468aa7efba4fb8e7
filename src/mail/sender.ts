import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import { onMailEnqueued } from './outbox.js'
import { createOutboxQueue, type OutboxRow } from './outbox-queue.js'
import { pickLocale, type MailKind, type MailTemplates, type MailVars } from './templates/index.js'
import type { MailLog, MailTransport } from './transports.js'

export interface MailSenderOptions {
  db: Kysely<Database>
  transport: MailTransport
  templates: MailTemplates
  from: string
  /** `app_name` of mails whose caller left it out. */
  appName: string
  maxAttempts: number
  /** Seconds before the first retry; doubled each time, at most MAX_BACKOFF_MS. */
  retryBaseSeconds: number
  sendTimeoutSeconds: number
  now: () => number
  log: MailLog
}

export interface MailSenderStats {
  sent: number
  /** Attempts that failed (each retry counts). */
  attemptFailures: number
  /** Mails given up on. */
  failed: number
}

export interface MailSender {
  /** `degraded` while the last delivery attempt failed (SMTP down or refusing); mails stay queued. */
  readonly status: 'ok' | 'degraded'
  readonly stats: Readonly<MailSenderStats>
  start(): void
  /** Runs one round now (tests, and the enqueue signal). */
  wake(): Promise<void>
  /** Finishes the delivery in flight, gives back what it claimed but did not try, stops polling. */
  stop(): Promise<void>
}

/** How often the outbox is polled when nothing signals; mails enqueued by this process go at once. */
const POLL_INTERVAL_MS = 1000
const BATCH = 10
const MAX_BACKOFF_MS = 60 * 60 * 1000

/**
 * The background sender: claims due mails in storage (outbox-queue.ts), renders each in its
 * locale, hands it to the transport, and records the outcome: sent, a retry after an
 * exponential backoff with jitter, or failed after the last attempt. It never runs on a
 * request's path. Each serving process runs one; the claim makes each mail go out once.
 *
 * A process killed between the SMTP server's "250" and the write of `sent` leaves the claim
 * to run out, and the mail is sent again by whoever claims it next: at least once, not at most.
 */
export function createMailSender(options: MailSenderOptions): MailSender {
  const { transport, templates, log, now } = options
  const queue = createOutboxQueue(options.db)
  const worker = `${hostname().slice(0, 20)}:${process.pid}:${randomUUID().slice(0, 8)}`
  // Longer than one delivery can take, so a live sender never loses its lease mid-send.
  const leaseMs = options.sendTimeoutSeconds * 1000 * 3 + 5000
  const stats: MailSenderStats = { sent: 0, attemptFailures: 0, failed: 0 }
  let status: 'ok' | 'degraded' = 'ok'
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => void) | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopping = false

  function round(): Promise<void> {
    if (stopping) return Promise.resolve()
    if (running) {
      again = true // an enqueue during a round gets a round of its own
      return running
    }
    running = (async () => {
      do {
        again = false
        let claimed: OutboxRow[] = []
        try {
          claimed = await queue.claimDue(worker, now(), leaseMs, BATCH)
          for (const [index, row] of claimed.entries()) {
            if (stopping) {
              await Promise.all(claimed.slice(index).map((rest) => queue.release(rest.id, worker)))
              return
            }
            await deliver(row)
          }
        } catch (error) {
          log.error({ err: error }, 'mail outbox round failed')
        }
        if (claimed.length === BATCH) again = true
      } while (again && !stopping)
    })().finally(() => {
      running = undefined
    })
    return running
  }

  async function deliver(row: OutboxRow): Promise<void> {
    let rendered: { subject: string; text: string; html: string }
    let vars: MailVars
    try {
      vars = { ...(JSON.parse(row.vars ?? '{}') as MailVars) }
      vars.app_name ||= options.appName
      rendered = templates.render(row.kind as MailKind, pickLocale(row.locale), vars)
    } catch (error) {
      // Not a transport problem: retrying cannot help.
      stats.failed++
      await queue.markFailed(row.id, worker, `render: ${message(error)}`)
      log.error({ outboxId: row.id, kind: row.kind, err: error }, 'mail could not be rendered; recorded as failed')
      return
    }
    try {
      const { response } = await transport.send({ from: options.from, to: row.to_address, ...rendered, outboxId: row.id, link: vars.link, kind: row.kind })
      await queue.markSent(row.id, worker, now())
      stats.sent++
      if (status === 'degraded') log.info({ transport: transport.name }, 'mail delivery works again')
      status = 'ok'
      log.info({ outboxId: row.id, kind: row.kind, attempts: row.attempts, response: response.slice(0, 200) }, 'mail sent')
    } catch (error) {
      stats.attemptFailures++
      status = 'degraded'
      const reason = message(error)
      if (row.attempts >= options.maxAttempts) {
        stats.failed++
        await queue.markFailed(row.id, worker, reason)
        log.error({ outboxId: row.id, kind: row.kind, attempts: row.attempts, reason }, 'mail given up after the last attempt')
        return
      }
      const backoff = Math.min(MAX_BACKOFF_MS, options.retryBaseSeconds * 1000 * 2 ** (row.attempts - 1))
      const delay = Math.round(backoff * (0.8 + Math.random() * 0.4))
      await queue.markRetry(row.id, worker, now() + delay, reason)
      log.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, retryInMs: delay, reason }, 'mail delivery failed; will retry')
    }
  }

  return {
    get status() {
      return status
    },
    stats,
    start() {
      if (timer) return
      timer = setInterval(() => void round(), POLL_INTERVAL_MS)
      timer.unref()
      unsubscribe = onMailEnqueued(() => void round())
      void round()
    },
    wake: round,
    async stop() {
      stopping = true
      clearInterval(timer)
      unsubscribe?.()
      await running
      transport.close()
    },
  }
}

/** The reason of a failure, without anything that could be secret (nodemailer errors carry no credentials). */
function message(error: unknown): string {
  if (error instanceof Error) {
    const smtp = error as Error & { code?: string; responseCode?: number; response?: string }
    return [smtp.code, smtp.responseCode, smtp.response ?? error.message].filter((part) => part !== undefined).join(' ')
  }
  return String(error)
}
