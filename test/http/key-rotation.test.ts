// runs-on: every-database
/**
 * Key rotation without logging anyone out (issue 5): keys kept in the
 * database, rotated with the real `tessera keys rotate` against the server's
 * own database, honoured by a second instance without restart, retired keys
 * verifying until their tokens have expired and then refused; the admin
 * endpoints; private keys encrypted at rest with KEY_ENCRYPTION_SECRET; and
 * the HS256 secret of earlier versions carried over so that its kid-less
 * tokens keep working. Runs on SQLite and, through TESSERA_TEST_BACKEND, on
 * PostgreSQL and MariaDB.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runTessera } from '../helpers/cli.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRemoteJWKSet, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from 'jose'
import { Migrator } from 'kysely'
import { connect } from '../../src/storage/connect.js'
import { createMigrations } from '../../src/storage/migrations/index.js'
import { openStorage } from '../../src/storage/index.js'
import type { SigningKeyRecord } from '../../src/storage/signing-keys.js'
import { api, login, register, type Account, type ApiResponse } from '../helpers/client.js'
import { createTestDatabase, testBackend } from '../helpers/databases.js'
import { assertProblem } from '../helpers/problems.js'
import { lowS } from '../helpers/low-s.js'
import { assertRefusedAtStart, startServer, startServerProcess, startServerProcesses, type RunningServer } from '../helpers/server.js'

/**
 * Long enough that the token from before the rotation is still unexpired when it is checked: the CLI's
 * rotation took more than 10 s once on a loaded CI machine when it was a process of its own (node's
 * start, then a 3072-bit RSA key for RS256); in this process it is the key alone. Each rotation test
 * waits this out, so it is not longer than it must be.
 */
const TTL_SECONDS = 15
/** Matches KEY_PROPAGATION_MS in src/services/keys/key-store.ts: the time every instance takes to hear of a rotation. */
const PROPAGATION_MS = 2000
const ENCRYPTION_SECRET = 'key-encryption-secret-key-encryption-secret-0123'
const VERIFY_OPTIONS = { issuer: 'tessera', audience: 'tessera', typ: 'at+jwt' }

type Algorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

/** Database keys: no JWT_SECRET (the harness pins one by default). */
const databaseKeys = (algorithm: Algorithm, extra: Record<string, string> = {}) => ({ JWT_SECRET: '', JWT_ALGORITHM: algorithm, ACCESS_TOKEN_TTL: `${TTL_SECONDS}s`, ...extra })


/** The rows of the key table, read directly from the server's database. */
async function storedKeys(databaseUrl: string): Promise<SigningKeyRecord[]> {
  const storage = await openStorage(databaseUrl, { migrate: false })
  try {
    return await storage.signingKeys.list()
  } finally {
    await storage.close()
  }
}

const me = (server: RunningServer, token: string) => api(server.url, '/auth/me', { token })
const kidOf = (token: string) => decodeProtectedHeader(token).kid

function assertTokenInvalid(response: ApiResponse, why: string): void {
  assert.equal(response.status, 401, `${why}: ${response.status} ${response.text}`)
  assert.equal(response.body.code, 'token_invalid', why)
}

/** Refreshes and returns the new pair, failing the test if the client was logged out. */
async function refresh(server: RunningServer, account: Account): Promise<Account> {
  const response = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
  assert.equal(response.status, 200, `refresh: ${response.text}`)
  return { ...account, accessToken: response.body.access_token, refreshToken: response.body.refresh_token }
}

/** A token for `account` signed with a stored key (as only its holder could), living an hour. */
async function forgeWith(record: SigningKeyRecord, account: Account): Promise<string> {
  const key = await importJWK(JSON.parse(record.privateKey) as JWK, record.algorithm)
  // Low-S for ES256, as Tessera signs: the other half of jose's signatures is refused (issue 14).
  const signed = await new SignJWT({ sid: (JSON.parse(Buffer.from(account.accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid, roles: [], fresh: false })
    .setProtectedHeader({ alg: record.algorithm, typ: 'at+jwt', kid: record.kid })
    .setIssuer('tessera').setAudience('tessera').setSubject(account.user.id).setIssuedAt().setExpirationTime('1h').setJti(crypto.randomUUID())
    .sign(key)
  return record.algorithm === 'ES256' ? lowS(signed) : signed
}

async function jwksKids(server: RunningServer): Promise<string[]> {
  const response = await api(server.url, '/.well-known/jwks.json')
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('cache-control'), 'public, max-age=300')
  return (response.body.keys as Array<{ kid: string }>).map((key) => key.kid).sort()
}

/** Polls `check` (at most `ms`) until it holds; the retry loop stands in for "within about a second". */
async function eventually(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await sleep(100)
  }
  return check()
}

// Every algorithm on SQLite; on PostgreSQL and MySQL, where what differs is the storage of the keys and
// not the algorithm, one symmetric and one asymmetric (each case is two server processes and a 15 s wait).
const ROTATED_ALGORITHMS = testBackend() === 'sqlite' ? (['HS256', 'RS256', 'ES256', 'EdDSA'] as const) : (['HS256', 'ES256'] as const)

describe('rotation with tessera keys rotate, per algorithm', { concurrency: true }, () => {
  for (const algorithm of ROTATED_ALGORITHMS) {
    it(`${algorithm}: old tokens keep working, new ones use the new kid on every instance, the old key is dropped after its window`, async () => {
      // Two instances on one database are two processes, as in production (and SQLite's locks are per process).
      const first = await startServerProcess(databaseKeys(algorithm))
      const second = await startServerProcess({ ...databaseKeys(algorithm), DATABASE_URL: first.env.DATABASE_URL! })
      try {
        const cliEnv = { DATABASE_URL: first.env.DATABASE_URL!, JWT_ALGORITHM: algorithm, ACCESS_TOKEN_TTL: `${TTL_SECONDS}s` }
        const asymmetric = algorithm !== 'HS256'
        let account = await register(first.url)
        const oldKid = kidOf(account.accessToken)!
        assert.equal(typeof oldKid, 'string')
        assert.deepEqual(await jwksKids(second), asymmetric ? [oldKid] : [])
        // A stock verifier in the usual setup; cooldown 0 so it fetches again at once on a new kid (jose's default waits 30 s).
        const remote = createRemoteJWKSet(new URL('/.well-known/jwks.json', first.url), { cooldownDuration: 0 })
        if (asymmetric) await jwtVerify(account.accessToken, remote, VERIFY_OPTIONS)

        // The real command, in this process (runCli): the servers are processes, so no busy wait here blocks them.
        const rotated = await runTessera(['keys', 'rotate', '--json'], cliEnv)
        assert.equal(rotated.code, 0, rotated.stderr)
        const newKey = JSON.parse(rotated.stdout) as { kid: string; algorithm: string; state: string }
        assert.equal(newKey.algorithm, algorithm)
        assert.equal(newKey.state, 'active')
        assert.notEqual(newKey.kid, oldKid)
        const oldRecord = (await storedKeys(first.env.DATABASE_URL!)).find((record) => record.kid === oldKid)!
        assert.equal(typeof oldRecord.retiredAt, 'number')

        // The token issued before the rotation still works, on both instances.
        for (const server of [first, second]) {
          const response = await me(server, account.accessToken)
          assert.equal(response.status, 200, `the token from before the rotation: ${response.text}`)
        }
        // Both running servers sign with the new key within about a second (each polls on its own), without restart.
        const seenBySecond = await eventually(3000, async () => {
          account = await refresh(second, account)
          return kidOf(account.accessToken) === newKey.kid
        })
        assert.ok(seenBySecond, 'the second instance did not sign with the rotated key')
        const seenByFirst = await eventually(3000, async () => kidOf((await login(first.url, account.email)).accessToken) === newKey.kid)
        assert.ok(seenByFirst, 'the first instance did not sign with the rotated key')
        assert.equal((await me(first, account.accessToken)).status, 200)

        const forged = await forgeWith(oldRecord, account)
        assert.equal((await me(second, forged)).status, 200, 'the retired key verifies during its window')
        if (asymmetric) {
          assert.deepEqual(await jwksKids(first), [newKey.kid, oldKid].sort())
          await jwtVerify(forged, remote, VERIFY_OPTIONS)
          await jwtVerify(account.accessToken, remote, VERIFY_OPTIONS)
        } else {
          assert.deepEqual(await jwksKids(first), [])
        }

        // Past retired_at + ACCESS_TOKEN_TTL + JWT_LEEWAY (0) + propagation, the retired key verifies nothing.
        await sleep(Math.max(0, oldRecord.retiredAt! + TTL_SECONDS * 1000 + PROPAGATION_MS - Date.now()) + 300)
        assertTokenInvalid(await me(first, forged), 'retired key after its window, first instance')
        assertTokenInvalid(await me(second, forged), 'retired key after its window, second instance')
        assert.deepEqual(await jwksKids(second), asymmetric ? [newKey.kid] : [])
        // Nobody was logged out: the client's refresh token still works, and so do its new tokens.
        account = await refresh(first, account)
        assert.equal((await me(second, account.accessToken)).status, 200)
        if (asymmetric) await jwtVerify(account.accessToken, remote, VERIFY_OPTIONS)
      } finally {
        await second.stop()
        await first.stop()
      }
    })
  }
})

describe('two instances starting at once on a new database', () => {
  it('agree on one key: one row, and each signs with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-race-'))
    const backend = testBackend()
    const database = backend === 'sqlite' ? undefined : await createTestDatabase(backend)
    const databaseUrl = database?.url ?? `sqlite:${join(dir, 'tessera.db')}`
    let servers: RunningServer[] = []
    try {
      // Two processes, the race this is about (in one process, SQLite's busy wait would block the other instance).
      servers = await startServerProcesses(databaseKeys('ES256', { DATABASE_URL: databaseUrl }), databaseKeys('ES256', { DATABASE_URL: databaseUrl }))
      const rows = await storedKeys(databaseUrl)
      assert.equal(rows.length, 1, `keys: ${rows.map((row) => row.kid).join(', ')}`)
      for (const server of servers) assert.equal(kidOf((await register(server.url)).accessToken), rows[0]!.kid)
    } finally {
      await Promise.all(servers.map((server) => server.stop()))
      await database?.drop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the admin endpoints', () => {
  const admin = { ADMIN_EMAIL: 'keys-admin@example.com', ADMIN_PASSWORD: 'correct horse battery staple' }

  it('POST /admin/keys/rotate (admin, fresh token) answers 201 with the new key, which signs at once; GET /admin/keys lists both', async () => {
    const server = await startServer(databaseKeys('ES256', admin))
    try {
      let account = await login(server.url, admin.ADMIN_EMAIL, admin.ADMIN_PASSWORD)
      const oldKid = kidOf(account.accessToken)
      const rotated = await api(server.url, '/admin/keys/rotate', { method: 'POST', token: account.accessToken })
      assert.equal(rotated.status, 201, rotated.text)
      assert.equal(rotated.body.algorithm, 'ES256')
      assert.equal(rotated.body.state, 'active')
      assert.equal(rotated.body.public_jwk.kid, rotated.body.kid)
      assert.equal('d' in rotated.body.public_jwk, false)
      assert.equal(rotated.headers.get('cache-control'), 'no-store')
      account = await login(server.url, admin.ADMIN_EMAIL, admin.ADMIN_PASSWORD)
      assert.equal(kidOf(account.accessToken), rotated.body.kid)

      const listed = await api(server.url, '/admin/keys', { token: account.accessToken })
      assert.equal(listed.status, 200)
      const byKid = new Map((listed.body.data as Array<{ kid: string; state: string; retired_at: string | null; verifies_until: string | null }>).map((key) => [key.kid, key]))
      assert.equal(byKid.get(rotated.body.kid)?.state, 'active')
      assert.equal(byKid.get(oldKid!)?.state, 'retired')
      assert.ok(Date.parse(byKid.get(oldKid!)!.verifies_until!) > Date.parse(byKid.get(oldKid!)!.retired_at!))

      // Only admins, and a rotation only with a fresh token.
      const user = await register(server.url)
      assertProblem(await api(server.url, '/admin/keys', { token: user.accessToken }), 403, 'forbidden')
      const refreshed = await refresh(server, account)
      const stale = await api(server.url, '/admin/keys/rotate', { method: 'POST', token: refreshed.accessToken })
      assertProblem(stale, 401, 'fresh_token_required')
      assertProblem(await api(server.url, '/admin/keys/rotate', { method: 'POST' }), 401, 'authorization_required')
    } finally {
      await server.stop()
    }
  })

  it('a pinned JWT_SECRET cannot be rotated: 403 forbidden, naming the variable', async () => {
    const server = await startServer(admin)
    try {
      const account = await login(server.url, admin.ADMIN_EMAIL, admin.ADMIN_PASSWORD)
      const response = await api(server.url, '/admin/keys/rotate', { method: 'POST', token: account.accessToken })
      assertProblem(response, 403, 'forbidden')
      assert.match(response.body.detail, /JWT_SECRET/)
      const listed = await api(server.url, '/admin/keys', { token: account.accessToken })
      assert.equal(listed.body.data.length, 1)
      assert.equal(listed.body.data[0].kid, kidOf(account.accessToken))
      assert.equal(listed.body.data[0].created_at, null)
    } finally {
      await server.stop()
    }
  })
})

describe('KEY_ENCRYPTION_SECRET', () => {
  it('stores private keys as JWE, refuses a start without it or with another secret, and with it tokens survive a restart', async () => {
    const env = databaseKeys('EdDSA', { KEY_ENCRYPTION_SECRET: ENCRYPTION_SECRET, ACCESS_TOKEN_TTL: '15m' })
    const server = await startServer(env)
    const databaseUrl = server.env.DATABASE_URL!
    let restarted: RunningServer | undefined
    try {
      const account = await register(server.url)
      const [stored] = await storedKeys(databaseUrl)
      assert.throws(() => JSON.parse(stored!.privateKey), 'the private key is not readable JSON')
      assert.equal(stored!.privateKey.split('.').length, 5, 'a compact JWE')
      assert.doesNotMatch(stored!.privateKey, /"d"/)
      await server.stop({ keepData: true })

      for (const secret of ['', 'another-secret-another-secret-another-secret-0']) {
        const line = await assertRefusedAtStart({ ...env, DATABASE_URL: databaseUrl, KEY_ENCRYPTION_SECRET: secret }, 'KEY_ENCRYPTION_SECRET')
        assert.doesNotMatch(line, /^\s+at |eyJ/, 'no stack trace, no key material')
      }

      restarted = await startServer({ ...env, DATABASE_URL: databaseUrl })
      assert.equal((await me(restarted, account.accessToken)).status, 200)
      assert.ok(!restarted.output.some((line) => line.includes(stored!.privateKey.slice(0, 40))), 'key material in the log')
    } finally {
      await restarted?.stop()
      await server.stop()
    }
  })

  it('keys stored in clear are encrypted at the first start with the secret, and keep verifying', async () => {
    const env = databaseKeys('ES256', { ACCESS_TOKEN_TTL: '15m' })
    const server = await startServer(env)
    const databaseUrl = server.env.DATABASE_URL!
    let restarted: RunningServer | undefined
    try {
      const account = await register(server.url)
      const [clear] = await storedKeys(databaseUrl)
      assert.equal(JSON.parse(clear!.privateKey).kty, 'EC')
      await server.stop({ keepData: true })
      restarted = await startServer({ ...env, DATABASE_URL: databaseUrl, KEY_ENCRYPTION_SECRET: ENCRYPTION_SECRET })
      const [encrypted] = await storedKeys(databaseUrl)
      assert.equal(encrypted!.kid, clear!.kid)
      assert.throws(() => JSON.parse(encrypted!.privateKey))
      assert.equal((await me(restarted, account.accessToken)).status, 200)
    } finally {
      await restarted?.stop()
      await server.stop()
    }
  })
})

describe('upgrading from the HS256 secret kept in settings', () => {
  it('the old secret becomes the first key: kid-less tokens it signed keep verifying, new tokens carry a kid', async () => {
    const backend = testBackend()
    const dir = mkdtempSync(join(tmpdir(), 'tessera-upgrade-'))
    const database = backend === 'sqlite' ? undefined : await createTestDatabase(backend)
    const databaseUrl = database?.url ?? `sqlite:${join(dir, 'tessera.db')}`
    after(async () => {
      await database?.drop()
      rmSync(dir, { recursive: true, force: true })
    })
    // The schema as the previous version left it: only the first migration, and the generated secret in settings.
    const connection = await connect(databaseUrl)
    const secret = Buffer.alloc(32, 7).toString('base64url')
    try {
      const migrator = new Migrator({ db: connection.db, provider: { getMigrations: async () => createMigrations(connection.capabilities) } })
      const result = await migrator.migrateTo('2026-11-22T00-00-init')
      assert.equal(result.error, undefined)
      await connection.db.insertInto('settings').values({ key: 'jwt_hs256_secret', value: secret }).execute()
    } finally {
      await connection.close()
    }

    const server = await startServer({ JWT_SECRET: '', DATABASE_URL: databaseUrl })
    try {
      const account = await register(server.url)
      const newKid = kidOf(account.accessToken)
      const [legacy] = await storedKeys(databaseUrl)
      assert.equal(legacy!.kid, newKid)
      assert.equal(legacy!.legacy, true)
      // A token as the previous version signed it: HS256 with the old secret, no kid.
      const claims = JSON.parse(Buffer.from(account.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
      const old = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(Buffer.from(secret, 'base64url'))
      assert.equal((await me(server, old)).status, 200)
      const wrongKid = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'not-ours' }).sign(Buffer.from(secret, 'base64url'))
      assertTokenInvalid(await me(server, wrongKid), 'the old secret under an unknown kid')
    } finally {
      await server.stop()
    }
  })
})
