/**
 * `tessera-auth/client`: a client for Tessera's HTTP API, for browsers and Node 20+,
 * with nothing but the platform (fetch, Web Locks, BroadcastChannel). See docs/client.md.
 *
 * @example
 * import { createTesseraClient } from 'tessera-auth/client'
 *
 * const tessera = createTesseraClient({ baseUrl: 'https://auth.example.com' })
 * await tessera.login({ email: 'ada@example.com', password: 'correct horse battery' })
 * const response = await tessera.fetch('https://auth.example.com/secret')
 * console.log(await response.json())
 */
import { TesseraClient, type TesseraClientOptions } from './client.js'

/**
 * Creates a client. Options are checked now (a TypeError for a missing or malformed `baseUrl`).
 *
 * @example
 * // A browser app on the API's site, in the server's cookie mode: no token ever in JavaScript.
 * const tessera = createTesseraClient({ mode: 'cookies' })
 * tessera.on('signed-out', ({ reason }) => showLogin(reason))
 * await tessera.restore()
 */
export function createTesseraClient(options: TesseraClientOptions = {}): TesseraClient {
  return new TesseraClient(options)
}

export { TesseraClient, type TesseraClientOptions } from './client.js'
export { TesseraError, type FieldError } from './errors.js'
export type { ClientEventName, ClientEvents, SignOutReason, TokenSource } from './events.js'
export { localStorageStorage, memoryStorage, type RefreshTokenStorage } from './storage.js'
export type { ClientMode } from './transport.js'
export type { LoginInput, MfaChallengeInput, Passkey, PasswordChange, ProfileChanges, RegisterInput, Session, TesseraErrorCode, TokenResponse, TotpEnrolment, User } from './types.js'
