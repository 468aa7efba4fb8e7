// runs-on: every-database
/**
 * Users imported from Flask apps keep their old password hashes (issue 8): each legacy format logs
 * in over HTTP with the old password, is replaced by argon2id on that first login, keeps working
 * afterwards, and refuses a wrong password like any account. Rows are written through storage on
 * the server's own DATABASE_URL, so this runs unchanged on PostgreSQL and MySQL/MariaDB
 * (TESSERA_TEST_BACKEND).
 */
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto'
import { rmSync } from 'node:fs'
import { v7 as uuidv7 } from 'uuid'
import { openStorage, type Storage } from '../../src/storage/index.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

interface LegacyUser {
  format: string
  email: string
  password: string
  hash: string
}

const PASSWORD = 'pässwörd of an old Flask app ☃'
const ab64 = (bytes: Buffer) => bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '')
const WERKZEUG_SALT = 'aB3dE5gH7jK9mN1p'

/** One user per format, each hash written exactly as its Python library writes it. */
function legacyUsers(): LegacyUser[] {
  const passlibSalt = randomBytes(16)
  const users: Array<Omit<LegacyUser, 'email'>> = [
    {
      format: 'passlib pbkdf2_sha256',
      password: PASSWORD,
      hash: `$pbkdf2-sha256$29000$${ab64(passlibSalt)}$${ab64(pbkdf2Sync(PASSWORD, passlibSalt, 29000, 32, 'sha256'))}`,
    },
    {
      format: 'werkzeug pbkdf2:sha256',
      password: PASSWORD,
      hash: `pbkdf2:sha256:600000$${WERKZEUG_SALT}$${pbkdf2Sync(PASSWORD, WERKZEUG_SALT, 600_000, 32, 'sha256').toString('hex')}`,
    },
    {
      format: 'werkzeug scrypt',
      password: PASSWORD,
      hash: `scrypt:32768:8:1$${WERKZEUG_SALT}$${scryptSync(PASSWORD, WERKZEUG_SALT, 64, { N: 32768, r: 8, p: 1, maxmem: 132 * 32768 * 8 }).toString('hex')}`,
    },
    // Published vectors (OpenBSD/jBCrypt, pyca/bcrypt, PHP's crypt() manual).
    { format: 'bcrypt $2a$', password: '~!@#$%^&*()      ~!@#$%^&*()PNBFRD', hash: '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO' },
    { format: 'bcrypt $2b$', password: 'Kk4DQuMMfZL9o', hash: '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm' },
    { format: 'bcrypt $2y$', password: 'rasmuslerdorf', hash: '$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq' },
  ]
  return users.map((user, index) => ({ ...user, email: `legacy-${index}-${process.pid}@example.com` }))
}

async function hashOf(storage: Storage, email: string): Promise<string> {
  const user = await storage.users.findByEmail(email)
  assert.ok(user, `no user ${email}`)
  return user.passwordHash
}

describe('users with Flask-era password hashes', () => {
  const users = legacyUsers()
  let server: RunningServer
  let storage: Storage
  let dir: string

  before(async () => {
    // A first start creates and migrates the database; the rows go in while no server runs.
    const first = await startServer()
    dir = first.dir
    const databaseUrl = first.env.DATABASE_URL!
    await first.stop({ keepData: true })
    storage = await openStorage(databaseUrl, { migrate: false })
    for (const user of users) {
      await storage.users.insert({ id: uuidv7(), email: user.email, username: null, fullName: null, passwordHash: user.hash, roles: [], active: true, now: Date.now() })
    }
    server = await startServer({ LOGIN_FAILURE_LIMIT: '1000/1m', RATE_LIMIT_AUTH: '1000/1m' }, { dir, hashCost: 'owasp' }) // the upgrade is to OWASP's parameters
  })
  after(async () => {
    await storage?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a wrong password with invalid_credentials for every format, and leaves the hash alone', async () => {
    for (const user of users) {
      const response = await api(server.url, '/auth/login', { body: { email: user.email, password: `${user.password}!` } })
      assertProblem(response, 401, 'invalid_credentials')
      assert.equal(await hashOf(storage, user.email), user.hash, user.format)
    }
  })

  it('logs in with the old password, replaces the hash with argon2id, and the password keeps working', async () => {
    for (const user of users) {
      const first = await api(server.url, '/auth/login', { body: { email: user.email, password: user.password } })
      assert.equal(first.status, 200, `${user.format}: ${first.text}`)
      assert.equal(first.body.user.email, user.email)
      const upgraded = await hashOf(storage, user.email)
      assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, user.format)

      const second = await api(server.url, '/auth/login', { body: { email: user.email, password: user.password } })
      assert.equal(second.status, 200, `${user.format}, second login: ${second.text}`)
      assert.equal(await hashOf(storage, user.email), upgraded, `${user.format}: an argon2id hash is not replaced again`)
      // Not a password change: the session of the first login is still good.
      const me = await api(server.url, '/auth/me', { token: first.body.access_token })
      assert.equal(me.status, 200, `${user.format}: ${me.text}`)

      const wrong = await api(server.url, '/auth/login', { body: { email: user.email, password: `${user.password}!` } })
      assertProblem(wrong, 401, 'invalid_credentials')
    }
  })

  // @see issue 13: a refused login used to upgrade the hash all the same.
  it('a correct password on a deactivated account is 403 account_disabled and changes nothing stored', async () => {
    const [user] = legacyUsers()
    const email = `disabled-legacy-${process.pid}@example.com`
    await storage.users.insert({ id: uuidv7(), email, username: null, fullName: null, passwordHash: user!.hash, roles: [], active: false, now: Date.now() })
    const stored = await storage.users.findByEmail(email)
    const response = await api(server.url, '/auth/login', { body: { email, password: user!.password } })
    assertProblem(response, 403, 'account_disabled')
    const after = await storage.users.findByEmail(email)
    assert.equal(after?.passwordHash, user!.hash, 'the legacy hash is still the stored one')
    assert.deepEqual(after, stored, 'no column changed (hash, updated_at, last_login_at)')
  })

  it('leaves the hash of a user who registered with Tessera as it is', async () => {
    const account = await register(server.url)
    const before = await hashOf(storage, account.email)
    const response = await api(server.url, '/auth/login', { body: { email: account.email, password: account.password } })
    assert.equal(response.status, 200, response.text)
    assert.equal(await hashOf(storage, account.email), before)
  })

  it('stores an upgraded hash only over the hash that was verified, never over a newer one', async () => {
    const account = await register(server.url)
    const user = (await storage.users.findByEmail(account.email))!
    // A password change landed between verify and upgrade: the row no longer holds what was verified.
    assert.equal(await storage.users.replacePasswordHash(user.id, 'pbkdf2:sha256:1000$stale$00', '$argon2id$upgrade', Date.now()), false)
    assert.equal(await hashOf(storage, account.email), user.passwordHash)
    assert.equal(await storage.users.replacePasswordHash(user.id, user.passwordHash, '$argon2id$upgrade', Date.now()), true)
    assert.equal(await hashOf(storage, account.email), '$argon2id$upgrade')
  })
})
