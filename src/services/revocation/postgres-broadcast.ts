import { randomUUID } from 'node:crypto'
import type { Storage } from '../../storage/index.js'
import type { Listener } from '../../storage/dialects/postgres-listener.js'
import { decodeEntries, encodeEntries, type RevocationBroadcast } from './broadcast.js'
import { RELAY_CONFIRM_TIMEOUT_MS } from './cluster-messages.js'

/** The NOTIFY channels (per database, as the revoked_sessions table is): revocations, and their confirmations. */
const CHANNEL = 'tessera_revocations'
const CONFIRM_CHANNEL = 'tessera_revocations_confirm'
/** Every listening process names its connection so; the rest is its instance id. */
const APPLICATION_PREFIX = 'tessera-revocations:'
/** Entries per NOTIFY: about 60 bytes each keeps a payload well under PostgreSQL's 8000-byte limit. */
const ENTRIES_PER_NOTIFY = 100
/**
 * How long a revocation waits for every other listening process to confirm it: a second longer than
 * the WORKERS relay waits (cluster-messages.ts), so a stuck sibling worker has been killed, and
 * stopped listening, before this wait ends.
 */
export const POSTGRES_CONFIRM_TIMEOUT_MS = RELAY_CONFIRM_TIMEOUT_MS + 1000

/** One NOTIFY of a revocation: from whom, which of its revocations, the entries, and whether it is the last part. */
interface Announcement {
  from: string
  id: number
  entries: unknown
  last?: true
}

/**
 * Revocations between instances that share a PostgreSQL database and no
 * Redis (issue 14, finding 11). The rows and NOTIFYs carrying them commit in
 * one transaction, and each process LISTENs on a connection of its own
 * (storage/dialects/postgres-listener.ts) named `tessera-revocations:<id>`.
 *
 * A commit alone does not order the NOTIFY before the client's next request
 * (the listener's backend and process may not have run yet: 6 of 50 trials
 * on a busy machine), so each listener confirms with a NOTIFY of its own, and
 * the 204 waits until every process that was listening before the commit has
 * confirmed. One that does not within `POSTGRES_CONFIRM_TIMEOUT_MS` has its
 * listening connection ended by force (`pg_terminate_backend`), so it fails
 * closed and reads the table again before it trusts a token, and the request
 * answers 503 rather than a 204 that could lie. A process that starts
 * listening after the look at pg_stat_activity reads the table once its LISTEN
 * holds, so it needs no confirmation. The database poll stays on as the safety net.
 */
export function createPostgresBroadcast(listen: NonNullable<Storage['listen']>, onError: (error: unknown) => void): RevocationBroadcast {
  const instance = randomUUID()
  let listener: Listener | undefined
  let nextId = 1
  /** Revocations of this process waiting for confirmations: id → instances still to confirm. */
  const waiting = new Map<number, { pending: Set<string>; done: () => void }>()

  /** The other processes listening now, by instance id, with their backend pids. */
  async function otherListeners(): Promise<Map<string, number>> {
    const rows = await listener!.query(
      `select application_name, pid from pg_stat_activity where datname = current_database() and application_name like $1 and application_name <> $2`,
      [`${APPLICATION_PREFIX}%`, APPLICATION_PREFIX + instance],
    )
    return new Map(rows.map((row) => [String(row.application_name).slice(APPLICATION_PREFIX.length), Number(row.pid)]))
  }

  function onAnnouncement(payload: string, onEntries: (entries: ReturnType<typeof decodeEntries>) => void): void {
    const message = JSON.parse(payload) as Announcement
    onEntries(decodeEntries(message.entries))
    // Applied synchronously above: confirming now is truthful. Our own announcements need no confirmation.
    if (message.last && message.from !== instance && typeof message.id === 'number') {
      listener?.query('select pg_notify($1, $2)', [CONFIRM_CHANNEL, JSON.stringify({ to: message.from, id: message.id, by: instance })]).catch(onError)
    }
  }

  function onConfirmation(payload: string): void {
    const message = JSON.parse(payload) as { to?: unknown; id?: unknown; by?: unknown }
    if (message.to !== instance || typeof message.id !== 'number' || typeof message.by !== 'string') return
    const revocation = waiting.get(message.id)
    if (!revocation) return
    revocation.pending.delete(message.by)
    if (revocation.pending.size === 0) revocation.done()
  }

  return {
    async publish(entries, store) {
      const id = nextId++
      const payloads: string[] = []
      for (let start = 0; start < entries.length; start += ENTRIES_PER_NOTIFY) {
        const part: Announcement = { from: instance, id, entries: encodeEntries(entries.slice(start, start + ENTRIES_PER_NOTIFY)) }
        if (start + ENTRIES_PER_NOTIFY >= entries.length) part.last = true
        payloads.push(JSON.stringify(part))
      }
      // Looked at before the commit: whoever listens from then on hears the NOTIFY, or reads the row.
      const others = await otherListeners().catch((error: unknown) => error as Error)
      const confirmed = others instanceof Map ? awaitConfirmations(id, others) : undefined
      try {
        await store({ channel: CHANNEL, payloads })
      } catch (error) {
        waiting.get(id)?.done()
        throw error
      }
      if (!confirmed) throw others
      await confirmed
    },

    async subscribe({ onEntries, onSubscribed }) {
      let first = true
      listener = listen(
        { channels: [CHANNEL, CONFIRM_CHANNEL], applicationName: APPLICATION_PREFIX + instance },
        {
          onNotification(channel, payload) {
            try {
              if (channel === CHANNEL) onAnnouncement(payload, onEntries)
              else onConfirmation(payload)
            } catch {
              // Not ours, or damaged: the database poll still brings the truth.
            }
          },
          onListening() {
            onSubscribed(first)
            first = false
          },
          onError,
        },
      )
    },

    get connected() {
      return listener?.listening ?? false
    },

    async close() {
      await listener?.close()
    },
  }

  /** Resolves once every one of `others` has confirmed revocation `id`; past the timeout, disconnects the rest and rejects. */
  function awaitConfirmations(id: number, others: Map<string, number>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = new Set(others.keys())
      const timer = setTimeout(() => void giveUp(), POSTGRES_CONFIRM_TIMEOUT_MS)
      const giveUp = async () => {
        waiting.delete(id)
        // A process that has since stopped listening (shut down) cannot accept the token any more.
        const still = await otherListeners().catch(() => others)
        const silent = [...pending].filter((other) => still.has(other))
        if (silent.length === 0) return resolve()
        // Ended by force, a silent process fails closed and reads the table again before it trusts a token.
        await Promise.all(silent.map((other) => listener?.query('select pg_terminate_backend($1)', [still.get(other)]).catch(onError)))
        reject(new Error(`${silent.length} listening process(es) did not confirm a revocation within ${POSTGRES_CONFIRM_TIMEOUT_MS} ms: ${silent.join(', ')}`))
      }
      const done = () => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve()
      }
      if (pending.size === 0) return done()
      waiting.set(id, { pending, done })
    })
  }
}
