import { AppError } from '../../errors.js'
import type { RevocationQueries } from '../../storage/revocations.js'
import type { RevocationBroadcast } from './redis-broadcast.js'
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
 * Other instances' revocations arrive by Redis pub/sub at once when
 * `REDIS_URL` is set, and by polling the database every
 * `REVOCATION_POLL_INTERVAL` in any case. When neither can vouch for the set
 * being current (Redis subscription down, or no successful poll for a while),
 * `assertCurrent()` fails closed with 503: a stale set must never allow a
 * revoked token.
 */
export interface RevocationList {
  isRevoked(sessionId: string): boolean
  /** Throws 503 `service_unavailable` when revocations from other instances may have been missed. */
  assertCurrent(): void
  revoke(entries: RevocationEntry[]): Promise<void>
  /** Loads every entry still in force (at start, and after an outage). */
  load(): Promise<void>
  /** Starts polling and listening for other instances' revocations. */
  start(): Promise<void>
  /** Forgets expired entries in memory and in the database. */
  sweep(): Promise<void>
  stop(): void
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

  return {
    isRevoked(sessionId) {
      return revoked.has(sessionId, Math.floor(now() / 1000))
    },

    assertCurrent() {
      const subscribed = broadcast ? broadcast.connected : true
      const polled = pollIntervalMs === 0 || now() - lastGoodPoll <= staleAfterMs
      if (!subscribed || !polled) {
        throw new AppError('service_unavailable', 'Revocations cannot be checked right now; try again shortly', { headers: { 'retry-after': '1' } })
      }
    },

    async revoke(entries) {
      if (entries.length === 0) return
      const at = now()
      const expiresAt = at + retentionMs
      await queries.insert(entries.map((entry) => ({ ...entry, revokedAt: at, expiresAt })))
      addAll(entries.map((entry) => ({ sessionId: entry.sessionId, expiresAt })))
      // Best effort: if Redis is down, the others fail closed until they catch up from the database.
      await broadcast?.publish(entries.map((entry) => ({ sessionId: entry.sessionId, expiresAt }))).catch(options.onError)
    },

    load,

    async start() {
      // Not awaited: with Redis down at start the server still starts, and fails closed until it is back.
      if (broadcast) void broadcast.subscribe(addAll, () => void load().catch(options.onError)).catch(options.onError)
      if (pollIntervalMs > 0) {
        polling = setInterval(() => void poll(), pollIntervalMs)
        polling.unref()
      }
    },

    async sweep() {
      const at = now()
      revoked.sweep(Math.floor(at / 1000))
      await queries.prune(at)
    },

    stop() {
      clearInterval(polling)
    },

    get size() {
      return revoked.size
    },
  }
}
