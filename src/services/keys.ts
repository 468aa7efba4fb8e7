import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { calculateJwkThumbprint, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'
import type { Config, JwtAlgorithm } from '../config.js'
import type { SettingQueries } from '../storage/settings.js'
import { loadEncryptionKey, type EncryptionKey } from './jwe-key.js'

export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>

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

/** A JWT_PRIVATE_KEY_FILE that cannot be used; the message is one line and never contains key material. */
export class KeyFileError extends Error {
  /** Why, without the variable's name (loadConfig puts that in front, as every ConfigError does). */
  readonly reason: string
  constructor(reason: string) {
    super(`Invalid JWT_PRIVATE_KEY_FILE: ${reason}`)
    this.name = 'KeyFileError'
    this.reason = reason
  }
}

const SECRET_SETTING = 'jwt_hs256_secret'

/** RFC 7518 §3.3 and NIST SP 800-57: RSA keys under 2048 bits are refused. */
const MIN_RSA_BITS = 2048

/** The public members of each key type (RFC 7518 §6); anything else (`d`, `p`, `q`, ...) is never published. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
}

/** What each algorithm needs, in the words of node:crypto's `asymmetricKeyType` (and `namedCurve` for EC). */
const REQUIRED_KEY: Record<AsymmetricAlgorithm, { type: string; curve?: string; describe: string }> = {
  RS256: { type: 'rsa', describe: `an RSA key of at least ${MIN_RSA_BITS} bits` },
  ES256: { type: 'ec', curve: 'prime256v1', describe: 'an EC key on P-256' },
  EdDSA: { type: 'ed25519', describe: 'an Ed25519 key' },
}

/**
 * Reads a PEM private key as openssl and `ssh-keygen -m PEM` write it (PKCS#1
 * `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`) and checks
 * it fits `algorithm`: RFC 8725 §3.1, one algorithm per key.
 *
 * @throws KeyFileError with a one-line reason.
 */
export function readPrivateKeyFile(algorithm: AsymmetricAlgorithm, file: string): KeyObject {
  let pem: Buffer
  try {
    pem = readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new KeyFileError(`cannot read ${JSON.stringify(file)} (${code})`)
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    // node's message may quote the decoder; ours says what we expected and nothing of the content.
    throw new KeyFileError(`${JSON.stringify(file)} is not an unencrypted PEM private key (PKCS#1, SEC1 or PKCS#8)`)
  }
  const required = REQUIRED_KEY[algorithm]
  const type = key.asymmetricKeyType ?? 'unknown'
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (type !== required.type) {
    throw new KeyFileError(`holds ${describeKey(key)}, but JWT_ALGORITHM=${algorithm} needs ${required.describe}`)
  }
  if (required.curve !== undefined && curve !== required.curve) {
    throw new KeyFileError(`holds ${describeKey(key)}, but JWT_ALGORITHM=${algorithm} needs ${required.describe}`)
  }
  const bits = key.asymmetricKeyDetails?.modulusLength
  if (type === 'rsa' && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw new KeyFileError(`holds an RSA key of ${bits ?? 'unknown'} bits; ${algorithm} needs at least ${MIN_RSA_BITS}`)
  }
  return key
}

/** node:crypto's (OpenSSL's) curve names, as RFC 7518 §6.2.1.1 spells them. */
const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }
const KEY_TYPE_NAMES: Record<string, string> = { ed25519: 'Ed25519', ed448: 'Ed448', x25519: 'X25519', x448: 'X448', 'rsa-pss': 'RSA-PSS', dsa: 'DSA', dh: 'DH' }

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `an RSA key of ${details?.modulusLength ?? 'unknown'} bits`
    case 'ec':
      return `an EC key on ${CURVE_NAMES[details?.namedCurve ?? ''] ?? details?.namedCurve ?? 'an unknown curve'}`
    default: {
      const name = KEY_TYPE_NAMES[key.asymmetricKeyType ?? ''] ?? key.asymmetricKeyType ?? 'unknown'
      return `a${/^([aeiou]|RSA|X)/i.test(name) ? 'n' : ''} ${name} key`
    }
  }
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
