/**
 * One token, one string (RFC 7515 §2: unpadded base64url; low-S ECDSA), and
 * no token from the future. Each variant below verifies cryptographically as
 * the genuine token does, so only the canonical check refuses it, and it must
 * do so even after the genuine token sits in the verified-token cache.
 * @see issue 14, findings 5 and 8
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, register, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')

const me = (url: string, token: string) => api(url, '/auth/me', { token })

function parts(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.')
  return [header!, payload!, signature!]
}

/** The last character with one of its unused low bits set: the same bytes, another string. */
function flipUnusedBit(part: string): string {
  assert.notEqual(part.length % 4, 0, 'this part has no unused bits')
  const value = ALPHABET.indexOf(part.at(-1)!)
  return part.slice(0, -1) + ALPHABET[value + 1]!
}

function assertSameBytes(a: string, b: string): void {
  assert.ok(Buffer.from(a, 'base64url').equals(Buffer.from(b, 'base64url')), 'the variant must decode to the same bytes')
}

/** The variants of a genuine token that decode to the same header, payload and signature. */
function spellings(token: string): Array<{ name: string; token: string }> {
  const [header, payload, signature] = parts(token)
  const variants = [
    { name: 'a trailing = on the signature', token: `${header}.${payload}.${signature}=` },
    { name: 'a trailing == on the signature', token: `${header}.${payload}.${signature}==` },
    { name: 'standard base64 padding on the payload', token: `${header}.${payload}${'='.repeat((4 - (payload.length % 4)) % 4 || 4)}.${signature}` },
  ]
  if (signature.length % 4 !== 0) {
    const flipped = flipUnusedBit(signature)
    assertSameBytes(flipped, signature)
    variants.push({ name: 'an unused low bit set in the signature', token: `${header}.${payload}.${flipped}` })
  }
  for (const [name, part, index] of [['header', header, 0], ['payload', payload, 1]] as const) {
    if (part.length % 4 === 0) continue
    const flipped = flipUnusedBit(part)
    assertSameBytes(flipped, part)
    const pieces = [header, payload, signature]
    pieces[index] = flipped
    variants.push({ name: `an unused low bit set in the ${name}`, token: pieces.join('.') })
  }
  return variants
}

function writeKey(dir: string, name: string, key: KeyObject): string {
  const path = join(dir, name)
  writeFileSync(path, key.export({ type: 'pkcs8', format: 'pem' }))
  return path
}

const keyDir = mkdtempSync(join(tmpdir(), 'tessera-canonical-'))
process.once('exit', () => rmSync(keyDir, { recursive: true, force: true }))

const SETUPS = [
  { algorithm: 'HS256', env: () => ({}) },
  { algorithm: 'RS256', env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: writeKey(keyDir, 'rs256.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey) }) },
  { algorithm: 'ES256', env: () => ({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: writeKey(keyDir, 'es256.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }) },
]

for (const setup of SETUPS) {
  describe(`canonical token strings, JWT_ALGORITHM=${setup.algorithm}`, () => {
    let server: RunningServer
    let account: Account
    before(async () => {
      server = await startServer(setup.env())
      account = await register(server.url)
    })
    after(() => server.stop())

    it('the genuine token works', async () => {
      assert.equal(decodeProtectedHeader(account.accessToken).alg, setup.algorithm)
      assert.equal((await me(server.url, account.accessToken)).status, 200)
    })

    it('every other spelling of the token is 401 token_invalid, even once the genuine one is cached', async () => {
      const variants = spellings(account.accessToken)
      assert.ok(variants.length >= 4)
      for (const variant of variants) {
        assert.equal((await me(server.url, account.accessToken)).status, 200) // the genuine string is in the cache
        assertProblem(await me(server.url, variant.token), 401, 'token_invalid')
      }
    })

    it('a spelling presented before the genuine token is refused too', async () => {
      const fresh = await register(server.url)
      const [first] = spellings(fresh.accessToken)
      assertProblem(await me(server.url, first!.token), 401, 'token_invalid')
      assert.equal((await me(server.url, fresh.accessToken)).status, 200)
    })

    if (setup.algorithm === 'ES256') {
      it('the signature (r, n − s) is refused, and every token the server signs is low-S', async () => {
        for (let i = 0; i < 12; i++) {
          const other = i === 0 ? account : await register(server.url)
          const [header, payload, signature] = parts(other.accessToken)
          const bytes = Buffer.from(signature, 'base64url')
          const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`)
          assert.ok(s <= P256_ORDER >> 1n, 'the server issued a high-S signature')
          const high = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
          const malleated = `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), high]).toString('base64url')}`
          assertProblem(await me(server.url, malleated), 401, 'token_invalid')
          assert.equal((await me(server.url, other.accessToken)).status, 200)
        }
      })
    }
  })
}

describe('a token issued in the future', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer({ JWT_LEEWAY: '30' })
    account = await register(server.url)
  })
  after(() => server.stop())

  /** The genuine token's claims with `iat` moved, signed with the server's key (a key holder's forgery). */
  function withIat(iat: number): string {
    const [header] = parts(account.accessToken)
    const claims = { ...decodeJwt(account.accessToken), iat }
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`
  }
  const now = () => Math.floor(Date.now() / 1000)

  it('iat hours or years ahead is 401 token_invalid', async () => {
    for (const ahead of [3600, 6 * 3600, 5 * 365 * 86400]) assertProblem(await me(server.url, withIat(now() + ahead)), 401, 'token_invalid')
  })

  it('iat within the clock leeway is accepted (clocks of two instances differ a little)', async () => {
    assert.equal((await me(server.url, withIat(now() + 5))).status, 200)
    assert.equal((await me(server.url, withIat(now() - 60))).status, 200)
  })
})
