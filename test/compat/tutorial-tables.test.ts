// runs-on: every-database
/**
 * Every tutorial's user table, built the way the tutorial builds it (SQLite for 002 and 004,
 * MySQL/MariaDB for 001, a `mongoexport --jsonArray` file for 000 and 003), with hashes made
 * by the real Python libraries (passlib, werkzeug, bcrypt from Debian's python3 packages),
 * imported with `tessera import` as docs/migrating-from-flask.md says, then every user logs in
 * with the original password through the tutorial's own route under its profile. Tessera's
 * database is TESSERA_TEST_BACKEND's. Needs `npm run build` (the CLI runs from dist/).
 * @see issue 17
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { createConnection } from 'mysql2/promise'
import { api } from '../helpers/client.js'
import { createTestDatabase, unavailable, type TestDatabase } from '../helpers/databases.js'
import { databaseUrlFor, makeDataDir, removeDataDir } from '../helpers/server-data.js'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { tessera } from '../cli/import-fixtures.js'

// ---- hashes from the Python libraries the tutorials use ----

const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3']
const PYTHON = PYTHON_CANDIDATES.find((python) => spawnSync(python, ['-c', 'import passlib, bcrypt, werkzeug'], { stdio: 'ignore' }).status === 0)
const NO_PYTHON = PYTHON
  ? false
  : 'needs python3 with passlib, bcrypt and werkzeug (apt-get install python3-passlib python3-bcrypt python3-werkzeug): the hashes must come from the real libraries'

/** `kind` hashes of `passwords`, each made by one `python3 -c` call as the tutorial's code makes it. */
function pythonHashes(kind: 'passlib-pbkdf2-sha256' | 'werkzeug' | 'bcrypt', passwords: string[]): string[] {
  const code = {
    // 002: from passlib.hash import pbkdf2_sha256 as sha256; sha256.hash(password)
    'passlib-pbkdf2-sha256': 'from passlib.hash import pbkdf2_sha256 as h\nout = [h.hash(p) for p in pw]',
    // 001: werkzeug.security.generate_password_hash(password)
    werkzeug: 'from werkzeug.security import generate_password_hash as g\nout = [g(p) for p in pw]',
    // 000 (bcrypt.hashpw, checked with checkpw) and 004 (Flask-Bcrypt's generate_password_hash, the same call)
    bcrypt: 'import bcrypt\nout = [bcrypt.hashpw(p.encode("utf-8"), bcrypt.gensalt()).decode() for p in pw]',
  }[kind]
  const result = spawnSync(PYTHON!, ['-c', `import json, sys\npw = json.loads(sys.stdin.read())\n${code}\nprint(json.dumps(out))`], { input: JSON.stringify(passwords), encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as string[]
}

// ---- Tessera: a database per tutorial, imported into, then served with the profile ----

interface Imported {
  server: RunningServer
  report: any
}

async function importAndServe(work: string, profile: string, from: string, args: string[]): Promise<Imported> {
  const dir = makeDataDir()
  const env = { DATABASE_URL: await databaseUrlFor(dir), JWT_SECRET: TEST_JWT_SECRET, PASSWORD_HASH_CONCURRENCY: '2' }
  const run = await tessera(['import', '--from', from, '--json', ...args], env, work)
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`)
  const server = await startServer({ COMPAT_PROFILE: profile }, { dir })
  const stop = server.stop.bind(server)
  server.stop = async () => {
    await stop()
    await removeDataDir(dir)
  }
  return { server, report: JSON.parse(run.stdout) }
}

const basic = (login: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` })

describe('the tutorials\' user tables import, and every user logs in with the original password', { skip: NO_PYTHON }, () => {
  let work: string
  before(() => (work = mkdtempSync(join(tmpdir(), 'tessera-tutorials-'))))
  after(() => rmSync(work, { recursive: true, force: true }))

  describe('002: SQLite users(id, username, password) with passlib pbkdf2_sha256, no email', () => {
    const users = [
      { username: 'liming', password: '123456' },
      { username: '李明', password: '密码是一二三四五六' },
      { username: 'user_2', password: 'correct horse battery' },
    ]
    let imported: Imported
    before(async () => {
      const path = join(work, 'app-002.db')
      const db = new SQLite(path)
      // db.create_all() of the tutorial's UserModel
      db.exec('CREATE TABLE users (id INTEGER NOT NULL, username VARCHAR(120) NOT NULL, password VARCHAR(120) NOT NULL, PRIMARY KEY (id), UNIQUE (username))')
      const hashes = pythonHashes('passlib-pbkdf2-sha256', users.map((user) => user.password))
      users.forEach((user, i) => db.prepare('INSERT INTO users (username, password) VALUES (?, ?)').run(user.username, hashes[i]))
      db.close()
      imported = await importAndServe(work, 'flask-jwt-extended', `sqlite:///${path}`, [])
    })
    after(() => imported?.server.stop())

    it('imports every row, as accounts without an email', () => {
      assert.equal(imported.report.imported, users.length, JSON.stringify(imported.report))
    })

    it('each logs in through POST /login; the 6-character one is told to change it', async () => {
      for (const user of users) {
        const login = await api(imported.server.url, '/login', { body: { username: user.username, password: user.password } })
        assert.equal(login.status, 200, `${user.username}: ${login.text}`)
        assert.equal(login.body.message, `Logged in as ${user.username}`)
        const me = await api(imported.server.url, '/auth/me', { token: login.body.access_token })
        assert.equal(me.body.email, null)
        const own = await api(imported.server.url, '/auth/login', { body: { username: user.username, password: user.password } })
        assert.equal(own.body.password_change_required, user.password.length < 8 ? true : undefined, user.username)
      }
      assert.equal((await api(imported.server.url, '/login', { body: { username: 'liming', password: '654321' } })).status, 401)
    })
  })

  describe('004: SQLite table user with Flask-Bcrypt hashes, admin flag and registered_on', () => {
    const long = `${'x'.repeat(72)}-and-the-real-end`
    const users = [
      { email: 'example@gmail.com', username: 'username', password: '123456', admin: 0 },
      { email: 'admin@gmail.com', username: 'admin', password: 'admin-password', admin: 1 },
      { email: 'hong@example.kr', username: '홍길동', password: '비밀번호입니다', admin: 0 },
      { email: 'long@example.com', username: 'long', password: long, admin: 0 },
    ]
    let imported: Imported
    before(async () => {
      const path = join(work, 'app-004.db')
      const db = new SQLite(path)
      // flask db upgrade of the boilerplate's User model
      db.exec(`CREATE TABLE user (id INTEGER NOT NULL, email VARCHAR(255) NOT NULL, registered_on DATETIME NOT NULL, admin BOOLEAN NOT NULL,
        public_id VARCHAR(100), username VARCHAR(50), password_hash VARCHAR(100), PRIMARY KEY (id), UNIQUE (email), UNIQUE (public_id), UNIQUE (username), CHECK (admin IN (0, 1)))`)
      const hashes = pythonHashes('bcrypt', users.map((user) => user.password))
      users.forEach((user, i) =>
        db
          .prepare('INSERT INTO user (email, registered_on, admin, public_id, username, password_hash) VALUES (?, ?, ?, ?, ?, ?)')
          .run(user.email, '2018-11-12 19:30:00.123456', user.admin, `public-${i}`, user.username, hashes[i]),
      )
      db.close()
      imported = await importAndServe(work, 'flask-restplus-boilerplate', `sqlite:///${path}`, ['--table', 'user'])
    })
    after(() => imported?.server.stop())

    it('imports every row; the admin flag becomes the admin role', async () => {
      assert.equal(imported.report.imported, users.length, JSON.stringify(imported.report))
      const admin = await api(imported.server.url, '/auth/login', { body: { email: 'admin@gmail.com', password: 'admin-password' } })
      assert.deepEqual(admin.body.user.roles, ['admin'])
    })

    it('each logs in through POST /auth/login and gets an Authorization token', async () => {
      for (const user of users) {
        const login = await api(imported.server.url, '/auth/login', { body: { email: user.email, password: user.password } })
        assert.equal(login.status, 200, `${user.email}: ${login.text}`)
        assert.equal(login.body.status, 'success')
        assert.ok(login.body.Authorization)
      }
    })

    it('a different password sharing the first 72 bytes does not lock the user out of the real one', async () => {
      const impostor = `${'x'.repeat(72)}-something-else`
      // bcrypt cannot tell them apart, so the imposter's login succeeds as it did in Flask...
      assert.equal((await api(imported.server.url, '/auth/login', { body: { email: 'long@example.com', password: impostor } })).status, 200)
      // ...but the hash was not upgraded to argon2id of the imposter's password: the real one still works.
      const real = await api(imported.server.url, '/auth/login', { body: { email: 'long@example.com', password: long } })
      assert.equal(real.status, 200, real.text)
    })
  })

  describe('001: MySQL/MariaDB users(id, username, password, name, email, created_on) with werkzeug hashes', () => {
    const users = [
      { username: 'hastur', name: 'Hastur', email: 'hastur@beco.com', password: '123456' },
      { username: 'josé', name: 'José', email: 'jose@beco.com', password: 'senha-do-josé' },
    ]
    let source: TestDatabase | undefined
    let imported: Imported | undefined
    let skip: string | undefined
    before(async () => {
      skip = await unavailable('mysql')
      if (skip) return
      source = await createTestDatabase('mysql')
      const connection = await createConnection({ uri: source.url })
      // db.create_all() of the tutorial's Users model on MySQL (mysqlclient)
      await connection.query(`CREATE TABLE users (id INTEGER NOT NULL AUTO_INCREMENT, username VARCHAR(20) NOT NULL, password VARCHAR(200) NOT NULL,
        name VARCHAR(20) NOT NULL, email VARCHAR(20) NOT NULL, created_on DATETIME, PRIMARY KEY (id), UNIQUE (username), UNIQUE (name), UNIQUE (email))`)
      const hashes = pythonHashes('werkzeug', users.map((user) => user.password))
      for (const [i, user] of users.entries()) {
        await connection.query('INSERT INTO users (username, password, name, email, created_on) VALUES (?, ?, ?, ?, ?)', [user.username, hashes[i], user.name, user.email, '2022-02-08 01:00:00'])
      }
      await connection.end()
      imported = await importAndServe(work, 'pyjwt-basic', source.url.replace(/^mysql:/, 'mysql+pymysql:'), [])
    })
    after(async () => {
      await imported?.server.stop()
      await source?.drop()
    })

    it('imports every row and each logs in with Basic on POST /auth, then reads themself with ?token=', async (t) => {
      if (skip) return t.skip(`MySQL/MariaDB: ${skip}`)
      assert.equal(imported!.report.imported, users.length, JSON.stringify(imported!.report))
      for (const user of users) {
        const auth = await api(imported!.server.url, '/auth', { method: 'POST', headers: basic(user.username, user.password) })
        assert.equal(auth.status, 200, `${user.username}: ${auth.text}`)
        const me = await api(imported!.server.url, `/auth/me?token=${encodeURIComponent(auth.body.token)}`)
        assert.equal(me.status, 200, me.text)
        const own = await api(imported!.server.url, `/users/${me.body.id}?token=${encodeURIComponent(auth.body.token)}`)
        assert.equal(own.body.data.name, user.name)
        assert.equal(own.body.data.created_on, '2022-02-08T01:00:00.000Z')
      }
    })
  })

  describe('000: mongoexport of the MongoEngine users collection with bcrypt hashes', () => {
    const users = [
      { email: 'teste@teste.com', full_name: 'teste sobrenome', cpf_cnpj: '123456', password: '123456', active: true, admin: true },
      { email: 'joao@exemplo.com', full_name: 'João da Silva', cpf_cnpj: '98765432100', password: 'senha123', active: true, admin: false },
      { email: 'inativo@exemplo.com', full_name: 'Inativo', cpf_cnpj: '1', password: 'senha-inativa', active: false, admin: false },
    ]
    let imported: Imported
    before(async () => {
      const hashes = pythonHashes('bcrypt', users.map((user) => user.password))
      // mongoexport --collection users --jsonArray: Extended JSON for ids and dates
      const documents = users.map(({ password: _password, ...user }, i) => ({
        _id: { $oid: `5bbeaf52fb5d1b0a32466c9${i}` },
        ...user,
        password: hashes[i],
        created: { $date: '2018-10-17T22:11:04.000Z' },
      }))
      writeFileSync(join(work, 'users-000.json'), JSON.stringify(documents))
      imported = await importAndServe(work, 'flask-jwt-extended-admin', './users-000.json', ['--map', 'created_at=created'])
    })
    after(() => imported?.server.stop())

    it('imports every document, keeping the admin and active flags and the creation date', () => {
      assert.equal(imported.report.imported, users.length, JSON.stringify(imported.report))
    })

    it('each active user logs in through POST /auth; the inactive one is refused', async () => {
      for (const user of users) {
        const auth = await api(imported.server.url, '/auth', { body: { email: user.email, password: user.password } })
        if (!user.active) {
          assert.equal(auth.status, 403, auth.text)
          assert.equal(auth.body.code, 'account_disabled')
          continue
        }
        assert.equal(auth.status, 200, `${user.email}: ${auth.text}`)
        assert.equal(auth.body.data.full_name, user.full_name)
        assert.ok(auth.body.token && auth.body.refresh)
      }
      const admin = await api(imported.server.url, '/auth', { body: { email: 'teste@teste.com', password: '123456' } })
      const listed = await api(imported.server.url, '/admin/users/1', { token: admin.body.token })
      assert.equal(listed.status, 200, listed.text)
      const users000 = await api(imported.server.url, `/admin/users/${admin.body.data.id}`, { token: admin.body.token })
      assert.equal(users000.body.created_at, '2018-10-17T22:11:04.000Z')
    })
  })

  describe('003: mongoexport of the users collection with plaintext passwords and no email', () => {
    const users = [
      { id: '1', username: 'user01', password: 'password01' },
      { id: '2', username: 'ホロライブ', password: 'パスワード' },
    ]
    let imported: Imported
    before(async () => {
      const documents = users.map((user, i) => ({ _id: { $oid: `5fe1aca6d53eaa62c5f8c75${i}` }, ...user }))
      writeFileSync(join(work, 'users-003.json'), JSON.stringify(documents))
      imported = await importAndServe(work, 'flask-jwt', './users-003.json', ['--passwords', 'plaintext'])
    })
    after(() => imported?.server.stop())

    it('imports every document, hashing the plaintext with argon2id', () => {
      assert.equal(imported.report.imported, users.length, JSON.stringify(imported.report))
      assert.equal(imported.report.plaintext_hashed, users.length)
    })

    it('each logs in through POST /auth and calls a protected route with Authorization: JWT', async () => {
      for (const user of users) {
        const auth = await api(imported.server.url, '/auth', { body: { username: user.username, password: user.password } })
        assert.equal(auth.status, 200, `${user.username}: ${auth.text}`)
        const me = await api(imported.server.url, '/auth/me', { headers: { authorization: `JWT ${auth.body.access_token}` } })
        assert.equal(me.status, 200, me.text)
        assert.equal(me.body.username, user.username)
        assert.equal(me.body.email, null)
      }
    })
  })
})
