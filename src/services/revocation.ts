import type { RevocationQueries } from '../storage/revocations.js'

export interface RevocationEntry {
  sessionId: string
  userId: string
}

/**
 * The revoked sessions whose access tokens could still be alive, held in
 * memory so that checking a token costs one Map lookup and no database round
 * trip. The database is the record: entries are written there first, loaded at
 * start, and each is forgotten once every access token it could match has
 * expired (revocation time + access token lifetime + leeway).
 */
export interface RevocationList {
  isRevoked(sessionId: string): boolean
  revoke(entries: RevocationEntry[]): Promise<void>
  /** Loads entries still in force (at start). */
  load(): Promise<void>
  /** Forgets expired entries in memory and in the database. */
  sweep(): Promise<void>
  readonly size: number
}

export function createRevocationList(queries: RevocationQueries, options: { now: () => number; retentionMs: number }): RevocationList {
  const revoked = new Map<string, number>()
  let lastSeq = 0

  return {
    isRevoked(sessionId) {
      const until = revoked.get(sessionId)
      return until !== undefined && until > options.now()
    },

    async revoke(entries) {
      if (entries.length === 0) return
      const now = options.now()
      const expiresAt = now + options.retentionMs
      await queries.insert(entries.map((entry) => ({ ...entry, revokedAt: now, expiresAt })))
      for (const entry of entries) if (!revoked.has(entry.sessionId)) revoked.set(entry.sessionId, expiresAt)
    },

    async load() {
      for (const entry of await queries.listSince(lastSeq, options.now())) {
        revoked.set(entry.sessionId, entry.expiresAt)
        lastSeq = Math.max(lastSeq, entry.seq)
      }
    },

    async sweep() {
      const now = options.now()
      for (const [sessionId, until] of revoked) if (until <= now) revoked.delete(sessionId)
      await queries.prune(now)
    },

    get size() {
      return revoked.size
    },
  }
}
