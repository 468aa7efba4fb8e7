import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../storage/audit-events.js'
import type { Storage } from '../storage/index.js'

export type { AuditEvent, AuditFilter, StoredAuditEvent } from '../storage/audit-events.js'

/** An event as callers give it: the time is added here. */
export type AuditEntry = Pick<AuditEvent, 'type'> & Partial<Omit<AuditEvent, 'at' | 'type'>>

export interface AuditLog {
  /** Queues an event; it is written within FLUSH_INTERVAL_MS, never on the request's path. */
  record(entry: AuditEntry): void
  /** Writes what is queued (list() does it first, so a reader sees its own instance's events). */
  flush(): Promise<void>
  list(filter: AuditFilter): Promise<{ events: StoredAuditEvent[]; total: number }>
  /** Deletes events older than AUDIT_RETENTION (0 keeps them forever). */
  prune(): Promise<number>
  /** Events dropped because the queue was full (the database kept failing or could not keep up). */
  readonly dropped: number
  /** Flushes and stops the timer. */
  stop(): Promise<void>
}

/** Writes are batched: a login flood costs one multi-row insert a second, not one write per attempt. */
const FLUSH_INTERVAL_MS = 500
const FLUSH_AT = 200
/** Past this many queued events new ones are dropped (and counted) rather than growing memory without bound. */
const QUEUE_LIMIT = 10_000

/**
 * The audit log of security events. Events are queued in memory and written in
 * batches; a failed write is retried with the next batch (the queue is bounded,
 * so an outage long enough drops the newest events and counts them in `dropped`).
 */
export function createAuditLog(deps: { storage: Storage; retentionSeconds: number; now: () => number; onError: (error: unknown) => void }): AuditLog {
  const { storage, now, onError } = deps
  let queue: AuditEvent[] = []
  let dropped = 0
  let writing: Promise<void> = Promise.resolve()

  function flush(): Promise<void> {
    // One write at a time, in order: each flush waits for the one before it.
    writing = writing.then(async () => {
      if (queue.length === 0) return
      const batch = queue
      queue = []
      try {
        await storage.auditEvents.insert(batch)
      } catch (error) {
        queue = batch.concat(queue).slice(0, QUEUE_LIMIT)
        throw error
      }
    })
    return writing.catch((error: unknown) => {
      writing = Promise.resolve()
      onError(error)
    })
  }

  const timer = setInterval(() => void flush(), FLUSH_INTERVAL_MS)
  timer.unref()

  return {
    record(entry) {
      if (queue.length >= QUEUE_LIMIT) {
        dropped++
        return
      }
      queue.push({
        at: now(),
        type: entry.type,
        reason: entry.reason ?? null,
        actorId: entry.actorId ?? null,
        targetId: entry.targetId ?? null,
        ip: entry.ip ?? null,
        userAgent: entry.userAgent ?? null,
        requestId: entry.requestId ?? null,
        details: entry.details ?? null,
      })
      if (queue.length >= FLUSH_AT) void flush()
    },
    flush,
    async list(filter) {
      await flush()
      return storage.auditEvents.list(filter)
    },
    async prune() {
      if (deps.retentionSeconds === 0) return 0
      return storage.auditEvents.prune(now() - deps.retentionSeconds * 1000)
    },
    get dropped() {
      return dropped
    },
    async stop() {
      clearInterval(timer)
      await flush()
    },
  }
}
