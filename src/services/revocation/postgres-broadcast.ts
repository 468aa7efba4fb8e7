import type { Storage } from '../../storage/index.js'
import type { Listener } from '../../storage/dialects/postgres-listener.js'
import { decodeEntries, encodeEntries, type RevocationBroadcast } from './broadcast.js'

/** The NOTIFY channel (per database, as the revoked_sessions table is). */
const CHANNEL = 'tessera_revocations'
/** Entries per NOTIFY: about 60 bytes each keeps a payload well under PostgreSQL's 8000-byte limit. */
const ENTRIES_PER_NOTIFY = 100

/**
 * Revocations between instances that share a PostgreSQL database and no
 * Redis (issue 14, finding 11): the revocation rows and a NOTIFY carrying
 * them are written in one transaction, so the commit that lets the 204 go is
 * the one that delivers the NOTIFY to every listener. Each instance holds a
 * LISTEN on a connection of its own (storage/dialects/postgres-listener.ts);
 * while it is lost the instance fails closed, and once it is back the list
 * reads the database again before trusting tokens. At most once, as Redis is:
 * the database poll stays on as the safety net.
 */
export function createPostgresBroadcast(listen: NonNullable<Storage['listen']>, onError: (error: unknown) => void): RevocationBroadcast {
  let listener: Listener | undefined
  return {
    async publish(entries, store) {
      const payloads: string[] = []
      for (let start = 0; start < entries.length; start += ENTRIES_PER_NOTIFY) payloads.push(JSON.stringify(encodeEntries(entries.slice(start, start + ENTRIES_PER_NOTIFY))))
      await store({ channel: CHANNEL, payloads })
    },

    async subscribe({ onEntries, onSubscribed }) {
      let first = true
      listener = listen(CHANNEL, {
        onNotification(payload) {
          try {
            onEntries(decodeEntries(JSON.parse(payload)))
          } catch {
            // Not ours, or damaged: the database poll still brings the truth.
          }
        },
        onListening() {
          onSubscribed(first)
          first = false
        },
        onError,
      })
    },

    get connected() {
      return listener?.listening ?? false
    },

    async close() {
      await listener?.close()
    },
  }
}
