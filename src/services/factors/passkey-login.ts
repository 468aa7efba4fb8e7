import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { Storage } from '../../storage/index.js'
import { PASSKEY_AMR, type ClientInfo, type IssuedTokens, type Sessions } from '../sessions.js'
import type { PasskeyAssertions } from './passkey-sign-in.js'

export type PasskeyLogin = (credential: AuthenticationResponseJSON, client: ClientInfo) => Promise<IssuedTokens>

/**
 * A usernameless sign-in with a passkey: a discoverable credential under user verification is
 * something the user has and something they are (or know), so it counts as two factors on its
 * own (amr `hwk`, `user`, RFC 8176) and the token is fresh, as a password login's is.
 */
export function createPasskeyLogin(deps: { storage: Storage; assertions: PasskeyAssertions; sessions: Sessions; now: () => number }): PasskeyLogin {
  const { storage, assertions, sessions, now } = deps
  return async function passkeyLogin(credential, client) {
    const { user } = await assertions.verify(credential, client)
    const at = now()
    await storage.users.touchLogin(user.id, at)
    return sessions.start({ ...user, lastLoginAt: at }, client, { amr: PASSKEY_AMR })
  }
}
