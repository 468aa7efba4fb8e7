import { AppError } from '../../errors.js'
import type { RevocationQueries } from '../../storage/revocations.js'
import type { Notify, RevocationBroadcast } from './broadcast.js'
import { RevokedSessionSet } from './revoked-session-set.js'
import { SequenceGaps } from './sequence-gaps.js'

export interface RevocationEntry {
  sessionId: string
  userId: string
}

/**
 * The revoked sessions whose access tokens could still be alive, held in
 * memory so that checking a token costs one hash-table probe and no database
 * round trip. The database is the record: entries are written there first,
 * loaded at start, and each is forgotten once every access token it could
 * match has expired (revocation time + access token lifetime + leeway).
 *
 * Other processes' revocations arrive at once through the broadcast port
 * (broadcast.ts: WORKERS IPC, Redis pub/sub, PostgreSQL LISTEN/NOTIFY), and
 * by polling the database every `REVOCATION_POLL_INTERVAL` in any case. When
 * neither can vouch for the set being current (channel down, or caught up
 * from the database not yet since it came back, or no successful poll for a
 * while), `assertCurrent()` fails closed with 503: a stale set must never
 * allow a revoked token. What each deployment shape guarantees: docs/revocation.md.
 */
export interface RevocationList {
  isRevoked(sessionId: string): boolean
  /** Throws 503 `service_unavailable` when revocations from other instances may have been missed. */
  assertCurrent(): void
  /**
   * Stores the revocation and hands it to the broadcast; resolves once the
   * channel vouches that every other process has it (so a 204 may go), and
   * throws 503 when it cannot.
   */
  revoke(entries: RevocationEntry[]): Promise<void>
  /** Loads every entry still in force (at start, and after an outage). */
  load(): Promise<void>
  /** Starts polling and listening for other processes' revocations; waits (bounded) until the channel is up and caught up. */
  start(): Promise<void>
  /** Forgets expired entries in memory and in the database. */
  sweep(): Promise<void>
  stop(): Promise<void>
  readonly size: number
}

export interface RevocationOptions {
  now: () => number
  /** How long an entry must be kept: access token lifetime + leeway, in ms. */
  retentionMs: number
  /** Database poll interval in ms; 0 disables polling (a single instance on its own database). */
  pollIntervalMs: number
  broadcast?: RevocationBroadcast
  onError: (error: unknown) => void
}

/** Rows per query when loading, so a million entries never sit in the heap as objects at once. */
const LOAD_BATCH = 10_000
/** How long a gap in the sequence numbers is asked for again (see sequence-gaps.ts). */
const GAP_GRACE_MS = 30_000
/** How long start() waits for the channel to come up before serving anyway (failing closed until it does). */
const START_WAIT_MS = 3000
/** Pause before catching up again after a failed read of the database. */
const CATCH_UP_RETRY_MS = 1000

const unavailable = (detail: string) => new AppError('service_unavailable', detail, { headers: { 'retry-after': '1' } })

export function createRevocationList(queries: RevocationQueries, options: RevocationOptions): RevocationList {
  const { now, retentionMs, pollIntervalMs, broadcast } = options
  const revoked = new RevokedSessionSet()
  const seconds = (ms: number) => Math.ceil(ms / 1000)
  let lastGoodPoll = now()
  let polling: NodeJS.Timeout | undefined
  /** Past this age of the last good poll, the set is not trusted (three missed polls, at least 3 s). */
  const staleAfterMs = Math.max(3 * pollIntervalMs, 3000)

  function addAll(entries: Array<{ sessionId: string; expiresAt: number }>): void {
    for (const entry of entries) revoked.add(entry.sessionId, seconds(entry.expiresAt))
  }

  let feed = new SequenceGaps(GAP_GRACE_MS)
  /** Catch-ups from the database under way: while any is, the channel's news cannot be trusted to be complete. */
  let catchingUp = 0
  /** The channel has been up and caught up at least once since start. */
  let caughtUpOnce = false
  let stopped = false
  let firstCaughtUp: () => void = () => {}

  /** Reads every row past the highest sequence number seen, in batches, plus the gaps below it. */
  async function readFeed(): Promise<void> {
    for (;;) {
      const batch = await queries.listSince(feed.highest, now(), LOAD_BATCH)
      for (const entry of batch) feed.saw(entry.seq, now())
      addAll(batch)
      if (batch.length < LOAD_BATCH) break
    }
    const late = await queries.listBySeq(feed.pending(now()))
    for (const entry of late) feed.saw(entry.seq, now())
    addAll(late)
  }

  async function load(): Promise<void> {
    feed = new SequenceGaps(GAP_GRACE_MS)
    await readFeed()
    lastGoodPoll = now()
  }

  async function poll(): Promise<void> {
    const at = now()
    try {
      // Out for longer than a gap is remembered: read everything again.
      if (at - lastGoodPoll > GAP_GRACE_MS) await load()
      else await readFeed()
      lastGoodPoll = at
    } catch (error) {
      options.onError(error)
    }
  }

  /**
   * The channel is (again) in place: read what it may have missed. The first
   * time reads only past the start-up load; after an outage everything is
   * read again. Retried until it succeeds, failing closed meanwhile.
   */
  function catchUp(first: boolean): void {
    catchingUp++
    const attempt = (): void => {
      ;(first ? readFeed() : load()).then(
        () => {
          catchingUp--
          caughtUpOnce = true
          // With several channels (WORKERS beside PostgreSQL or Redis), start-up waits for all of them.
          if (catchingUp === 0 && broadcast?.connected) firstCaughtUp()
        },
        (error: unknown) => {
          options.onError(error)
          if (stopped) return void catchingUp--
          setTimeout(attempt, CATCH_UP_RETRY_MS).unref()
        },
      )
    }
    attempt()
  }

  return {
    isRevoked(sessionId) {
      return revoked.has(sessionId, Math.floor(now() / 1000))
    },

    assertCurrent() {
      const subscribed = broadcast ? broadcast.connected && caughtUpOnce && catchingUp === 0 : true
      const polled = pollIntervalMs === 0 || now() - lastGoodPoll <= staleAfterMs
      if (!subscribed || !polled) throw unavailable('Revocations cannot be checked right now; try again shortly')
    },

    async revoke(entries) {
      if (entries.length === 0) return
      const at = now()
      const expiresAt = at + retentionMs
      const revoked = entries.map((entry) => ({ sessionId: entry.sessionId, expiresAt }))
      let stored = false
      const store = async (notify?: Notify) => {
        await queries.insert(entries.map((entry) => ({ ...entry, revokedAt: at, expiresAt })), notify)
        stored = true
        addAll(revoked) // this process refuses the tokens at once, before the others are told
      }
      if (!broadcast) return store()
      try {
        await broadcast.publish(revoked, store)
      } catch (error) {
        if (!stored) throw error
        // Stored, but not every process is known to have it: a 204 now could lie. The client may
        // retry; the others learn of it from the database (and fail closed while their channel is down).
        options.onError(error)
        throw unavailable('The revocation is stored but could not be confirmed by every process; try again shortly')
      }
    },

    load,

    async start() {
      if (pollIntervalMs > 0) {
        polling = setInterval(() => void poll(), pollIntervalMs)
        polling.unref()
      }
      if (!broadcast) return
      // Bounded: with the channel down at start the server still starts, and fails closed until it is back.
      const ready = new Promise<void>((resolve) => (firstCaughtUp = resolve))
      broadcast.subscribe({ onEntries: addAll, onSubscribed: catchUp }).catch(options.onError)
      let timer: NodeJS.Timeout | undefined
      await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, START_WAIT_MS)))])
      clearTimeout(timer)
    },

    async sweep() {
      const at = now()
      revoked.sweep(Math.floor(at / 1000))
      await queries.prune(at)
    },

    async stop() {
      stopped = true
      clearInterval(polling)
      await broadcast?.close?.()
    },

    get size() {
      return revoked.size
    },
  }
}
