// Sign and verify costs of one access token per algorithm: jose on one core (this thread), no
// verified-token cache, keys imported once as the server imports them. Issue 5 asks for these
// numbers in docs/keys.md; they show what a cache miss or a login costs, per algorithm.
import { generateKeyPair, jwtVerify, SignJWT } from 'jose'

const CLAIMS = { sid: '0190f6c2-7b1e-7000-8000-000000000000', roles: ['admin'], fresh: true }
const OPTIONS = { issuer: 'tessera', audience: 'tessera', typ: 'at+jwt' }

const ALGORITHMS = [
  { name: 'HS256', key: async () => { const k = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']); return { privateKey: k, publicKey: k } } },
  { name: 'RS256 (2048)', alg: 'RS256', key: () => generateKeyPair('RS256', { modulusLength: 2048 }) },
  { name: 'RS256 (3072, generated)', alg: 'RS256', key: () => generateKeyPair('RS256', { modulusLength: 3072 }) },
  { name: 'ES256', key: () => generateKeyPair('ES256') },
  { name: 'EdDSA', key: () => generateKeyPair('EdDSA') },
]

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

const sign = (alg, privateKey) =>
  new SignJWT(CLAIMS).setProtectedHeader({ alg, typ: 'at+jwt', kid: 'bench' }).setIssuer('tessera').setAudience('tessera')
    .setSubject('0190f6c2-7b1e-7000-8000-000000000001').setIssuedAt().setExpirationTime('15m').setJti(crypto.randomUUID()).sign(privateKey)

/** One row per algorithm: signs/s, verifies/s and the token's length. */
export async function measureTokenCosts(ms = 1000) {
  const rows = []
  for (const algorithm of ALGORITHMS) {
    const alg = algorithm.alg ?? algorithm.name
    const { privateKey, publicKey } = await algorithm.key()
    const token = await sign(alg, privateKey)
    const signs = await perSecond(() => sign(alg, privateKey), ms)
    const verifies = await perSecond(() => jwtVerify(token, publicKey, { ...OPTIONS, algorithms: [alg] }), ms)
    rows.push({ algorithm: algorithm.name, 'signs/s': signs, 'verifies/s': verifies, 'µs/sign': Math.round(1e6 / signs), 'µs/verify': Math.round(1e6 / verifies), 'token bytes': token.length })
  }
  return rows
}
