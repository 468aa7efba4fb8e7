import { randomBytes } from 'node:crypto'
import { compactDecrypt, CompactEncrypt, decodeProtectedHeader, type CryptoKey } from 'jose'
import type { Config, JweAlgorithm } from '../../config.js'
import { JWE_KEY_BYTES } from '../../key-formats/jwe-key.js'
import type { SettingQueries } from '../../storage/settings.js'

/** The key that encrypts access tokens when `ACCESS_TOKEN_FORMAT=jwe`: 32 bytes, for `dir` (the A256GCM key itself) or `A256KW` (the key-wrapping key). */
export interface EncryptionKey {
  algorithm: JweAlgorithm
  key: Uint8Array
}

/** The one content-encryption algorithm: RFC 7518 §5.3, AES-256 in GCM. */
export const CONTENT_ENCRYPTION = 'A256GCM'

const KEY_SETTING = 'jwe_a256_key'

/**
 * The access-token encryption key, or undefined with `ACCESS_TOKEN_FORMAT=jws`.
 * `JWE_KEY` when given; otherwise 32 random bytes made on the first start and
 * kept in the database (as the generated HS256 secret is), so tokens survive
 * restarts and every instance on the same database agrees.
 */
export async function loadEncryptionKey(config: Config, settings: SettingQueries): Promise<EncryptionKey | undefined> {
  if (config.accessTokenFormat !== 'jwe') return undefined
  if (config.jweKey !== undefined) return { algorithm: config.jweAlgorithm, key: config.jweKey }
  const stored = await settings.getOrInsert(KEY_SETTING, randomBytes(JWE_KEY_BYTES).toString('base64url'))
  return { algorithm: config.jweAlgorithm, key: new Uint8Array(Buffer.from(stored, 'base64url')) }
}

/** Nested JWTs (RFC 7519 §5.2, §11.2): a signed JWT, encrypted, so clients cannot read its claims. */
export interface TokenEncryption {
  encrypt(jws: string): Promise<string>
  /**
   * The inner JWS of a compact JWE made by `encrypt`.
   * @throws Error (any kind) for everything else; callers answer `token_invalid`.
   */
  decrypt(jwe: string): Promise<string>
}

export async function createTokenEncryption({ algorithm, key }: EncryptionKey): Promise<TokenEncryption> {
  // Imported once as a non-extractable CryptoKey: raw bytes would be imported again on every call.
  const cryptoKey: CryptoKey =
    algorithm === 'dir'
      ? await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt'])
      : await crypto.subtle.importKey('raw', key, 'AES-KW', false, ['wrapKey', 'unwrapKey'])
  const protectedHeader = { alg: algorithm, enc: CONTENT_ENCRYPTION, cty: 'JWT' }
  const options = {
    keyManagementAlgorithms: [algorithm],
    contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
    // We never compress, so a `zip` token was not made by us; 0 makes jose refuse it too (defence in depth).
    maxDecompressedLength: 0,
  }
  return {
    encrypt: (jws) => new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader(protectedHeader).encrypt(cryptoKey),

    async decrypt(jwe) {
      // Header-only checks first, before any key work: a PBES2 token's p2c
      // (PBKDF2 iterations, RFC 7518 §4.8.1.2), a `zip` (decompression bomb),
      // RSA1_5 (Bleichenbacher) or another enc are refused on sight. RFC 8725 §3.1.
      if (jwe.split('.').length !== 5) throw new Error('not a compact JWE')
      const header = decodeProtectedHeader(jwe)
      if (header.alg !== algorithm || header.enc !== CONTENT_ENCRYPTION) throw new Error('disallowed JWE algorithm')
      if ('zip' in header) throw new Error('compressed JWE')
      // RFC 7519 §5.2: cty "JWT" marks a nested JWT; compared case-insensitively (RFC 7515 §4.1.10).
      if (typeof header.cty !== 'string' || header.cty.toUpperCase() !== 'JWT') throw new Error('JWE content is not a JWT')
      const { plaintext } = await compactDecrypt(jwe, cryptoKey, options)
      return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
    },
  }
}
