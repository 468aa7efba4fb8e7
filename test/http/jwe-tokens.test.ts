/**
 * Encrypted access tokens (issue 5, ACCESS_TOKEN_FORMAT=jwe): nested JWTs
 * (RFC 7519 §5.2), signed as always and then encrypted with `dir` or `A256KW`
 * and A256GCM, so clients cannot read the claims. Anything but our own
 * algorithms, `cty: JWT` and no `zip` is `token_invalid`, and refused on its
 * header alone before any key work (RFC 8725 §3.1; PBES2 `p2c` and `zip` DoS).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactDecrypt, CompactEncrypt, decodeJwt, decodeProtectedHeader, SignJWT, type CompactJWEHeaderParameters } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, register, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

type Json = Record<string, unknown>

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url')
const nowSeconds = () => Math.floor(Date.now() / 1000)
const me = (url: string, token: string) => api(url, '/auth/me', { token })

const keyDir = mkdtempSync(join(tmpdir(), 'tessera-jwe-'))
after(() => rmSync(keyDir, { recursive: true, force: true }))

interface Variant {
  signing: 'HS256' | 'EdDSA'
  jweAlgorithm: 'dir' | 'A256KW'
}

// One symmetric and one asymmetric signing algorithm, each with one of the two key-management algorithms.
const VARIANTS: Variant[] = [
  { signing: 'HS256', jweAlgorithm: 'dir' },
  { signing: 'EdDSA', jweAlgorithm: 'A256KW' },
]

/** A compact JWE with the given header and random bytes elsewhere: a token only its header can be judged by. */
function handMadeJwe(header: Json, sizes = { encryptedKey: 40, iv: 12, ciphertext: 64, tag: 16 }): string {
  return [b64url(JSON.stringify(header)), b64url(randomBytes(sizes.encryptedKey)), b64url(randomBytes(sizes.iv)), b64url(randomBytes(sizes.ciphertext)), b64url(randomBytes(sizes.tag))].join('.')
}

/** Changes one character in the middle of part `index` (an empty part gets content), keeping the other parts. */
function tamper(token: string, index: number): string {
  const parts = token.split('.')
  const part = parts[index]!
  if (part === '') {
    parts[index] = b64url(randomBytes(40))
  } else {
    const at = Math.floor(part.length / 2)
    parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1)
  }
  return parts.join('.')
}

for (const variant of VARIANTS) {
  describe(`ACCESS_TOKEN_FORMAT=jwe, JWT_ALGORITHM=${variant.signing}, JWE_ALGORITHM=${variant.jweAlgorithm}`, () => {
    const jweKey = randomBytes(32)
    let signingKey: KeyObject | Uint8Array = new TextEncoder().encode(TEST_JWT_SECRET)
    let kid: string | undefined
    let server: RunningServer
    let account: Account

    const header = { alg: variant.jweAlgorithm, enc: 'A256GCM', cty: 'JWT' }
    const encrypt = (jws: string, protectedHeader: CompactJWEHeaderParameters = header, key: Uint8Array = jweKey) =>
      new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader(protectedHeader).encrypt(key)
    const innerOf = async (token: string) => new TextDecoder().decode((await compactDecrypt(token, jweKey)).plaintext)

    /** An inner access token signed with the server's own key, as the server would sign it. */
    async function signInner(overrides: Json = {}): Promise<string> {
      const claims = { ...decodeJwt(await innerOf(account.accessToken)), iat: nowSeconds(), exp: nowSeconds() + 300, ...overrides }
      const jwsHeader = kid === undefined ? { alg: variant.signing, typ: 'at+jwt' } : { alg: variant.signing, typ: 'at+jwt', kid }
      return new SignJWT(claims).setProtectedHeader(jwsHeader).sign(signingKey)
    }

    before(async () => {
      const env: Record<string, string> = { ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: b64url(jweKey), JWE_ALGORITHM: variant.jweAlgorithm }
      if (variant.signing === 'EdDSA') {
        const keys = generateKeyPairSync('ed25519')
        const file = join(keyDir, `${variant.signing}.pem`)
        writeFileSync(file, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }))
        signingKey = keys.privateKey
        Object.assign(env, { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: file })
      }
      server = await startServer(env)
      account = await register(server.url)
      kid = decodeProtectedHeader(await innerOf(account.accessToken)).kid
    })
    after(() => server.stop())

    it('issues a JWE whose header is alg/enc/cty and whose claims cannot be read, and accepts it', async () => {
      assert.deepEqual(decodeProtectedHeader(account.accessToken), header)
      const parts = account.accessToken.split('.')
      assert.equal(parts.length, 5)
      assert.equal(parts[1] === '', variant.jweAlgorithm === 'dir', 'dir has an empty encrypted key; A256KW has a wrapped one')
      for (const part of parts.slice(1)) assert.throws(() => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')))
      assert.throws(() => decodeJwt(account.accessToken))
      const response = await me(server.url, account.accessToken)
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.id, account.user.id)
    })

    it('wraps a JWS signed exactly as a plain access token (typ at+jwt, kid for asymmetric keys)', async () => {
      const inner = await innerOf(account.accessToken)
      const innerHeader = decodeProtectedHeader(inner)
      assert.equal(innerHeader.alg, variant.signing)
      assert.equal(innerHeader.typ, 'at+jwt')
      assert.equal(typeof innerHeader.kid, 'string') // every token names its key, HS256 included
      const claims = decodeJwt(inner)
      assert.equal(claims.sub, account.user.id)
      for (const claim of ['iss', 'aud', 'iat', 'exp', 'jti', 'sid', 'roles', 'fresh']) assert.ok(claim in claims, claim)
    })

    it('a token with any one of its five parts changed is token_invalid, the same for each', async () => {
      for (let index = 0; index < 5; index++) {
        assertProblem(await me(server.url, tamper(account.accessToken, index)), 401, 'token_invalid')
      }
    })

    it('a plain JWS signed with the right key is token_invalid when JWE is required', async () => {
      const jws = await signInner()
      assert.equal((await me(server.url, await encrypt(jws))).status, 200, 'the same JWS, encrypted, is accepted')
      assertProblem(await me(server.url, jws), 401, 'token_invalid')
      assertProblem(await me(server.url, await innerOf(account.accessToken)), 401, 'token_invalid')
    })

    it('a token encrypted with another key is token_invalid', async () => {
      assertProblem(await me(server.url, await encrypt(await signInner(), header, randomBytes(32))), 401, 'token_invalid')
    })

    it('cty other than JWT is token_invalid; JWT in any case is accepted', async () => {
      const jws = await signInner()
      assertProblem(await me(server.url, await encrypt(jws, { alg: variant.jweAlgorithm, enc: 'A256GCM' })), 401, 'token_invalid')
      assertProblem(await me(server.url, await encrypt(jws, { ...header, cty: 'json' })), 401, 'token_invalid')
      assert.equal((await me(server.url, await encrypt(jws, { ...header, cty: 'jwt' }))).status, 200)
    })

    it('enc A128GCM, the other key-management algorithm, RSA1_5 and PBES2 are token_invalid', async () => {
      const jws = await signInner()
      const aes128 = randomBytes(16)
      assertProblem(await me(server.url, await encrypt(jws, { ...header, enc: 'A128GCM' }, variant.jweAlgorithm === 'dir' ? aes128 : jweKey)), 401, 'token_invalid')
      const other = variant.jweAlgorithm === 'dir' ? 'A256KW' : 'dir'
      assertProblem(await me(server.url, await encrypt(jws, { ...header, alg: other })), 401, 'token_invalid')
      // jose 6 cannot make RSA1_5 tokens any more: by hand, 256 bytes as a 2048-bit RSA encrypted key would be.
      assertProblem(await me(server.url, handMadeJwe({ ...header, alg: 'RSA1_5' }, { encryptedKey: 256, iv: 12, ciphertext: 64, tag: 16 })), 401, 'token_invalid')
      assertProblem(await me(server.url, handMadeJwe({ ...header, alg: 'PBES2-HS256+A128KW', p2s: b64url(randomBytes(16)), p2c: 1000 })), 401, 'token_invalid')
    })

    it('a PBES2 token with p2c=10_000_000 is refused on its header, without running PBKDF2', async () => {
      const token = handMadeJwe({ ...header, alg: 'PBES2-HS256+A128KW', p2s: b64url(randomBytes(16)), p2c: 10_000_000 })
      const started = performance.now()
      assertProblem(await me(server.url, token), 401, 'token_invalid')
      const elapsed = performance.now() - started
      // The one timing bound of the suite, deliberately loose for slow CI: ten million PBKDF2-SHA256
      // iterations take several seconds, so an answer within 2 s shows they were never run.
      assert.ok(elapsed < 2000, `answered in ${Math.round(elapsed)} ms`)
    })

    it('a compressed (zip: DEF) token is token_invalid, even encrypted with the right key', async () => {
      const token = await encrypt(await signInner(), { ...header, zip: 'DEF' })
      assert.equal(decodeProtectedHeader(token).zip, 'DEF')
      assertProblem(await me(server.url, token), 401, 'token_invalid')
    })

    it('an encrypted token whose inner JWT has expired is token_expired', async () => {
      const token = await encrypt(await signInner({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 }))
      assertProblem(await me(server.url, token), 401, 'token_expired')
    })

    it('logout revokes the encrypted token at once', async () => {
      const other = await register(server.url)
      assert.equal((await me(server.url, other.accessToken)).status, 200)
      const logout = await api(server.url, '/auth/logout', { method: 'POST', token: other.accessToken })
      assert.equal(logout.status, 204, logout.text)
      assertProblem(await me(server.url, other.accessToken), 401, 'token_revoked')
    })

    it('a JWE access token presented as a refresh token (Bearer) is wrong_token_type', async () => {
      assertProblem(await api(server.url, '/auth/refresh', { method: 'POST', token: account.accessToken }), 401, 'wrong_token_type')
    })

    // Known gap: the body schema of /auth/refresh caps refresh_token at 512 characters (src/http/routes/auth.ts),
    // and a JWE access token is longer, so the body form answers 400 validation_failed before the type check.
    it('a JWE access token in the refresh_token body field is wrong_token_type', async () => {
      assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: account.accessToken } }), 401, 'wrong_token_type')
    })
  })
}

describe('ACCESS_TOKEN_FORMAT=jwe without JWE_KEY', () => {
  it('generates the key once and keeps it in the database, so tokens survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-jwe-restart-'))
    try {
      const first = await startServer({ ACCESS_TOKEN_FORMAT: 'jwe' }, { dir })
      let account: Account
      try {
        account = await register(first.url)
        assert.deepEqual(decodeProtectedHeader(account.accessToken), { alg: 'dir', enc: 'A256GCM', cty: 'JWT' })
      } finally {
        await first.stop({ keepData: true })
      }
      const second = await startServer({ ACCESS_TOKEN_FORMAT: 'jwe' }, { dir })
      try {
        const response = await me(second.url, account.accessToken)
        assert.equal(response.status, 200, response.text)
        assert.equal(response.body.id, account.user.id)
      } finally {
        await second.stop({ keepData: true })
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// A bad JWE setting is refused by loadConfig: src/config.test.ts.
describe('JWE_KEY', () => {
  it('a JWE_KEY of 43 characters, or 44 with padding, is accepted', async () => {
    const key = b64url(randomBytes(32))
    for (const text of [key, `${key}=`]) {
      const server = await startServer({ ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: text })
      try {
        const account = await register(server.url)
        assert.equal((await me(server.url, account.accessToken)).status, 200)
      } finally {
        await server.stop()
      }
    }
  })
})
