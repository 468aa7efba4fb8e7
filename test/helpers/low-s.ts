/** P-256's group order n (SEC 2 §2.4.2). */
export const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')

/**
 * An ES256 JWS with s replaced by n − s when s > n/2. Tessera accepts only
 * low-S signatures (one token, one string; issue 14), and WebCrypto/OpenSSL
 * sign high-S about half the time, so a test forging an ES256 token as the
 * key holder normalises it the way Tessera's own signer does.
 */
/** Only for ES256 tokens: an Ed25519 signature is 64 bytes too, and must be left alone. */
export function lowS(jws: string): string {
  const dot = jws.lastIndexOf('.')
  const bytes = Buffer.from(jws.slice(dot + 1), 'base64url')
  if (bytes.length !== 64) return jws
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`)
  if (s <= P256_ORDER >> 1n) return jws
  const low = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
  return `${jws.slice(0, dot + 1)}${Buffer.concat([bytes.subarray(0, 32), low]).toString('base64url')}`
}
