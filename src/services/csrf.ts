import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SettingQueries } from '../storage/settings.js'

/**
 * CSRF tokens for cookie-authenticated browser clients: the "signed double
 * submit cookie" of the OWASP CSRF cheat sheet. The token is an HMAC-SHA256 of
 * the session id under a server key, so
 * - it is bound to one session: a token read from another session (an
 *   attacker's own, or a cookie planted by a sibling subdomain) does not match;
 * - it cannot be forged without the key, and needs no storage: any instance
 *   recomputes it from the session id it finds in the access or refresh token;
 * - it stays the same for the session's whole life, across refreshes, so two
 *   tabs never race over it.
 *
 * The HTTP layer decides when a request needs one (http/csrf.ts).
 */
export interface CsrfTokens {
  /** The token of a session, sent to the browser in a script-readable cookie. */
  tokenFor(sessionId: string): string
  /** Whether `presented` is the token of `sessionId`, compared in constant time. */
  matches(sessionId: string, presented: string): boolean
}

/** Its own key, not the signing key: CSRF tokens are readable by scripts, and a key should have one use. */
const KEY_SETTING = 'csrf_hmac_key'

/** Domain separation inside the HMAC input, should the key ever serve another purpose. */
const CONTEXT = 'tessera-csrf-v1:'

/**
 * Loads the CSRF key, making 32 random bytes on the first start and keeping
 * them in the settings table (as the generated HS256 secret is kept), so
 * every instance on one database accepts the others' tokens and tokens
 * survive restarts.
 */
export async function loadCsrfKey(settings: SettingQueries): Promise<Uint8Array> {
  const stored = await settings.getOrInsert(KEY_SETTING, randomBytes(32).toString('base64url'))
  return Buffer.from(stored, 'base64url')
}

/**
 * @example
 * ```ts
 * const csrf = createCsrfTokens(await loadCsrfKey(storage.settings))
 * csrf.matches(sessionId, request.headers['x-csrf-token'])
 * ```
 */
export function createCsrfTokens(key: Uint8Array): CsrfTokens {
  if (key.byteLength < 32) throw new TypeError('createCsrfTokens: the key must be at least 32 bytes')

  function digest(sessionId: string): Buffer {
    return createHmac('sha256', key).update(CONTEXT + sessionId).digest()
  }

  return {
    tokenFor: (sessionId) => digest(sessionId).toString('base64url'),

    matches(sessionId, presented) {
      const expected = digest(sessionId)
      const given = Buffer.from(presented, 'base64url')
      // Base64url decoding ignores junk characters, so also require the canonical text:
      // only the exact token the server issued is accepted.
      if (given.length !== expected.length || given.toString('base64url') !== presented) return false
      return timingSafeEqual(given, expected)
    },
  }
}
