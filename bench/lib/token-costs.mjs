// Sign and verify costs of one access token per algorithm on one core (this thread), no
// verified-token cache, keys imported once as the server imports them (dist/services/keys):
// Tessera's signer (fast-jwt over node:crypto, synchronous) beside jose's SignJWT (WebCrypto),
// which Tessera signed with before issue 19, and jose's verify, which it still verifies with.
// Issue 5 asks for these numbers in docs/keys.md; they show what a cache miss or a login costs.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT, importPKCS8 } from 'jose'
import { importAsymmetricKey, importHs256Key } from '../../dist/services/keys/keys.js'

const OPTIONS = { issuer: 'tessera', audience: 'tessera', typ: 'at+jwt' }

const ALGORITHMS = [
  { name: 'HS256', key: () => importHs256Key('bench', new Uint8Array(randomBytes(32)), false) },
  { name: 'RS256 (2048)', alg: 'RS256', key: () => asymmetric('RS256', 'rsa', { modulusLength: 2048 }) },
  { name: 'RS256 (3072, generated)', alg: 'RS256', key: () => asymmetric('RS256', 'rsa', { modulusLength: 3072 }) },
  { name: 'ES256', key: () => asymmetric('ES256', 'ec', { namedCurve: 'P-256' }) },
  { name: 'EdDSA', key: () => asymmetric('EdDSA', 'ed25519', {}) },
]

async function asymmetric(alg, type, options) {
  const { privateKey } = generateKeyPairSync(type, options)
  return importAsymmetricKey(alg, privateKey)
}

/** Runs `operation` back to back for about `ms` milliseconds (after a short warm-up) and returns operations per second. */
async function perSecond(operation, ms) {
  for (let i = 0; i < 50; i++) await operation()
  let count = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(ms) * 1_000_000n
  while (process.hrtime.bigint() < end) {
    await operation()
    count++
  }
  return Math.round(count / (Number(process.hrtime.bigint() - start) / 1e9))
}

const claims = () => {
  const iat = Math.floor(Date.now() / 1000)
  return { iss: 'tessera', aud: 'tessera', sub: '0190f6c2-7b1e-7000-8000-000000000001', sid: '0190f6c2-7b1e-7000-8000-000000000000', roles: ['admin'], fresh: true, amr: ['pwd'], iat, exp: iat + 900, jti: crypto.randomUUID() }
}

/** One row per algorithm: Tessera's signs/s, jose's signs/s, verifies/s and the token's length. */
export async function measureTokenCosts(ms = 1000) {
  const rows = []
  for (const algorithm of ALGORITHMS) {
    const alg = algorithm.alg ?? algorithm.name
    const key = await algorithm.key()
    const joseKey = alg === 'HS256' ? await crypto.subtle.importKey('raw', randomBytes(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) : await importPKCS8(await pemOf(algorithm), alg)
    const token = key.sign(claims())
    const signs = await perSecond(() => key.sign(claims()), ms)
    const joseSigns = await perSecond(() => new SignJWT(claims()).setProtectedHeader({ alg, typ: 'at+jwt', kid: 'bench' }).sign(joseKey), ms)
    const verifies = await perSecond(() => jwtVerify(token, key.verifyKey, { ...OPTIONS, algorithms: [alg] }), ms)
    rows.push({
      algorithm: algorithm.name,
      'signs/s': signs,
      'µs/sign': Math.round(1e6 / signs),
      'jose µs/sign': Math.round(1e6 / joseSigns),
      'verifies/s': verifies,
      'µs/verify': Math.round(1e6 / verifies),
      'token bytes': token.length,
    })
  }
  return rows
}

/** A PEM private key of the algorithm's kind, for jose's own signing column. */
async function pemOf(algorithm) {
  const type = algorithm.name.startsWith('RS') ? 'rsa' : algorithm.name === 'ES256' ? 'ec' : 'ed25519'
  const options = type === 'rsa' ? { modulusLength: algorithm.name.includes('3072') ? 3072 : 2048 } : type === 'ec' ? { namedCurve: 'P-256' } : {}
  return generateKeyPairSync(type, options).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}
