import type { Worker } from 'node:cluster'
import { RELAY_CONFIRM_TIMEOUT_MS, REVOCATION_MESSAGES, type RevocationMessage } from './cluster-messages.js'

export interface RevocationRelay {
  /** Relays this worker's revocations and counts it among those that must confirm, once it has subscribed. */
  attach(worker: Worker): void
}

/**
 * The primary's half of the WORKERS revocation channel (cluster-broadcast.ts
 * is the workers' half). A revocation from one worker is sent to every other,
 * and confirmed to its sender once each subscribed worker has applied it. A
 * worker that has not confirmed within `RELAY_CONFIRM_TIMEOUT_MS` is stuck
 * (a blocked event loop): it is killed (SIGKILL, so it can never answer
 * again) and replaced by the primary's usual restart, whose start-up reads
 * every revocation from the database. Only then is the sender told, so the
 * 204 it is holding never lies.
 */
export function createRevocationRelay(onUnresponsive: (worker: Worker) => void): RevocationRelay {
  /** Workers that listen for relayed revocations (a starting worker reads the database instead). */
  const subscribed = new Set<Worker>()
  /** Relays waiting for confirmations: relay id → workers still to confirm, and what to do when none is left. */
  const pending = new Map<number, { workers: Set<Worker>; done: () => void }>()
  const workers = new Set<Worker>()
  let nextRelayId = 1

  const confirmed = (relayId: number, worker: Worker) => {
    const relay = pending.get(relayId)
    if (!relay) return
    relay.workers.delete(worker)
    if (relay.workers.size === 0) relay.done()
  }

  const relay = (from: Worker, message: RevocationMessage) => {
    const relayId = nextRelayId++
    const waitFor = new Set([...subscribed].filter((worker) => worker !== from && worker.isConnected()))
    const timer = setTimeout(() => {
      for (const worker of waitFor) {
        onUnresponsive(worker)
        worker.process.kill('SIGKILL')
      }
      done()
    }, RELAY_CONFIRM_TIMEOUT_MS)
    const done = () => {
      clearTimeout(timer)
      pending.delete(relayId)
      if (from.isConnected()) from.send({ type: REVOCATION_MESSAGES.CONFIRMED, id: message.id })
    }
    pending.set(relayId, { workers: waitFor, done })
    // Every other worker gets it, subscribed or not yet (harmless, and it closes the gap while one subscribes).
    for (const worker of workers) if (worker !== from && worker.isConnected()) worker.send({ type: REVOCATION_MESSAGES.REVOKED, relayId, entries: message.entries })
    if (waitFor.size === 0) done()
  }

  return {
    attach(worker) {
      workers.add(worker)
      worker.on('message', (raw: unknown) => {
        const message = raw as RevocationMessage | null
        if (message?.type === REVOCATION_MESSAGES.SUBSCRIBED) subscribed.add(worker)
        else if (message?.type === REVOCATION_MESSAGES.APPLIED && typeof message.relayId === 'number') confirmed(message.relayId, worker)
        else if (message?.type === REVOCATION_MESSAGES.REVOKED) relay(worker, message)
      })
      worker.once('exit', () => {
        workers.delete(worker)
        subscribed.delete(worker)
        // A dead worker answers nothing: it no longer holds up anyone's 204.
        for (const relayId of [...pending.keys()]) confirmed(relayId, worker)
      })
    },
  }
}
