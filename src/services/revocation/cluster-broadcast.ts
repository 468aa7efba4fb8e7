import type { RevocationBroadcast, RevokedEntry } from './redis-broadcast.js'

/** The IPC message type that carries revocations; the primary (cluster.ts) relays exactly these. */
export const REVOCATION_MESSAGE = 'tessera:revocations'

/**
 * The revocation broadcast between the workers of one machine (`WORKERS=N`
 * without Redis): messages go over node:cluster's IPC channel to the primary,
 * which relays them to the other workers. The database poll stays on as the
 * safety net, as it does with Redis.
 */
export function createClusterBroadcast(): RevocationBroadcast {
  return {
    async publish(entries: RevokedEntry[]) {
      if (entries.length === 0 || !process.send || !process.connected) return
      process.send({ type: REVOCATION_MESSAGE, entries: entries.map((entry) => [entry.sessionId, entry.expiresAt]) })
    },

    async subscribe(onEntries) {
      process.on('message', (message: unknown) => {
        const m = message as { type?: unknown; entries?: unknown } | null
        if (m?.type !== REVOCATION_MESSAGE || !Array.isArray(m.entries)) return
        const pairs = m.entries as Array<[unknown, unknown]>
        onEntries(
          pairs
            .filter((pair): pair is [string, number] => typeof pair[0] === 'string' && typeof pair[1] === 'number')
            .map(([sessionId, expiresAt]) => ({ sessionId, expiresAt })),
        )
      })
    },

    get connected() {
      return process.connected === true
    },
  }
}
