/**
 * One token, one string. A JWS or JWE verifies the bytes its parts decode to,
 * so without these checks several strings are the same token: a trailing `=`,
 * a change to the unused low bits of a part's last character, or an ECDSA
 * signature (r, n − s) in place of (r, s). None of that forges anything, but
 * anything keyed on the string (the verified-token cache, replay caches,
 * downstream denylists) would see a second token (issue 14, finding 5).
 *
 * - RFC 7515 §2 and §7.1: compact parts are base64url *without padding*; the
 *   canonical encoding (RFC 4648 §3.5) also has its unused trailing bits zero.
 * - ECDSA: only low-S signatures (s ≤ n/2), as Bitcoin's BIP 62 and
 *   libsecp256k1 require; our own ES256 signatures are normalised to low-S
 *   when signed. Ed25519 needs nothing here: OpenSSL already refuses S ≥ L
 *   (RFC 8032 §5.1.7). RSA PKCS#1 v1.5 signatures are deterministic and
 *   OpenSSL refuses s ≥ n, so only the base64url check applies.
 */

/** Values of the base64url alphabet whose low 4 bits (length ≡ 2 mod 4) or low 2 bits (≡ 3) are zero. */
const ZERO_LOW_4 = 'AQgw'
const ZERO_LOW_2 = 'AEIMQUYcgkosw048'
/** The base64url alphabet and the dots between parts: one regex over the whole token, no substrings. */
const COMPACT_ALPHABET = /^[A-Za-z0-9_.-]*$/

/** One regex and a few index operations per part: the check runs on every token presented, before the cache. */
export function isCanonicalCompact(token: string): boolean {
  if (!COMPACT_ALPHABET.test(token)) return false
  let start = 0
  for (;;) {
    const dot = token.indexOf('.', start)
    const end = dot === -1 ? token.length : dot
    if (!hasCanonicalLength(token, start, end)) return false
    if (dot === -1) return true
    start = dot + 1
  }
}

/** RFC 4648 §3.5: no byte count encodes to 4k+1 characters, and the unused trailing bits are zero. */
function hasCanonicalLength(text: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4
  if (remainder === 0) return true
  if (remainder === 1) return false
  return (remainder === 2 ? ZERO_LOW_4 : ZERO_LOW_2).includes(text[end - 1]!)
}

/** P-256's group order n and n/2 (SEC 2 §2.4.2). */
const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')
const P256_HALF_ORDER = P256_ORDER >> 1n

function readScalar(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex') || '0'}`)
}

/** An ES256 signature (JWS: r ‖ s, 32 bytes each, base64url) with s ≤ n/2. */
export function isLowS(signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64url')
  if (bytes.length !== 64) return false
  return readScalar(bytes.subarray(32)) <= P256_HALF_ORDER
}

/** The same ES256 JWS with its signature's s replaced by n − s when it is high: equally valid, and canonical. */
export function withLowS(jws: string): string {
  const dot = jws.lastIndexOf('.')
  const bytes = Buffer.from(jws.slice(dot + 1), 'base64url')
  const s = readScalar(bytes.subarray(32))
  if (bytes.length !== 64 || s <= P256_HALF_ORDER) return jws
  const low = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
  return `${jws.slice(0, dot + 1)}${Buffer.concat([bytes.subarray(0, 32), low]).toString('base64url')}`
}
