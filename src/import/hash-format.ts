/**
 * Which password hash format a stored value is in, by its shape alone (no
 * verification). The importer keeps a hash only when Tessera can verify it at
 * login; anything else is reported as an unknown format and skipped.
 *
 * This mirrors `passwordHashFormat()` of `src/services/legacy-hashes.js`
 * (brief A of issue 8), which is not on this branch yet: the same names, the
 * same shapes. When both branches are merged, this file should re-export that
 * function instead, so the importer and the login verifier can never disagree.
 */
export type HashFormat = 'argon2' | 'passlib-pbkdf2-sha256' | 'werkzeug-pbkdf2' | 'werkzeug-scrypt' | 'bcrypt'

export const HASH_FORMATS: readonly HashFormat[] = ['argon2', 'passlib-pbkdf2-sha256', 'werkzeug-pbkdf2', 'werkzeug-scrypt', 'bcrypt']

const SHAPES: ReadonlyArray<readonly [HashFormat, RegExp]> = [
  // PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64> (v= is absent in the oldest version).
  ['argon2', /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/],
  // passlib pbkdf2_sha256: $pbkdf2-sha256$<rounds>$<salt ab64>$<32-byte checksum ab64, 43 chars>.
  ['passlib-pbkdf2-sha256', /^\$pbkdf2-sha256\$[1-9]\d*\$[A-Za-z0-9./]*\$[A-Za-z0-9./]{43}$/],
  // werkzeug generate_password_hash('pbkdf2:sha256'): pbkdf2:sha256:<iterations>$<salt>$<64 hex>.
  ['werkzeug-pbkdf2', /^pbkdf2:sha256:[1-9]\d*\$[^$]+\$[0-9a-f]{64}$/],
  // werkzeug generate_password_hash('scrypt'), its default since 3.0: scrypt:<n>:<r>:<p>$<salt>$<128 hex>.
  ['werkzeug-scrypt', /^scrypt:[1-9]\d*:[1-9]\d*:[1-9]\d*\$[^$]+\$[0-9a-f]{128}$/],
  // bcrypt (Flask-Bcrypt, passlib, PHP): $2a$/$2b$/$2y$, a two-digit cost, 22 salt + 31 hash characters.
  ['bcrypt', /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/],
]

/**
 * The format of `hash`, or undefined when it is none Tessera verifies
 * (plaintext, MD5, Django's formats, werkzeug's old `sha256$…`, …).
 *
 * @example
 * ```ts
 * passwordHashFormat('$2b$12$' + 'a'.repeat(53)) // 'bcrypt'
 * passwordHashFormat('hunter2')                  // undefined
 * ```
 */
export function passwordHashFormat(hash: string): HashFormat | undefined {
  for (const [format, shape] of SHAPES) if (shape.test(hash)) return format
  return undefined
}
