import { hkdf } from 'node:crypto'
import { promisify } from 'node:util'
import { compactDecrypt, CompactEncrypt, decodeProtectedHeader } from 'jose'
import { ConfigError } from '../../config.js'

/**
 * Private signing keys at rest (`KEY_ENCRYPTION_SECRET`): each stored as a
 * compact JWE (`dir`, `A256GCM`) whose key is derived from the secret with
 * HKDF-SHA256 (RFC 5869). The JWE header names the key's `kid`, and the header
 * is authenticated, so encrypted material cannot be moved to another row.
 */
export interface KeyEncryption {
  encrypt(kid: string, privateJwk: string): Promise<string>
  /** @throws ConfigError naming KEY_ENCRYPTION_SECRET when the secret does not open it. */
  decrypt(kid: string, stored: string): Promise<string>
}

const ALGORITHM = 'dir'
const ENCRYPTION = 'A256GCM'
// Fixed salt and info: the secret is already high-entropy (≥ 32 bytes), and the labels keep this key for this use only.
const HKDF_SALT = 'tessera signing keys'
const HKDF_INFO = 'tessera key encryption v1'

/** A stored private key in clear is a JWK: a JSON object. A compact JWE never starts with `{`. */
export function isEncrypted(stored: string): boolean {
  return !stored.startsWith('{')
}

export async function createKeyEncryption(secret: string): Promise<KeyEncryption> {
  const derived = await promisify(hkdf)('sha256', secret, HKDF_SALT, HKDF_INFO, 32)
  const key = await crypto.subtle.importKey('raw', derived, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const refused = () => new ConfigError('KEY_ENCRYPTION_SECRET', 'does not decrypt the signing keys in the database (a different secret encrypted them)')
  return {
    encrypt: (kid, privateJwk) => new CompactEncrypt(new TextEncoder().encode(privateJwk)).setProtectedHeader({ alg: ALGORITHM, enc: ENCRYPTION, kid }).encrypt(key),

    async decrypt(kid, stored) {
      try {
        if (decodeProtectedHeader(stored).kid !== kid) throw new Error('kid mismatch')
        const { plaintext } = await compactDecrypt(stored, key, { keyManagementAlgorithms: [ALGORITHM], contentEncryptionAlgorithms: [ENCRYPTION] })
        return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
      } catch {
        // The cause is not kept: jose's messages say nothing useful here, and nothing of the key may reach a log.
        throw refused()
      }
    },
  }
}

/** The start refused because keys are encrypted but no secret is set. */
export function secretMissing(): ConfigError {
  return new ConfigError('KEY_ENCRYPTION_SECRET', 'is not set, but the signing keys in the database are encrypted; set it to the secret that encrypted them')
}
