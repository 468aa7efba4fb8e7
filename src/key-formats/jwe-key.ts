/**
 * The text form of `JWE_KEY`. A leaf module (it imports nothing of ours) so
 * that `loadConfig` can check the setting without importing the service that
 * uses the key (services/keys/jwe-key.ts).
 */

/** A256GCM (`dir`) and A256KW both take a 32-byte key. */
export const JWE_KEY_BYTES = 32

/**
 * Reads `JWE_KEY`: 32 bytes as base64url, 43 characters, or 44 with one `=` of
 * padding. Undefined for anything else (loadConfig turns that into a ConfigError).
 */
export function parseJweKey(text: string): Uint8Array | undefined {
  const unpadded = text.length === 44 && text.endsWith('=') ? text.slice(0, 43) : text
  if (!/^[A-Za-z0-9_-]{43}$/.test(unpadded)) return undefined
  const bytes = Buffer.from(unpadded, 'base64url')
  // The last character carries 2 spare bits: only their canonical (zero) form is accepted, so one key has one spelling.
  if (bytes.length !== JWE_KEY_BYTES || bytes.toString('base64url') !== unpadded) return undefined
  return new Uint8Array(bytes)
}
