/** A revoked session as the channels carry it. */
export interface RevokedEntry {
  sessionId: string
  /** Epoch milliseconds after which the entry may be forgotten. */
  expiresAt: number
}

/** What a channel that announces inside the database transaction (PostgreSQL NOTIFY) asks the store to send. */
export interface Notify {
  channel: string
  payloads: string[]
}

/** Writes the revocation rows (and, when asked, the NOTIFYs, in the same transaction). */
export type StoreRevocations = (notify?: Notify) => Promise<void>

export interface BroadcastHandlers {
  /** Revocations made by another process; applied synchronously, before any later request is read. */
  onEntries(entries: RevokedEntry[]): void
  /**
   * The channel is (again) in place. Anything sent while it was not has been
   * missed: the list catches up from the database, and fails closed until it has.
   * `first` is the first time after start.
   */
  onSubscribed(first: boolean): void
}

/**
 * The port through which a process tells every other process of the
 * deployment about a revocation (issue 15). Adapters: the WORKERS IPC through
 * the primary (cluster-broadcast.ts), Redis pub/sub (redis-broadcast.ts) and
 * PostgreSQL LISTEN/NOTIFY (postgres-broadcast.ts). What each one guarantees
 * is in docs/revocation.md.
 */
export interface RevocationBroadcast {
  /**
   * Stores the entries through `store` and announces them. Resolves only once
   * the channel vouches for delivery (the logout's 204 waits for it); rejects
   * when it cannot, and the caller answers 503 rather than a 204 that lies.
   */
  publish(entries: RevokedEntry[], store: StoreRevocations): Promise<void>
  subscribe(handlers: BroadcastHandlers): Promise<void>
  /** False while revocations from others may be missed: requests fail closed. */
  readonly connected: boolean
  close?(): Promise<void>
}

/** The wire form every channel uses: `[[sessionId, expiresAt], …]` as JSON. */
export function encodeEntries(entries: RevokedEntry[]): Array<[string, number]> {
  return entries.map((entry) => [entry.sessionId, entry.expiresAt])
}

/** Reads the wire form, dropping anything malformed (the database stays the record). */
export function decodeEntries(pairs: unknown): RevokedEntry[] {
  if (!Array.isArray(pairs)) return []
  return pairs
    .filter((pair): pair is [string, number] => Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'number')
    .map(([sessionId, expiresAt]) => ({ sessionId, expiresAt }))
}

/**
 * Several channels at once (WORKERS beside Redis or PostgreSQL): the first
 * stores and announces to other instances, the rest only announce; the
 * publish resolves once every channel has confirmed.
 */
export function combineBroadcasts(first: RevocationBroadcast, ...rest: RevocationBroadcast[]): RevocationBroadcast {
  if (rest.length === 0) return first
  const all = [first, ...rest]
  return {
    async publish(entries, store) {
      // Once the first channel has stored, every channel waits for its confirmations at once, so a
      // worker killed by the WORKERS relay for not confirming is gone by the time PostgreSQL's wait ends.
      let stored: () => void = () => {}
      const isStored = new Promise<void>((resolve) => (stored = resolve))
      const firstDone = first.publish(entries, async (notify) => {
        await store(notify)
        stored()
      })
      await Promise.race([isStored, firstDone])
      await Promise.all([firstDone, ...rest.map((channel) => channel.publish(entries, async () => {}))])
    },
    async subscribe(handlers) {
      await Promise.all(all.map((channel) => channel.subscribe(handlers)))
    },
    get connected() {
      return all.every((channel) => channel.connected)
    },
    async close() {
      await Promise.all(all.map((channel) => channel.close?.()))
    },
  }
}
