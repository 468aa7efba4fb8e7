import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'
import type { Config } from '../config.js'
import { KeyFileError, readPrivateKeyFile, type AsymmetricAlgorithm } from '../key-file.js'

export { KeyFileError, readPrivateKeyFile, type AsymmetricAlgorithm } from '../key-file.js'
import type { SettingQueries } from '../storage/settings.js'
import { loadEncryptionKey, type EncryptionKey } from './jwe-key.js'


export interface SymmetricSigningKey {
  algorithm: 'HS256'
  key: Uint8Array
}

export interface AsymmetricSigningKey {
  algorithm: AsymmetricAlgorithm
  privateKey: CryptoKey
  publicKey: CryptoKey
  /** RFC 7638 SHA-256 thumbprint of the public key, sent as the `kid` header. */
  kid: string
  /** The public JWK as the JWKS publishes it: key members plus `kid`, `alg`, `use`. */
  jwk: Record<string, string>
}

/**
 * The signing key, and with `ACCESS_TOKEN_FORMAT=jwe` the key that then encrypts
 * the signed token. They travel together because both are what access tokens are made with.
 */
export type SigningKey = (SymmetricSigningKey | AsymmetricSigningKey) & { encryption?: EncryptionKey }

/** The public half of every signing key, as RFC 7517 publishes it. */
export interface JwksDocument {
  keys: Array<Record<string, string>>
}

const SECRET_SETTING = 'jwt_hs256_secret'

/** The public members of each key type (RFC 7518 §6); anything else (`d`, `p`, `q`, ...) is never published. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
}

/**
 * The signing key `config` names. HS256: `JWT_SECRET` when given, otherwise 32
 * random bytes made on the first start and kept in the database, so tokens
 * survive restarts and every instance on the same database agrees. The
 * asymmetric algorithms: the key in `JWT_PRIVATE_KEY_FILE`. With
 * `ACCESS_TOKEN_FORMAT=jwe`, also the encryption key (see jwe-key.ts).
 *
 * @throws KeyFileError when the key file cannot be used (loadConfig reports it as a ConfigError first).
 */
export async function loadSigningKey(config: Config, settings: SettingQueries): Promise<SigningKey> {
  const signing = await loadSignatureKey(config, settings)
  const encryption = await loadEncryptionKey(config, settings)
  return encryption === undefined ? signing : { ...signing, encryption }
}

async function loadSignatureKey(config: Config, settings: SettingQueries): Promise<SigningKey> {
  if (config.jwtAlgorithm !== 'HS256') {
    if (config.jwtPrivateKeyFile === undefined) throw new KeyFileError(`required when JWT_ALGORITHM is ${config.jwtAlgorithm}`)
    return importSigningKey(config.jwtAlgorithm, readPrivateKeyFile(config.jwtAlgorithm, config.jwtPrivateKeyFile))
  }
  if (config.jwtSecret !== undefined) return { algorithm: 'HS256', key: new TextEncoder().encode(config.jwtSecret) }
  const stored = await settings.getOrInsert(SECRET_SETTING, randomBytes(32).toString('base64url'))
  return { algorithm: 'HS256', key: Buffer.from(stored, 'base64url') }
}

/** Turns a checked node:crypto private key into the non-extractable CryptoKeys jose signs and verifies with. */
export async function importSigningKey(algorithm: AsymmetricAlgorithm, key: KeyObject): Promise<AsymmetricSigningKey> {
  const exported = createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>
  const members = PUBLIC_MEMBERS[String(exported.kty)] ?? []
  const publicJwk: Record<string, string> = {}
  for (const member of members) {
    const value = exported[member]
    if (typeof value === 'string') publicJwk[member] = value
  }
  const kid = await calculateJwkThumbprint(publicJwk as JWK, 'sha256')
  const privateKey = await importPKCS8(key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm)
  const publicKey = (await importJWK({ ...publicJwk, alg: algorithm }, algorithm)) as CryptoKey
  return { algorithm, privateKey, publicKey, kid, jwk: { ...publicJwk, kid, alg: algorithm, use: 'sig' } }
}

/** The JWKS: the public key of an asymmetric algorithm; nothing for HS256, whose key is secret. */
export function jwksDocument(key: SigningKey): JwksDocument {
  if (key.algorithm === 'HS256') return { keys: [] }
  return { keys: [{ ...key.jwk }] }
}
