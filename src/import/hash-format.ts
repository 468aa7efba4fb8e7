import { passwordHashFormat as formatOf } from '../services/legacy-hashes.js'

/**
 * Which password hash format a stored value is in. The importer keeps a hash
 * only when Tessera can verify it at login; anything else is reported as an
 * unknown format and skipped. It asks the login verifier's own recogniser
 * (`services/legacy-hashes.js`), so the two can never disagree: a row counted
 * as imported is a row whose user can log in.
 */
export type HashFormat = 'argon2' | 'passlib-pbkdf2-sha256' | 'werkzeug-pbkdf2' | 'werkzeug-scrypt' | 'bcrypt'

export const HASH_FORMATS: readonly HashFormat[] = ['argon2', 'passlib-pbkdf2-sha256', 'werkzeug-pbkdf2', 'werkzeug-scrypt', 'bcrypt']

/**
 * The format of `hash`, or undefined when it is none Tessera verifies
 * (plaintext, MD5, Django's formats, werkzeug's old `sha256$…`, parameters out of bounds, …).
 *
 * @example
 * ```ts
 * passwordHashFormat('$2b$12$' + 'a'.repeat(53)) // 'bcrypt'
 * passwordHashFormat('hunter2')                  // undefined
 * ```
 */
export function passwordHashFormat(hash: string): HashFormat | undefined {
  return formatOf(hash)
}
