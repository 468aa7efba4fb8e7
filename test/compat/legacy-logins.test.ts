// runs-on: every-database
/**
 * The migration defects of issue 17, without any profile and without Python: an imported
 * account without an email logs in by username and reads `email: null`; a legacy password
 * below today's policy logs in and the answer says `password_change_required`; a bcrypt
 * password past 72 bytes is never upgraded, so a different password sharing those bytes
 * cannot lock the owner out. Rows are written through storage on the server's own database.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { hashSync as bcryptHash } from 'bcryptjs'
import { v7 as uuidv7 } from 'uuid'
import { openStorage, type Storage } from '../../src/storage/index.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ab64 = (bytes: Buffer) => bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '')
/** passlib's pbkdf2_sha256, as seed 002 stores its users' passwords. */
function passlib(password: string): string {
  const salt = randomBytes(16)
  return `$pbkdf2-sha256$29000$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, 29000, 32, 'sha256'))}`
}

const LONG = `${'ü'.repeat(36)}-the-real-end` // 72 bytes of ü, then more
const IMPOSTOR = `${'ü'.repeat(36)}-another-end`

describe('imported legacy accounts (issue 17)', () => {
  let server: RunningServer
  let storage: Storage
  let dir: string
  const bcryptHashOfLong = bcryptHash(LONG, 4)

  before(async () => {
    const first = await startServer()
    dir = first.dir
    const databaseUrl = first.env.DATABASE_URL!
    await first.stop({ keepData: true })
    storage = await openStorage(databaseUrl, { migrate: false })
    const insert = (email: string | null, username: string | null, passwordHash: string) =>
      storage.users.insert({ id: uuidv7(), email, username, fullName: null, passwordHash, roles: [], active: true, now: Date.now() })
    await insert(null, 'liming', passlib('123456'))
    await insert(null, 'wangfang', passlib('a long enough password'))
    await insert('long@example.com', null, bcryptHashOfLong)
    server = await startServer({}, { dir })
  })
  after(async () => {
    await storage?.close()
    await server?.stop({ keepData: true })
    const { rmSync } = await import('node:fs')
    rmSync(dir, { recursive: true, force: true })
  })

  it('an account without an email logs in by username and its user object has email null', async () => {
    const login = await api(server.url, '/auth/login', { body: { username: 'wangfang', password: 'a long enough password' } })
    assert.equal(login.status, 200, login.text)
    assert.equal(login.body.user.email, null)
    assert.equal(login.body.password_change_required, undefined)
    const me = await api(server.url, '/auth/me', { token: login.body.access_token })
    assert.equal(me.body.email, null)
    // Several accounts without an email live side by side (the unique index holds only for addresses).
    const other = await api(server.url, '/auth/login', { body: { username: 'liming', password: '123456' } })
    assert.equal(other.status, 200, other.text)
  })

  it('a legacy password below the policy logs in, with password_change_required: true, also over Basic', async () => {
    const login = await api(server.url, '/auth/login', { body: { username: 'liming', password: '123456' } })
    assert.equal(login.status, 200, login.text)
    assert.equal(login.body.password_change_required, true)
    const basic = await api(server.url, '/auth/login', { method: 'POST', headers: { authorization: `Basic ${Buffer.from('liming:123456').toString('base64')}` } })
    assert.equal(basic.status, 200, basic.text)
    assert.equal(basic.body.password_change_required, true)
    assertProblem(await api(server.url, '/auth/login', { body: { username: 'liming', password: '12345' } }), 401, 'invalid_credentials')
    // Setting a new one keeps the policy: the short one cannot be set again.
    const change = await api(server.url, '/auth/password', { method: 'PUT', token: login.body.access_token, body: { current_password: '123456', new_password: '654321' } })
    assertProblem(change, 400, 'validation_failed')
  })

  it('a different password sharing the first 72 bytes of a bcrypt one does not lock the user out of the real one', async () => {
    const impostor = await api(server.url, '/auth/login', { body: { email: 'long@example.com', password: IMPOSTOR } })
    assert.equal(impostor.status, 200, impostor.text) // bcrypt cannot tell them apart, as in the Flask app
    assert.equal((await storage.users.findByEmail('long@example.com'))?.passwordHash, bcryptHashOfLong, 'not upgraded')
    const real = await api(server.url, '/auth/login', { body: { email: 'long@example.com', password: LONG } })
    assert.equal(real.status, 200, real.text)
  })
})
