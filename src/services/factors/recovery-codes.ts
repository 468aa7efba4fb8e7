import { createHash, randomBytes } from 'node:crypto'

/** Shown once at confirmation (and on replacement), stored only as hashes. */
export const RECOVERY_CODE_COUNT = 10

/** Crockford-style base32 without look-alikes (no 0/O, 1/I/L): easy to read off paper. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/**
 * One recovery code: 16 characters of a 31-letter alphabet, about 79 bits, written
 * `xxxx-xxxx-xxxx-xxxx`. That much entropy makes a plain SHA-256 at rest safe (as for refresh
 * tokens): nobody can search 2^79 codes, and a slow hash would cost every login ten of them.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(32)
  let code = ''
  // Rejection sampling: 31 letters do not divide 256, so bytes past 248 are skipped (no modulo bias).
  for (let i = 0; code.length < 16; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!
    if (byte < 248) code += ALPHABET[byte % 31]
  }
  return code.match(/.{4}/g)!.join('-')
}

/** Typed back by a person: case, spaces and dashes do not matter. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '')
}

export function hashRecoveryCode(input: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(input)).digest('hex')
}
