import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

/**
 * Reading and checking `JWT_PRIVATE_KEY_FILE`. A leaf module (it imports
 * nothing of ours) because `loadConfig` checks the file at start (a bad key is
 * a bad setting) and the signing-key service uses the key: both depend on
 * this, neither on the other.
 */

/** The `JWT_ALGORITHM`s that sign with a private key (config.ts: `JwtAlgorithm` is these and HS256). */
export type AsymmetricAlgorithm = 'RS256' | 'ES256' | 'EdDSA'

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

/** RFC 7518 §3.3 and NIST SP 800-57: RSA keys under 2048 bits are refused. */
const MIN_RSA_BITS = 2048

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
  checkPrivateKey(algorithm, key)
  return key
}

/**
 * Checks that `key` fits `algorithm` (RFC 8725 §3.1, one algorithm per key):
 * the type, the curve, and at least 2048 bits for RSA.
 *
 * @throws KeyFileError with a one-line reason.
 */
export function checkPrivateKey(algorithm: AsymmetricAlgorithm, key: KeyObject): void {
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
