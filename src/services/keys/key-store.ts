import { createPrivateKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import type { Config, JwtAlgorithm } from '../../config.js'
import { checkPrivateKey, KeyFileError, type AsymmetricAlgorithm } from '../../key-formats/private-key-file.js'
import type { Storage } from '../../storage/index.js'
import type { SigningKeyRecord } from '../../storage/signing-keys.js'
import { isEncrypted, secretMissing, type KeyEncryption } from './key-encryption.js'
import { importAsymmetricKey, importHs256Key, publicJwkOf, thumbprintOf, type LoadedKey } from './keys.js'

/**
 * Signing keys kept in the database: made, rotated, read back. Every write is
 * a compare-and-swap on the keys' version (storage/signing-keys.ts), so two
 * instances starting or rotating at once never leave two active keys.
 */

/**
 * How long every instance may take to learn of a rotation (a one-second poll,
 * plus a slow query). An instance that has not heard yet may still sign with
 * the retired key for that long, so the retired key verifies that much longer.
 */
export const KEY_PROPAGATION_MS = 2000

/** Lost compare-and-swaps in a row before giving up: each loss means another instance made progress. */
const MAX_ATTEMPTS = 10

const RSA_BITS = 3072
const generate = promisify(generateKeyPair)

/** Until when a key retired at `retiredAt` verifies: every token it signed has expired by then. */
export function verifiesUntil(config: Config, retiredAt: number | null): number {
  if (retiredAt === null) return Number.POSITIVE_INFINITY
  return retiredAt + (config.accessTokenTtl + config.jwtLeeway) * 1000 + KEY_PROPAGATION_MS
}

/** A fresh key for `algorithm`, as it is stored (private material in clear; the caller encrypts). */
async function generateKey(algorithm: JwtAlgorithm): Promise<{ kid: string; algorithm: JwtAlgorithm; privateKey: string; publicKey: string | null }> {
  if (algorithm === 'HS256') {
    // RFC 7518 §3.2: a key as long as the hash output. Its kid is random: a thumbprint of a secret key would be a hash of the secret.
    return { kid: randomBytes(16).toString('base64url'), algorithm, privateKey: JSON.stringify({ kty: 'oct', k: randomBytes(32).toString('base64url') }), publicKey: null }
  }
  const { privateKey } = await generateAsymmetric(algorithm)
  const publicJwk = publicJwkOf(privateKey)
  return { kid: await thumbprintOf(publicJwk), algorithm, privateKey: JSON.stringify(privateKey.export({ format: 'jwk' })), publicKey: JSON.stringify(publicJwk) }
}

function generateAsymmetric(algorithm: AsymmetricAlgorithm): Promise<{ privateKey: KeyObject }> {
  if (algorithm === 'RS256') return generate('rsa', { modulusLength: RSA_BITS })
  if (algorithm === 'ES256') return generate('ec', { namedCurve: 'P-256' })
  return generate('ed25519')
}

/** A stored key, decrypted, checked against its algorithm and imported. Throws ConfigError when it cannot be decrypted. */
export async function importStoredKey(record: SigningKeyRecord, encryption: KeyEncryption | undefined): Promise<LoadedKey> {
  let material = record.privateKey
  if (isEncrypted(material)) {
    if (encryption === undefined) throw secretMissing()
    material = await encryption.decrypt(record.kid, material)
  }
  let jwk: Record<string, string>
  try {
    jwk = JSON.parse(material) as Record<string, string>
  } catch {
    // JSON.parse quotes the text it failed on; this text is a private key.
    throw new Error(`signing key ${record.kid}: stored private key is not a JWK`)
  }
  const algorithm = record.algorithm as JwtAlgorithm
  if (algorithm === 'HS256') {
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new Error(`signing key ${record.kid}: not an HS256 key`)
    return importHs256Key(record.kid, new Uint8Array(Buffer.from(jwk.k, 'base64url')), record.legacy)
  }
  if (!['RS256', 'ES256', 'EdDSA'].includes(algorithm)) throw new Error(`signing key ${record.kid}: unknown algorithm ${record.algorithm}`)
  const keyObject = createPrivateKey({ key: jwk, format: 'jwk' })
  try {
    checkPrivateKey(algorithm as AsymmetricAlgorithm, keyObject)
  } catch (error) {
    if (error instanceof KeyFileError) throw new Error(`signing key ${record.kid}: ${error.reason}`)
    throw error
  }
  const loaded = await importAsymmetricKey(algorithm as AsymmetricAlgorithm, keyObject)
  // The kid is the thumbprint: a row whose kid does not match was not written by us.
  if (loaded.kid !== record.kid) throw new Error(`signing key ${record.kid}: kid is not the key's thumbprint`)
  return loaded
}

async function encryptIfSet(encryption: KeyEncryption | undefined, kid: string, privateKey: string): Promise<string> {
  return encryption === undefined ? privateKey : encryption.encrypt(kid, privateKey)
}

/**
 * Start-up: makes sure one key for `JWT_ALGORITHM` is active. Encrypts keys
 * stored in clear when a secret is set; adds the first key on a new database;
 * rotates to a new key when the operator changed `JWT_ALGORITHM` (the old key
 * retires and verifies until its tokens have expired).
 *
 * @throws ConfigError naming KEY_ENCRYPTION_SECRET when stored keys are encrypted and the secret is missing or wrong.
 */
export async function ensureActiveKey(config: Config, storage: Storage, encryption: KeyEncryption | undefined, now: () => number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const version = await storage.signingKeys.version()
    const records = await storage.signingKeys.list()
    // Every stored key must open: a wrong or missing secret stops the start here, with one line.
    for (const record of records) await importStoredKey(record, encryption)
    if (encryption !== undefined) {
      const clear = records.filter((record) => !isEncrypted(record.privateKey))
      if (clear.length > 0) {
        const replacePrivateKeys = await Promise.all(clear.map(async ({ kid, privateKey }) => ({ kid, privateKey: await encryption.encrypt(kid, privateKey) })))
        await storage.signingKeys.change(version, { replacePrivateKeys, at: now() })
        continue // read again: either our change or a concurrent one moved the version
      }
    }
    const active = records.find((record) => record.retiredAt === null)
    if (active?.algorithm === config.jwtAlgorithm) return
    const key = await generateKey(config.jwtAlgorithm)
    const privateKey = await encryptIfSet(encryption, key.kid, key.privateKey)
    if (await storage.signingKeys.change(version, { add: { ...key, privateKey, legacy: false }, at: now() })) return
  }
  throw new Error('signing keys changed by other instances on every attempt; try again')
}

/**
 * Adds a new key for `JWT_ALGORITHM`, which signs from now on; the active key
 * is retired. Returns the new key's record.
 *
 * @throws ConfigError naming KEY_ENCRYPTION_SECRET when stored keys are encrypted and the secret is missing or wrong.
 */
export async function rotateKey(config: Config, storage: Storage, encryption: KeyEncryption | undefined, now: () => number): Promise<SigningKeyRecord> {
  // Refused, as a start would be, when the stored keys do not open: a forgotten secret must not leave a new key in clear beside encrypted ones.
  for (const record of await storage.signingKeys.list()) await importStoredKey(record, encryption)
  const key = await generateKey(config.jwtAlgorithm)
  const privateKey = await encryptIfSet(encryption, key.kid, key.privateKey)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const version = await storage.signingKeys.version()
    const at = now()
    if (await storage.signingKeys.change(version, { add: { ...key, privateKey, legacy: false }, at })) {
      return { ...key, privateKey, legacy: false, createdAt: at, retiredAt: null }
    }
  }
  throw new Error('signing keys changed by other instances on every attempt; try again')
}

export type KeyState = 'active' | 'retired' | 'expired'

/** What operators and admins see of a key: never its private material. */
export interface KeyInfo {
  kid: string
  algorithm: string
  state: KeyState
  /** Null for a key pinned by the environment, which the database never saw. */
  createdAt: number | null
  retiredAt: number | null
  /** Until when tokens it signed verify; null while active. */
  verifiesUntil: number | null
  /** The public JWK as the JWKS publishes it; null for HS256. */
  publicJwk: Record<string, string> | null
}

export function describeKey(config: Config, record: SigningKeyRecord, at: number): KeyInfo {
  const until = verifiesUntil(config, record.retiredAt)
  const state: KeyState = record.retiredAt === null ? 'active' : until > at ? 'retired' : 'expired'
  const publicJwk = record.publicKey === null ? null : { ...(JSON.parse(record.publicKey) as Record<string, string>), kid: record.kid, alg: record.algorithm, use: 'sig' }
  return { kid: record.kid, algorithm: record.algorithm, state, createdAt: record.createdAt, retiredAt: record.retiredAt, verifiesUntil: Number.isFinite(until) ? until : null, publicJwk }
}

/** Deletes keys whose every token has expired; never the active key. */
export function pruneExpiredKeys(config: Config, storage: Storage, at: number): Promise<number> {
  return storage.signingKeys.deleteRetiredBefore(at - verifiesUntil(config, 0))
}
