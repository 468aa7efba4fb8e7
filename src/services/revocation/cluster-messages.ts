/**
 * The IPC messages of the WORKERS revocation channel, between a worker
 * (cluster-broadcast.ts) and the primary (cluster-relay.ts):
 *
 * - worker → primary `SUBSCRIBED`: it listens now; wait for its confirmations from here on.
 * - worker → primary `REVOKED { id, entries }`: a revocation it stored.
 * - primary → every other worker `REVOKED { relayId, entries }`.
 * - worker → primary `APPLIED { relayId }`: it is in that worker's set.
 * - primary → the first worker `CONFIRMED { id }`: every other worker has it
 *   (or has been killed for not answering), and the 204 may go.
 */
export const REVOCATION_MESSAGES = {
  SUBSCRIBED: 'tessera:revocations-subscribed',
  REVOKED: 'tessera:revocations',
  APPLIED: 'tessera:revocations-applied',
  CONFIRMED: 'tessera:revocations-confirmed',
} as const

export interface RevocationMessage {
  type?: unknown
  id?: unknown
  relayId?: unknown
  entries?: unknown
}

/** How long the primary waits for every other worker to confirm before it kills the ones that did not. */
export const RELAY_CONFIRM_TIMEOUT_MS = 2000
/** How long a worker waits for the primary's confirmation before answering 503 (the primary itself is stuck). */
export const WORKER_CONFIRM_TIMEOUT_MS = RELAY_CONFIRM_TIMEOUT_MS + 3000
