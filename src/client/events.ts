import type { User } from './types.js'

/**
 * Why the client is no longer signed in:
 * - `logout`: this client called `logout()`;
 * - `elsewhere`: the session was ended somewhere else: another tab logged out, or a refresh was
 *   answered `token_revoked` or `refresh_token_reused` (a logout on another device, an admin, a
 *   password change, theft detection);
 * - `expired`: the refresh token no longer works (`token_expired`, `token_invalid`), or there is none;
 * - `account_deleted`: this client called `deleteAccount()`.
 */
export type SignOutReason = 'logout' | 'elsewhere' | 'expired' | 'account_deleted'

/** Where new tokens came from: this client, or another tab of the origin that shared them. */
export type TokenSource = 'this-client' | 'other-tab'

export interface ClientEvents {
  'signed-in': { user: User; source: TokenSource }
  refreshed: { user: User; source: TokenSource; expiresAt: number }
  'signed-out': { reason: SignOutReason; code?: string }
}

export type ClientEventName = keyof ClientEvents
type Listener<K extends ClientEventName> = (event: ClientEvents[K]) => void

/** A small typed emitter; a listener that throws does not stop the others or the client. */
export class Emitter {
  readonly #listeners = new Map<ClientEventName, Set<Listener<never>>>()

  on<K extends ClientEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(name)
    if (set === undefined) this.#listeners.set(name, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }

  emit<K extends ClientEventName>(name: K, event: ClientEvents[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        ;(listener as Listener<K>)(event)
      } catch (error) {
        // Reported, not rethrown: a broken listener must not break sign-in or crash a Node process.
        const report = (globalThis as { reportError?: (error: unknown) => void }).reportError ?? console.error
        report(error)
      }
    }
  }
}
