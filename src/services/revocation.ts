import type { RevocationQueries } from '../storage/revocations.js'
import { RevokedSessionSet } from './revoked-session-set.js'

export interface RevocationEntry {
  sessionId: string
  userId: string
}

/**
 * The revoked sessions whose access tokens could still be alive, held in
 * memory so that checking a token costs one hash-table probe and no database
 * round trip. The database is the record: entries are written there first,
 * loaded at start (and polled for entries other instances wrote), and each is
 * forgotten once every access token it could match has expired (revocation
 * time + access token lifetime + leeway).
 */
export interface RevocationList {
  isRevoked(sessionId: string): boolean
  revoke(entries: RevocationEntry[]): Promise<void>
  /** Loads entries written since the last load (all of them at start). */
  load(): Promise<void>
  /** Forgets expired entries in memory and in the database. */
  sweep(): Promise<void>
  readonly size: number
}

/** Rows per query when loading, so a million entries never sit in the heap as objects at once. */
const LOAD_BATCH = 10_000

export function createRevocationList(queries: RevocationQueries, options: { now: () => number; retentionMs: number }): RevocationList {
  const revoked = new RevokedSessionSet()
  const seconds = (ms: number) => Math.ceil(ms / 1000)
  let lastSeq = 0

  return {
    isRevoked(sessionId) {
      return revoked.has(sessionId, Math.floor(options.now() / 1000))
    },

    async revoke(entries) {
      if (entries.length === 0) return
      const now = options.now()
      const expiresAt = now + options.retentionMs
      await queries.insert(entries.map((entry) => ({ ...entry, revokedAt: now, expiresAt })))
      for (const entry of entries) revoked.add(entry.sessionId, seconds(expiresAt))
    },

    async load() {
      for (;;) {
        const batch = await queries.listSince(lastSeq, options.now(), LOAD_BATCH)
        for (const entry of batch) {
          revoked.add(entry.sessionId, seconds(entry.expiresAt))
          lastSeq = Math.max(lastSeq, entry.seq)
        }
        if (batch.length < LOAD_BATCH) return
      }
    },

    async sweep() {
      const now = options.now()
      revoked.sweep(Math.floor(now / 1000))
      await queries.prune(now)
    },

    get size() {
      return revoked.size
    },
  }
}
