/**
 * RS256, ES256 and EdDSA signing keys read from JWT_PRIVATE_KEY_FILE (issue 5,
 * first slice): tokens carry the key's RFC 7638 thumbprint as `kid`, the JWKS
 * publishes the public key, a stock `jose` verifier in another process accepts
 * Tessera's tokens, and the usual attacks on asymmetric JWTs (RFC 8725 §2.1,
 * §3.1; CVE-2015-9235 algorithm confusion; CVE-2022-21449 zero ECDSA
 * signatures; header-supplied keys) all end in `token_invalid`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHmac, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, login, register, type Account, type ApiResponse } from '../helpers/client.js'
import { lowS } from '../helpers/low-s.js'
import { startKeyHost, type KeyHost } from '../helpers/key-host.js'
import { ROOT } from '../helpers/paths.js'

type Json = Record<string, unknown>
type Algorithm = 'RS256' | 'ES256' | 'EdDSA'

const VERIFY_EXAMPLE = resolve(ROOT, 'examples/verify-with-jwks/verify.mjs')
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

const keyDir = mkdtempSync(join(tmpdir(), 'tessera-keys-'))
after(() => rmSync(keyDir, { recursive: true, force: true }))

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')
const encodePart = (part: Json): string => b64url(JSON.stringify(part))
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** Writes `text` to a fresh absolute path. */
let fileCount = 0
function writeKeyFile(name: string, text: string | Buffer): string {
  const path = join(keyDir, `${++fileCount}-${name}`)
  writeFileSync(path, text)
  return path
}

interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

function generate(algorithm: Algorithm): KeyPair {
  if (algorithm === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return generateKeyPairSync('ed25519')
}

/** The PEM form `openssl`/`ssh-keygen -m PEM` write by default: PKCS#1 for RSA, SEC1 for EC, PKCS#8 for Ed25519. */
function traditionalPem(algorithm: Algorithm, key: KeyObject): string {
  const type = algorithm === 'RS256' ? 'pkcs1' : algorithm === 'ES256' ? 'sec1' : 'pkcs8'
  return key.export({ type, format: 'pem' }).toString()
}
const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()

const me = (url: string, token: string) => api(url, '/auth/me', { token })

function assertTokenInvalid(response: ApiResponse, why: string): void {
  assert.equal(response.status, 401, `${why}: expected 401 token_invalid, got ${response.status} ${response.text}`)
  assert.equal(response.body.code, 'token_invalid', `${why}: ${response.text}`)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
}

/** `header.payload` signed by hand with HMAC-SHA256 and any key bytes: the algorithm-confusion forgery. */
function hmacJwt(header: Json, payload: Json, key: string | Buffer): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

/** `header.payload` with a signature of the caller's choosing. */
function withSignature(header: Json, payload: Json, signature: Buffer): string {
  return `${encodePart(header)}.${encodePart(payload)}.${b64url(signature)}`
}

/** `header.payload` signed with a real private key, bypassing jose's header checks. */
function signJwt(algorithm: Algorithm, header: Json, payload: Json, privateKey: KeyObject): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`
  const signature =
    algorithm === 'RS256'
      ? cryptoSign('sha256', Buffer.from(input), privateKey)
      : algorithm === 'ES256'
        ? cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : cryptoSign(null, Buffer.from(input), privateKey)
  // Low-S, as Tessera's own signer makes them: a high-S ES256 signature is refused (token-canonical.test.ts).
  return algorithm === 'ES256' ? lowS(`${input}.${b64url(signature)}`) : `${input}.${b64url(signature)}`
}

/** Runs examples/verify-with-jwks/verify.mjs in its own process, as another service would. */
async function runVerifyExample(url: string, token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [VERIFY_EXAMPLE, url, token], { env: { PATH: process.env.PATH ?? '' }, timeout: 15_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** P-256's group order n (SEC 2 §2.4.2): r = s = n is out of range and must never verify. */
const P256_ORDER = Buffer.from('FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551', 'hex')
const SIGNATURE_BYTES: Record<Algorithm, number> = { RS256: 256, ES256: 64, EdDSA: 64 }

for (const algorithm of ['RS256', 'ES256', 'EdDSA'] as const) {
  describe(`JWT_ALGORITHM=${algorithm}`, () => {
    const keys = generate(algorithm)
    const publicJwk = createPublicKey(keys.privateKey).export({ format: 'jwk' }) as JWK
    let server: RunningServer
    let account: Account
    let kid: string
    let keyHost: KeyHost

    before(async () => {
      kid = await calculateJwkThumbprint(publicJwk, 'sha256')
      keyHost = await startKeyHost()
      const file = writeKeyFile(`${algorithm}.pem`, traditionalPem(algorithm, keys.privateKey))
      server = await startServer({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: file })
      const registered = await register(server.url)
      account = await login(server.url, registered.email)
    })
    after(async () => {
      await server.stop()
      await keyHost.close()
    })

    /** The claims of the genuine token, fresh in time. */
    const claims = (overrides: Json = {}): Json => ({ ...decodeJwt(account.accessToken), iat: nowSeconds(), exp: nowSeconds() + 300, ...overrides })

    it('login issues a token whose header names the algorithm and the RFC 7638 thumbprint as kid', async () => {
      const header = decodeProtectedHeader(account.accessToken)
      assert.deepEqual(header, { alg: algorithm, typ: 'at+jwt', kid })
      assert.equal((await me(server.url, account.accessToken)).status, 200)
    })

    it('publishes exactly the public key in the JWKS, cacheable, without private members', async () => {
      const response = await api(server.url, '/.well-known/jwks.json')
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'public, max-age=300')
      assert.equal(response.body.keys.length, 1)
      const [jwk] = response.body.keys as Json[]
      assert.equal(jwk!.kid, kid)
      assert.equal(jwk!.alg, algorithm)
      assert.equal(jwk!.use, 'sig')
      for (const member of Object.keys(publicJwk)) assert.equal(jwk![member], (publicJwk as Json)[member], member)
      for (const member of PRIVATE_MEMBERS) assert.equal(member in jwk!, false, `JWKS carries private member ${member}`)
    })

    it('a stock jose verifier accepts the token from the JWKS, in process', async () => {
      const options = { issuer: 'tessera', audience: 'tessera', typ: 'at+jwt' }
      const remote = createRemoteJWKSet(new URL('/.well-known/jwks.json', server.url))
      const { payload, protectedHeader } = await jwtVerify(account.accessToken, remote, options)
      assert.equal(payload.sub, account.user.id)
      assert.equal(protectedHeader.kid, kid)
      const local = createLocalJWKSet((await api(server.url, '/.well-known/jwks.json')).body)
      await jwtVerify(account.accessToken, local, options)
    })

    it('examples/verify-with-jwks verifies the token in another process and refuses a tampered one', async () => {
      const verified = await runVerifyExample(server.url, account.accessToken)
      assert.equal(verified.code, 0, verified.stderr)
      const { header, payload } = JSON.parse(verified.stdout) as { header: Json; payload: Json }
      assert.equal(header.kid, kid)
      assert.equal(payload.sub, account.user.id)
      const [h, , s] = account.accessToken.split('.')
      const tampered = `${h}.${encodePart(claims({ roles: ['admin'] }))}.${s}`
      const refused = await runVerifyExample(server.url, tampered)
      assert.equal(refused.code, 1, refused.stdout)
    })

    it('our own hand-made signature harness produces a token the server accepts (control)', async () => {
      const token = signJwt(algorithm, { alg: algorithm, typ: 'at+jwt', kid }, claims(), keys.privateKey)
      assert.equal((await me(server.url, token)).status, 200)
    })

    describe('algorithm confusion: HS256 signed with the public key as the HMAC secret', () => {
      const spkiPem = (): string => keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()
      const secrets: Array<{ name: string; key: () => string | Buffer }> = [
        { name: 'the SPKI PEM with its trailing newline', key: () => spkiPem() },
        { name: 'the SPKI PEM without trailing newline', key: () => spkiPem().trimEnd() },
        { name: 'the DER bytes', key: () => keys.publicKey.export({ type: 'spki', format: 'der' }) },
        { name: 'the JWK JSON text', key: () => JSON.stringify(publicJwk) },
        { name: 'the published JWK JSON text', key: () => JSON.stringify({ ...publicJwk, kid, alg: algorithm, use: 'sig' }) },
      ]
      if (algorithm === 'RS256') {
        secrets.push(
          { name: 'the PKCS#1 public PEM', key: () => keys.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString() },
          { name: 'the PKCS#1 public PEM without trailing newline', key: () => keys.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString().trimEnd() },
        )
      }
      for (const secret of secrets) {
        it(`${secret.name} is token_invalid, with or without our kid`, async () => {
          for (const header of [{ alg: 'HS256', typ: 'at+jwt', kid }, { alg: 'HS256', typ: 'at+jwt' }]) {
            assertTokenInvalid(await me(server.url, hmacJwt(header, claims({ roles: ['admin'] }), secret.key())), `${secret.name}, kid ${'kid' in header}`)
          }
        })
      }
    })

    it('a token signed with our key but an unknown kid, or none, is token_invalid', async () => {
      for (const header of [{ alg: algorithm, typ: 'at+jwt', kid: 'no-such-key' }, { alg: algorithm, typ: 'at+jwt', kid: `${kid}x` }, { alg: algorithm, typ: 'at+jwt' }]) {
        assertTokenInvalid(await me(server.url, signJwt(algorithm, header, claims(), keys.privateKey)), JSON.stringify(header))
      }
    })

    it('a token of another asymmetric algorithm signed with our key is token_invalid', async () => {
      const other = algorithm === 'EdDSA' ? 'ES256' : 'EdDSA'
      const { privateKey } = await generateKeyPair(other)
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: other, typ: 'at+jwt', kid }).sign(privateKey)
      assertTokenInvalid(await me(server.url, token), other)
    })

    it('an all-zero signature is token_invalid', async () => {
      const token = withSignature({ alg: algorithm, typ: 'at+jwt', kid }, claims(), Buffer.alloc(SIGNATURE_BYTES[algorithm]))
      assertTokenInvalid(await me(server.url, token), 'all-zero signature')
    })

    if (algorithm === 'ES256') {
      it('ECDSA signatures r = s = 0 and r = s = n are token_invalid (CVE-2022-21449)', async () => {
        for (const [name, signature] of [
          ['r = s = 0', Buffer.alloc(64)],
          ['r = s = n', Buffer.concat([P256_ORDER, P256_ORDER])],
          ['r = s = n, DER-encoded', Buffer.concat([Buffer.from([0x30, 0x46, 0x02, 0x21, 0x00]), P256_ORDER, Buffer.from([0x02, 0x21, 0x00]), P256_ORDER])],
        ] as const) {
          assertTokenInvalid(await me(server.url, withSignature({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ roles: ['admin'] }), signature)), name)
        }
      })
    }

    it("header jwk, jku and x5u are ignored and never fetched", async () => {
      const attacker = await generateKeyPair(algorithm === 'EdDSA' ? 'EdDSA' : algorithm)
      const attackerJwk = await exportJWK(attacker.publicKey)
      const urls = { jku: `${keyHost.url}/jku.json`, x5u: `${keyHost.url}/x5u.pem` }
      // An attacker's key offered in every way a header can offer one, under our kid.
      const forged = await new SignJWT(claims({ roles: ['admin'] }))
        .setProtectedHeader({ alg: algorithm, typ: 'at+jwt', kid, jwk: attackerJwk, ...urls })
        .sign(attacker.privateKey)
      assertTokenInvalid(await me(server.url, forged), 'attacker key in jwk/jku/x5u')
      // Our genuine signature with those headers added: ignoring them (200) or refusing (token_invalid) are both safe; fetching is not.
      for (const extra of [{ jku: urls.jku }, { x5u: urls.x5u }, { jwk: attackerJwk, ...urls }]) {
        const response = await me(server.url, signJwt(algorithm, { alg: algorithm, typ: 'at+jwt', kid, ...extra }, claims(), keys.privateKey))
        assert.ok(response.status === 200 || (response.status === 401 && response.body.code === 'token_invalid'), `${response.status} ${response.text}`)
      }
      await sleep(300) // room for a fetch fired in the background
      assert.equal(keyHost.requests(), 0, 'the server fetched a URL named in a token header')
    })

    if (algorithm !== 'EdDSA') {
      it('the PKCS#8 form of the same key works the same and gives the same kid', async () => {
        const pkcs8 = await startServer({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: writeKeyFile(`${algorithm}-pkcs8.pem`, pkcs8Pem(keys.privateKey)) })
        try {
          const user = await register(pkcs8.url)
          assert.deepEqual(decodeProtectedHeader(user.accessToken), { alg: algorithm, typ: 'at+jwt', kid })
          assert.equal((await me(pkcs8.url, user.accessToken)).status, 200)
          // Same key, same issuer and audience: the other server's tokens verify here too.
          const verified = await runVerifyExample(server.url, user.accessToken)
          assert.equal(verified.code, 0, verified.stderr)
        } finally {
          await pkcs8.stop()
        }
      })
    }
  })
}

describe('JWT_ALGORITHM=HS256 (the default)', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  it('publishes an empty JWKS and issues tokens whose kid names the secret without revealing it', async () => {
    const response = await api(server.url, '/.well-known/jwks.json')
    assert.equal(response.status, 200)
    assert.deepEqual(response.body, { keys: [] })
    const account = await register(server.url)
    const header = decodeProtectedHeader(account.accessToken)
    assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ'])
    assert.equal(header.alg, 'HS256')
    // Derived from JWT_SECRET (so instances sharing it agree), never the secret itself.
    assert.match(header.kid!, /^[A-Za-z0-9_-]{22}$/)
    assert.equal(header.kid!.includes(TEST_JWT_SECRET), false)
  })
})

// A key file that does not fit is refused by loadConfig: src/config.test.ts.
describe('an asymmetric algorithm without JWT_PRIVATE_KEY_FILE', () => {
  it('starts with a key generated into the database, published in the JWKS, whose kid is its thumbprint', async () => {
    const server = await startServer({ JWT_ALGORITHM: 'RS256', JWT_SECRET: '' })
    try {
      const account = await register(server.url)
      const header = decodeProtectedHeader(account.accessToken)
      assert.equal(header.alg, 'RS256')
      const { keys } = (await api(server.url, '/.well-known/jwks.json')).body as { keys: Json[] }
      assert.equal(keys.length, 1)
      assert.equal(keys[0]!.kid, header.kid)
      assert.equal(await calculateJwkThumbprint(keys[0] as JWK, 'sha256'), header.kid)
      for (const member of PRIVATE_MEMBERS) assert.equal(member in keys[0]!, false, `JWKS carries private member ${member}`)
      const verified = await runVerifyExample(server.url, account.accessToken)
      assert.equal(verified.code, 0, verified.stderr)
    } finally {
      await server.stop()
    }
  })
})
