// @ts-check
// Password hashes written by Flask-era Python apps (passlib, werkzeug, Flask-Bcrypt), recognised and
// verified exactly as those libraries do, so imported users log in with their old passwords once
// and are then moved to argon2id (see docs/password-formats.md). Plain JavaScript because the
// password worker imports it (see its header comment); everything here is synchronous and slow on
// purpose, so it must only ever run inside that worker, never on the event loop.
//
// Nothing here writes a hash: a legacy format is only ever read. Every verifier answers false,
// never throws, for a string it does not accept, and refuses parameters beyond LEGACY_HASH_LIMITS
// so that a hostile row cannot pin a hashing thread for minutes.
import { pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto'
import { hashSync as bcryptHashSync } from 'bcryptjs'

/** @typedef {'argon2' | 'passlib-pbkdf2-sha256' | 'werkzeug-pbkdf2' | 'werkzeug-scrypt' | 'bcrypt'} PasswordHashFormat */

/** Largest parameters accepted; beyond them a hash never verifies. Each allows a few seconds of one thread at most. */
export const LEGACY_HASH_LIMITS = Object.freeze({
  pbkdf2Iterations: 10_000_000,
  scryptMaxN: 2 ** 20,
  /** 128·n·r bytes, the memory one scrypt computation holds. */
  scryptMaxMemory: 128 * 2 ** 20,
  /** n·r·p, proportional to scrypt's running time (werkzeug's default is 2^18). */
  scryptMaxWork: 2 ** 23,
  bcryptMinCost: 4,
  bcryptMaxCost: 16,
  argon2MaxMemoryKiB: 256 * 1024,
  argon2MaxTime: 16,
  argon2MaxParallelism: 16,
})

/** werkzeug's DEFAULT_PBKDF2_ITERATIONS (3.1), used as werkzeug does when a hash omits the count. */
const WERKZEUG_DEFAULT_ITERATIONS = 1_000_000
/** werkzeug's scrypt defaults when the method is a bare `scrypt`. */
const WERKZEUG_DEFAULT_SCRYPT = Object.freeze({ n: 2 ** 15, r: 8, p: 1 })
/** hashlib digests werkzeug's pbkdf2 may name, with their output size (pbkdf2_hmac's default dklen). */
const WERKZEUG_DIGESTS = new Map([['sha1', 20], ['sha224', 28], ['sha256', 32], ['sha384', 48], ['sha512', 64]])

const PASSLIB_PBKDF2_SHA256 = /^\$pbkdf2-sha256\$([1-9][0-9]{0,7})\$([A-Za-z0-9./]*)\$([A-Za-z0-9./]{43})$/
const WERKZEUG = /^((?:pbkdf2|scrypt)(?::[^$]*)?)\$([^$]*)\$([0-9a-f]+)$/
const BCRYPT = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/
const ARGON2 = /^\$argon2(id|i|d)\$(?:v=([0-9]{1,3})\$)?m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,3})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/
const DIGITS = /^[0-9]{1,10}$/

/**
 * The format of a stored hash Tessera can verify, or undefined for anything it cannot: an unknown
 * scheme, a malformed string, or parameters beyond LEGACY_HASH_LIMITS (such a row never verifies).
 * `tessera import` uses it to report rows whose users could never log in.
 *
 * @param {string} hash
 * @returns {PasswordHashFormat | undefined}
 */
export function passwordHashFormat(hash) {
  if (argon2Parameters(hash)) return 'argon2'
  if (parsePasslibPbkdf2Sha256(hash)) return 'passlib-pbkdf2-sha256'
  if (parseWerkzeugPbkdf2(hash)) return 'werkzeug-pbkdf2'
  if (parseWerkzeugScrypt(hash)) return 'werkzeug-scrypt'
  if (parseBcrypt(hash)) return 'bcrypt'
  return undefined
}

/**
 * An argon2 PHC string's variant and parameters, within bounds; argon2 itself is verified by
 * @node-rs/argon2 in the worker. Also lets passwords.ts tell hashes weaker than today's apart.
 *
 * @param {string} hash
 * @returns {{ variant: 'id' | 'i' | 'd', version: number, memoryCost: number, timeCost: number, parallelism: number } | undefined}
 */
export function argon2Parameters(hash) {
  const match = ARGON2.exec(hash)
  if (!match) return undefined
  const variant = /** @type {'id' | 'i' | 'd'} */ (match[1])
  // No v= field means version 1.0 (0x10), as the reference implementation reads it.
  const version = match[2] === undefined ? 16 : Number(match[2])
  const [memoryCost, timeCost, parallelism] = [Number(match[3]), Number(match[4]), Number(match[5])]
  const limits = LEGACY_HASH_LIMITS
  if (memoryCost > limits.argon2MaxMemoryKiB || timeCost < 1 || timeCost > limits.argon2MaxTime) return undefined
  if (parallelism < 1 || parallelism > limits.argon2MaxParallelism) return undefined
  return { variant, version, memoryCost, timeCost, parallelism }
}

/**
 * Verifies `password` against any non-argon2 format above; false for argon2 (not ours to check
 * here) and for anything unrecognised. `password` is used exactly as typed: Python hashed its
 * UTF-8 bytes without normalising it.
 *
 * @param {string} hash
 * @param {string} password
 * @returns {boolean}
 */
export function verifyLegacyHash(hash, password) {
  switch (passwordHashFormat(hash)) {
    case 'passlib-pbkdf2-sha256':
      return verifyPasslibPbkdf2Sha256(hash, password)
    case 'werkzeug-pbkdf2':
      return verifyWerkzeugPbkdf2(hash, password)
    case 'werkzeug-scrypt':
      return verifyWerkzeugScrypt(hash, password)
    case 'bcrypt':
      return verifyBcrypt(hash, password)
    default:
      return false
  }
}

/**
 * passlib `pbkdf2_sha256.hash()`: `$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 checksum>`, dklen 32.
 * @param {string} hash
 * @param {string} password
 */
export function verifyPasslibPbkdf2Sha256(hash, password) {
  const parsed = parsePasslibPbkdf2Sha256(hash)
  if (!parsed) return false
  return guarded(() => equal(pbkdf2Sync(password, parsed.salt, parsed.rounds, 32, 'sha256'), parsed.checksum))
}

/**
 * werkzeug `generate_password_hash(method='pbkdf2[:<digest>[:<iterations>]]')`: `<method>$<salt>$<hex>`.
 * @param {string} hash
 * @param {string} password
 */
export function verifyWerkzeugPbkdf2(hash, password) {
  const parsed = parseWerkzeugPbkdf2(hash)
  if (!parsed) return false
  // The salt is the text werkzeug generated, used as its UTF-8 bytes, not decoded.
  return guarded(() => equal(pbkdf2Sync(password, parsed.salt, parsed.iterations, parsed.keyLength, parsed.digest), parsed.checksum))
}

/**
 * werkzeug `generate_password_hash(method='scrypt[:<n>:<r>:<p>]')`: `<method>$<salt>$<hex>`, dklen 64.
 * @param {string} hash
 * @param {string} password
 */
export function verifyWerkzeugScrypt(hash, password) {
  const parsed = parseWerkzeugScrypt(hash)
  if (!parsed) return false
  const { n, r, p } = parsed
  // OpenSSL needs 128·r·(n + p + 2) bytes; the limits above already bound n·r and n·r·p.
  const maxmem = 128 * r * (n + p + 2) + 1024 * 1024
  return guarded(() => equal(scryptSync(password, parsed.salt, 64, { N: n, r, p, maxmem }), parsed.checksum))
}

/**
 * Flask-Bcrypt / py-bcrypt: `$2a$`, `$2b$` or `$2y$` (the same algorithm), via the pure-JS bcryptjs.
 * @param {string} hash
 * @param {string} password
 */
export function verifyBcrypt(hash, password) {
  if (!parseBcrypt(hash)) return false
  // Only the 31-character checksum is compared: the salt is the stored one either way, and bcryptjs
  // may re-encode a salt whose unused low bits are not zero.
  return guarded(() => equal(Buffer.from(bcryptHashSync(password, hash.slice(0, 29)).slice(29)), Buffer.from(hash.slice(29))))
}

/** @param {string} hash */
function parsePasslibPbkdf2Sha256(hash) {
  const match = PASSLIB_PBKDF2_SHA256.exec(hash)
  if (!match) return undefined
  const rounds = Number(match[1])
  const salt = ab64Decode(match[2] ?? '')
  const checksum = ab64Decode(match[3] ?? '')
  if (rounds > LEGACY_HASH_LIMITS.pbkdf2Iterations || !salt || checksum?.length !== 32) return undefined
  return { rounds, salt, checksum }
}

/** @param {string} hash */
function parseWerkzeugPbkdf2(hash) {
  const parts = splitWerkzeug(hash)
  if (!parts || parts.args[0] !== 'pbkdf2' || parts.args.length > 3) return undefined
  // As werkzeug 3 reads it: `pbkdf2` alone is sha256, and a missing count is werkzeug's default.
  const digest = parts.args[1] ?? 'sha256'
  const keyLength = WERKZEUG_DIGESTS.get(digest)
  const count = parts.args[2]
  if (count !== undefined && !DIGITS.test(count)) return undefined
  const iterations = count === undefined ? WERKZEUG_DEFAULT_ITERATIONS : Number(count)
  if (!keyLength || iterations < 1 || iterations > LEGACY_HASH_LIMITS.pbkdf2Iterations) return undefined
  if (parts.checksum.length !== keyLength) return undefined
  return { digest, keyLength, iterations, salt: parts.salt, checksum: parts.checksum }
}

/** @param {string} hash */
function parseWerkzeugScrypt(hash) {
  const parts = splitWerkzeug(hash)
  if (!parts || parts.args[0] !== 'scrypt' || (parts.args.length !== 1 && parts.args.length !== 4)) return undefined
  const numbers = parts.args.slice(1)
  if (!numbers.every((value) => DIGITS.test(value))) return undefined
  const [n, r, p] = numbers.length ? numbers.map(Number) : [WERKZEUG_DEFAULT_SCRYPT.n, WERKZEUG_DEFAULT_SCRYPT.r, WERKZEUG_DEFAULT_SCRYPT.p]
  if (n === undefined || r === undefined || p === undefined || parts.checksum.length !== 64) return undefined
  const limits = LEGACY_HASH_LIMITS
  // n must be a power of two above 1, as scrypt (and OpenSSL behind hashlib) requires.
  if (n < 2 || n > limits.scryptMaxN || (n & (n - 1)) !== 0 || r < 1 || p < 1) return undefined
  if (128 * n * r > limits.scryptMaxMemory || n * r * p > limits.scryptMaxWork) return undefined
  return { n, r, p, salt: parts.salt, checksum: parts.checksum }
}

/**
 * `<method>$<salt>$<lowercase hex>`, as werkzeug's check_password_hash splits it. werkzeug compares
 * the hex text, so upper-case hex never verified there and is refused here too.
 *
 * @param {string} hash
 */
function splitWerkzeug(hash) {
  const match = WERKZEUG.exec(hash)
  if (!match || (match[3] ?? '').length % 2 !== 0) return undefined
  return { args: (match[1] ?? '').split(':'), salt: Buffer.from(match[2] ?? '', 'utf8'), checksum: Buffer.from(match[3] ?? '', 'hex') }
}

/** @param {string} hash */
function parseBcrypt(hash) {
  const match = BCRYPT.exec(hash)
  if (!match) return undefined
  const cost = Number(match[1])
  if (cost < LEGACY_HASH_LIMITS.bcryptMinCost || cost > LEGACY_HASH_LIMITS.bcryptMaxCost) return undefined
  return { cost }
}

/**
 * passlib's "adapted base64": the standard alphabet with `.` for `+`, without padding.
 * Undefined for a length no base64 text can have (the alphabet is checked by the callers' patterns).
 *
 * @param {string} text
 */
function ab64Decode(text) {
  if (text.length % 4 === 1) return undefined
  return Buffer.from(text.replaceAll('.', '+'), 'base64')
}

/**
 * Constant-time equality; the lengths compared are public (fixed by the format).
 * @param {Buffer} computed
 * @param {Buffer} stored
 */
function equal(computed, stored) {
  return computed.length === stored.length && timingSafeEqual(computed, stored)
}

/**
 * A verifier that throws (a parameter Node refuses) answers false: a bad row never verifies.
 * @param {() => boolean} verify
 */
function guarded(verify) {
  try {
    return verify()
  } catch {
    return false
  }
}
