import { createHmac, createPublicKey, type KeyObject } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose'
import type { Config, JwtAlgorithm } from '../../config.js'
import { readPrivateKeyFile, type AsymmetricAlgorithm } from '../../key-formats/private-key-file.js'

export { KeyFileError, readPrivateKeyFile, type AsymmetricAlgorithm } from '../../key-formats/private-key-file.js'

/** The typed JWS header every token of a key carries, besides `alg` and `kid`. */
export const ACCESS_TOKEN_TYPE = 'at+jwt'

/**
 * Signs a claims set (which already holds `iat` and `exp`) as a compact JWS with this key's
 * `alg`, its `kid` and `typ: at+jwt`. Synchronous: see `makeSigner`.
 */
export type JwsSigner = (claims: Record<string, unknown>) => string

/**
 * A key ready to sign and verify: imported once (raw bytes or PEM would be parsed again on
 * every call). Signing goes through fast-jwt over node:crypto, verifying through jose
 * (WebCrypto), whose checks (allow-list, typ, claims) stay the one gate a token passes.
 */
export interface LoadedKey {
  /** RFC 7638 thumbprint for asymmetric keys; a random id for HS256 (see keyIdOfSecret for pinned secrets). */
  kid: string
  /** The only algorithm this key signs or verifies with (RFC 8725 §3.1). */
  algorithm: JwtAlgorithm
  sign: JwsSigner
  verifyKey: CryptoKey
  /** The public JWK as the JWKS publishes it (key members, `kid`, `alg`, `use`); undefined for HS256. */
  jwk: Record<string, string> | undefined
  /** Also verifies tokens without `kid`: the HS256 key in use before tokens carried one. */
  legacy: boolean
}

/** The public half of every signing key, as RFC 7517 publishes it. */
export interface JwksDocument {
  keys: Array<Record<string, string>>
}

/** The public members of each key type (RFC 7518 §6); anything else (`d`, `p`, `q`, ...) is never published. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
}

/** Only the public members of `key`'s JWK, whatever else node exports. */
export function publicJwkOf(key: KeyObject): Record<string, string> {
  const exported = createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>
  const publicJwk: Record<string, string> = {}
  for (const member of PUBLIC_MEMBERS[String(exported.kty)] ?? []) {
    const value = exported[member]
    if (typeof value === 'string') publicJwk[member] = value
  }
  return publicJwk
}

/** RFC 7638 SHA-256 thumbprint of a public key: its `kid`. */
export function thumbprintOf(publicJwk: Record<string, string>): Promise<string> {
  return calculateJwkThumbprint(publicJwk as JWK, 'sha256')
}

/** Imports a checked node:crypto private key (see key-formats/private-key-file.ts) for `algorithm`; its kid is its thumbprint. */
export async function importAsymmetricKey(algorithm: AsymmetricAlgorithm, key: KeyObject): Promise<LoadedKey> {
  const publicJwk = publicJwkOf(key)
  const kid = await thumbprintOf(publicJwk)
  const sign = makeSigner(algorithm, kid, key.export({ type: 'pkcs8', format: 'pem' }).toString())
  const verifyKey = (await importJWK({ ...publicJwk, alg: algorithm }, algorithm)) as CryptoKey
  return { kid, algorithm, sign, verifyKey, jwk: { ...publicJwk, kid, alg: algorithm, use: 'sig' }, legacy: false }
}

export async function importHs256Key(kid: string, secret: Uint8Array, legacy: boolean): Promise<LoadedKey> {
  const verifyKey = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  return { kid, algorithm: 'HS256', sign: makeSigner('HS256', kid, Buffer.from(secret)), verifyKey, jwk: undefined, legacy }
}

/**
 * The signer of one key. jose signs through WebCrypto, whose every call is an async job:
 * about 100 µs of CPU per HS256 token on this machine against about 20 µs for node:crypto's
 * HMAC called synchronously, and a token is signed on every login, register and refresh
 * (docs/performance.md, issue 19). fast-jwt (nearform, the signer behind @fastify/jwt) does
 * the synchronous signing; nothing is hand-written. Only signing moved: every token is still
 * verified by jose with this key's one algorithm. ES256 signatures come out as JOSE's r‖s,
 * normalised to low S by the caller (token-canonical.ts).
 */
function makeSigner(algorithm: JwtAlgorithm, kid: string, key: Buffer | string): JwsSigner {
  // Timestamps come in the claims (the service's clock), so fast-jwt adds none of its own.
  const signer = createSigner({ key, algorithm, kid, header: { alg: algorithm, typ: ACCESS_TOKEN_TYPE } })
  return (claims) => signer(claims)
}

/**
 * The `kid` of a pinned `JWT_SECRET`. It must be the same on every instance that
 * shares only the environment, so it cannot be random; an HMAC of a fixed label
 * under the secret reveals nothing an HS256 signature does not already reveal
 * (both let a guess of the secret be checked offline, which 32 bytes defeat).
 */
export function keyIdOfSecret(secret: Uint8Array): string {
  return createHmac('sha256', secret).update('tessera signing key id').digest('base64url').slice(0, 22)
}

/**
 * The key pinned by the environment, or undefined when keys live in the
 * database: `JWT_SECRET` for HS256, `JWT_PRIVATE_KEY_FILE` for the others.
 * A pinned HS256 secret also verifies tokens without `kid`, as every token
 * signed with it before tokens carried one lacks it.
 *
 * @throws KeyFileError when the key file cannot be used (loadConfig reports it as a ConfigError first).
 */
export async function loadPinnedKey(config: Config): Promise<LoadedKey | undefined> {
  if (config.jwtAlgorithm === 'HS256') {
    if (config.jwtSecret === undefined) return undefined
    const secret = new TextEncoder().encode(config.jwtSecret)
    return importHs256Key(keyIdOfSecret(secret), secret, true)
  }
  if (config.jwtPrivateKeyFile === undefined) return undefined
  return importAsymmetricKey(config.jwtAlgorithm, readPrivateKeyFile(config.jwtAlgorithm, config.jwtPrivateKeyFile))
}

/** True when the environment pins the signing key, so the database's keys are not used and cannot be rotated. */
export function isKeyPinned(config: Config): boolean {
  return config.jwtAlgorithm === 'HS256' ? config.jwtSecret !== undefined : config.jwtPrivateKeyFile !== undefined
}

/** The JWKS of `keys`: the public keys of the asymmetric ones; HS256 keys are secret and never appear. */
export function jwksDocument(keys: Iterable<LoadedKey>): JwksDocument {
  const published: Array<Record<string, string>> = []
  for (const key of keys) if (key.jwk !== undefined) published.push({ ...key.jwk })
  return { keys: published }
}
