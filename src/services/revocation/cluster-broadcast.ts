import { decodeEntries, encodeEntries, type RevocationBroadcast } from './broadcast.js'
import { REVOCATION_MESSAGES, WORKER_CONFIRM_TIMEOUT_MS, type RevocationMessage } from './cluster-messages.js'

/**
 * The revocation channel between the workers of one machine (`WORKERS=N`),
 * worker side: a revocation goes over node:cluster's IPC channel to the
 * primary, which relays it to every other worker and confirms once each has
 * applied it (cluster-relay.ts). `publish` resolves on that confirmation, so
 * a logout's 204 never leaves while another worker would still accept the
 * token (issue 14, finding 10); without it in `WORKER_CONFIRM_TIMEOUT_MS` it
 * rejects and the request answers 503.
 */
export function createClusterBroadcast(): RevocationBroadcast {
  let nextId = 1
  const waiting = new Map<number, () => void>()

  const send = (message: object) =>
    new Promise<void>((resolve, reject) => {
      if (!process.send || !process.connected) return reject(new Error('the cluster primary is gone'))
      process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()))
    })

  return {
    async publish(entries, store) {
      await store()
      if (entries.length === 0) return
      const id = nextId++
      const confirmed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`the cluster primary did not confirm a revocation within ${WORKER_CONFIRM_TIMEOUT_MS} ms`))
        }, WORKER_CONFIRM_TIMEOUT_MS)
        waiting.set(id, () => {
          clearTimeout(timer)
          waiting.delete(id)
          resolve()
        })
      })
      try {
        await send({ type: REVOCATION_MESSAGES.REVOKED, id, entries: encodeEntries(entries) })
      } catch (error) {
        waiting.get(id)?.()
        throw error
      }
      await confirmed
    },

    async subscribe({ onEntries, onSubscribed }) {
      process.on('message', (raw: unknown) => {
        const message = raw as RevocationMessage | null
        if (message?.type === REVOCATION_MESSAGES.CONFIRMED && typeof message.id === 'number') return waiting.get(message.id)?.()
        if (message?.type !== REVOCATION_MESSAGES.REVOKED) return
        onEntries(decodeEntries(message.entries))
        // Applied synchronously above: confirming now is truthful.
        if (typeof message.relayId === 'number') void send({ type: REVOCATION_MESSAGES.APPLIED, relayId: message.relayId }).catch(() => {})
      })
      // From here on every relayed revocation reaches this worker; what came before is in the
      // database, which the list reads again now (onSubscribed).
      await send({ type: REVOCATION_MESSAGES.SUBSCRIBED }).catch(() => {})
      onSubscribed(true)
    },

    get connected() {
      return process.connected === true
    },
  }
}
