// tessera import: Flask users tables (SQLite, PostgreSQL, MySQL, JSON, CSV) into Tessera, then logged in over HTTP. @see issue 8
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { openStorage } from '../../src/storage/index.js'
import type { UserRecord } from '../../src/storage/users.js'
import { api } from '../helpers/client.js'
import { createTestDatabase, unavailable, type TestDatabase } from '../helpers/databases.js'
import { runTessera } from '../helpers/cli.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import {
  BCRYPT_VECTOR, flaskUsers, PLAINTEXT_USERS, tessera, writeCsvExport, writeJsonExport, writeMysqlApp, writePostgresApp,
  writeSqliteApp, type FlaskUser, type Run,
} from './import-fixtures.js'
import { ROOT } from '../helpers/paths.js'

const CLI = resolve(ROOT, 'dist/cli/main.js')
const USERS = flaskUsers()

/** A temp directory holding the Flask app's `app.db` and Tessera's own SQLite database. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'))
  const url = `sqlite:${join(dir, 'tessera.db')}`
  const appDb = join(dir, 'app.db')
  writeSqliteApp(appDb, USERS)
  const env = { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET, PASSWORD_HASH_CONCURRENCY: '2' }
  return {
    dir, url, appDb, env,
    /** `tessera import …args` in this process (runCli), as most tests need. */
    run: (args: string[]) => runTessera(['import', ...args], env),
    /** The same as a process of its own, for what only a process can be given (its TZ). */
    spawn: (args: string[], extra: Record<string, string>) => tessera(['import', ...args], { ...env, ...extra }, dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

function json(run: Run): any {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

/** The counts a full import of `users` into an empty Tessera gives, from each fixture's `expect`. */
function expectedCounts(users: FlaskUser[]) {
  const count = (status: string) => users.filter((user) => user.expect.status === status).length
  const formats: Record<string, number> = {}
  for (const user of users) if (user.expect.format) formats[user.expect.format] = (formats[user.expect.format] ?? 0) + 1
  return {
    rows: users.length, imported: count('imported'), skipped_duplicate: count('skipped_duplicate'), skipped_invalid: count('skipped_invalid'),
    unknown_hash_format: count('unknown_hash_format'), plaintext_hashed: 0, formats,
  }
}

function countsOf(report: any) {
  const { rows, imported, skipped_duplicate, skipped_invalid, unknown_hash_format, plaintext_hashed, formats } = report
  return { rows, imported, skipped_duplicate, skipped_invalid, unknown_hash_format, plaintext_hashed, formats }
}

async function storedUsers(url: string): Promise<Map<string | null, UserRecord>> {
  const storage = await openStorage(url, { migrate: false })
  try {
    const { users } = await storage.users.list({ limit: 10_000, offset: 0 })
    return new Map(users.map((user) => [user.email, user]))
  } finally {
    await storage.close()
  }
}

before(() => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`)
})

describe('tessera import from a Flask SQLite database', () => {
  const space = workspace()
  after(space.remove)

  it('keeps every known hash as it is and reports duplicates, invalid rows and unknown formats with their row', async () => {
    const startedAt = Date.now()
    const report = json(await space.run(['--from', `sqlite:${space.appDb}`, '--json']))
    assert.deepEqual(countsOf(report), expectedCounts(USERS))
    assert.equal(report.dry_run, false)
    assert.deepEqual(report.mapping, {
      email: 'email', username: 'username', password: 'password_hash', full_name: null, admin: 'admin', active: 'active', created_at: 'created_at',
    })
    const skipped = report.skipped.map((row: any) => [row.row, row.id, row.status])
    const expected = USERS.flatMap((user, index) => (user.expect.status === 'imported' ? [] : [[index + 1, String(index + 1), user.expect.status]]))
    assert.deepEqual(skipped, expected)
    assert.doesNotMatch(JSON.stringify(report), /\$2a\$|pbkdf2:|scrypt:|\$argon2/, 'the report never holds a hash')

    const stored = await storedUsers(space.url)
    assert.equal(stored.size, expectedCounts(USERS).imported)
    for (const user of USERS.filter((candidate) => candidate.expect.status === 'imported')) {
      const record = stored.get(user.email.trim().toLowerCase())
      assert.ok(record, `${user.email} imported`)
      assert.equal(record.passwordHash, user.password_hash, `${user.email}: hash kept as it was`)
      assert.equal(record.username, user.username)
      assert.deepEqual(record.roles, user.admin ? ['admin'] : [])
      assert.equal(record.active, user.active)
    }
    assert.equal(stored.get('pat@example.com')!.createdAt, Date.parse('2023-01-15T10:20:30.123Z'))
    assert.equal(stored.get('wendy@example.com')!.createdAt, 1_700_000_000_000)
    assert.equal(stored.get('sam@example.com')!.createdAt, 1_700_000_000_123)
    assert.equal(stored.get('bea@example.com')!.createdAt, Date.parse('2024-02-29T12:00:00Z'))
    assert.ok(stored.get('ari@example.com')!.createdAt >= startedAt, 'no created_at: the import time')
  })

  it('a second run imports nothing new and overwrites no one', async () => {
    const before = await storedUsers(space.url)
    const report = json(await space.run(['--from', `sqlite:${space.appDb}`, '--json']))
    assert.equal(report.imported, 0)
    assert.equal(report.skipped_duplicate, expectedCounts(USERS).imported + expectedCounts(USERS).skipped_duplicate)
    assert.deepEqual(await storedUsers(space.url), before)
  })

  it('--passwords plaintext hashes a plaintext column with argon2id during the import and flags those users', async () => {
    const report = json(await space.run(['--from', `sqlite:${space.appDb}`, '--table', 'plain_users', '--passwords', 'plaintext', '--json']))
    assert.equal(report.imported, PLAINTEXT_USERS.length)
    assert.equal(report.plaintext_hashed, PLAINTEXT_USERS.length)
    assert.deepEqual(report.formats, { plaintext: PLAINTEXT_USERS.length })
    assert.equal(report.mapping.password, 'password')
    assert.equal(report.mapping.admin, 'is_admin')
    assert.deepEqual(report.warnings.map((warning: any) => [warning.row, warning.email]), [[3, 'tim@example.com']])
    assert.doesNotMatch(JSON.stringify(report), /plain-password/)

    const stored = await storedUsers(space.url)
    for (const user of PLAINTEXT_USERS) {
      const record = stored.get(user.email)!
      assert.match(record.passwordHash, /^\$argon2id\$/)
      assert.equal(record.passwordHash.includes(user.password), false)
    }
    assert.deepEqual(stored.get('peter@example.com')!.roles, ['admin'])
  })

  it('without --passwords plaintext, a plaintext column is reported as unknown hash formats and nothing is imported', async () => {
    const other = workspace()
    try {
      const report = json(await other.run(['--from', `sqlite:${other.appDb}`, '--table', 'plain_users', '--json']))
      assert.equal(report.imported, 0)
      assert.equal(report.unknown_hash_format, PLAINTEXT_USERS.length)
    } finally {
      other.remove()
    }
  })

  it('--query reads what a SELECT returns instead of a table', async () => {
    const other = workspace()
    try {
      const report = json(await other.run(['--from', `sqlite:${other.appDb}`, '--query', 'SELECT * FROM users WHERE admin = 1', '--json']))
      assert.equal(report.rows, 1)
      assert.equal(report.imported, 1)
      assert.deepEqual([...(await storedUsers(other.url)).keys()], ['pat@example.com'])
    } finally {
      other.remove()
    }
  })
})

describe('tessera import --dry-run and the human report', () => {
  const space = workspace()
  after(space.remove)

  it('prints the mapping, the counts and each skipped row as lines, and writes nothing', async () => {
    const run = await space.run(['--from', `sqlite:///${space.appDb}`, '--dry-run'])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    const counts = expectedCounts(USERS)
    assert.ok(lines.includes('mapping\temail=email username=username password=password_hash full_name=- admin=admin active=active created_at=created_at'))
    assert.ok(lines.includes('dry_run\tnothing was written'))
    assert.ok(lines.includes(`would_import\t${counts.imported}`))
    assert.ok(lines.includes(`skipped_duplicate\t${counts.skipped_duplicate}`))
    assert.ok(lines.includes(`unknown_hash_format\t${counts.unknown_hash_format}`))
    assert.ok(lines.includes('format\tbcrypt\t2'))
    const duplicateRow = USERS.findIndex((user) => user.expect.status === 'skipped_duplicate') + 1
    assert.ok(lines.some((line) => line.startsWith(`skipped\trow ${duplicateRow}\t${duplicateRow}\tskipped_duplicate\tpat@example.com\t`)), run.stdout)
    assert.equal((await storedUsers(space.url)).size, 0)
  })

  it('--dry-run --json gives the counts a real import gives', async () => {
    const report = json(await space.run(['--from', `sqlite:${space.appDb}`, '--dry-run', '--json']))
    assert.equal(report.dry_run, true)
    assert.deepEqual(countsOf(report), expectedCounts(USERS))
    assert.equal((await storedUsers(space.url)).size, 0)
  })
})

describe('tessera import from exports', () => {
  it('imports a JSON export with other column names through a mapping file', async () => {
    const space = workspace()
    try {
      writeJsonExport(join(space.dir, 'users.json'), USERS)
      writeFileSync(join(space.dir, 'mapping.json'), JSON.stringify({ username: 'login', email: 'email_address', password: 'pw', created_at: 'joined' }))
      const report = json(await space.run(['--from', join(space.dir, 'users.json'), '--mapping', join(space.dir, 'mapping.json'), '--json']))
      assert.deepEqual(countsOf(report), expectedCounts(USERS))
      assert.equal(report.mapping.admin, 'is_admin')
      assert.equal(report.mapping.active, 'enabled')
      const stored = await storedUsers(space.url)
      assert.deepEqual(stored.get('pat@example.com')!.roles, ['admin'])
      assert.equal(stored.get('olga@example.com')!.active, false)
      assert.equal(stored.get('wendy@example.com')!.createdAt, 1_700_000_000_000)
    } finally {
      space.remove()
    }
  })

  it('imports a CSV export (t/f flags, empty for NULL), with --map overriding a default', async () => {
    const space = workspace()
    try {
      writeCsvExport(join(space.dir, 'users.csv'), USERS)
      const report = json(await space.run(['--from', join(space.dir, 'users.csv'), '--map', 'username=', '--json']))
      assert.deepEqual(countsOf(report), {
        ...expectedCounts(USERS),
        imported: expectedCounts(USERS).imported + 1, // "bad name" is only a bad username, and usernames are left out
        skipped_invalid: expectedCounts(USERS).skipped_invalid - 1,
        formats: { ...expectedCounts(USERS).formats, bcrypt: 3 },
      })
      assert.equal(report.mapping.username, null)
      const stored = await storedUsers(space.url)
      assert.equal(stored.get('pat@example.com')!.username, null)
      assert.equal(stored.get('olga@example.com')!.active, false)
      assert.equal(stored.get('pat@example.com')!.createdAt, Date.parse('2023-01-15T10:20:30.123Z'))
    } finally {
      space.remove()
    }
  })
})

for (const backend of ['postgres', 'mysql'] as const) {
  const skip = await unavailable(backend)
  if (skip) console.log(`tessera import from ${backend}: skipped: ${skip}`)

  describe(`tessera import from ${backend}`, { skip: skip ?? false }, () => {
    let source: TestDatabase | undefined
    const space = workspace()
    before(async () => {
      source = await createTestDatabase(backend)
      await (backend === 'postgres' ? writePostgresApp : writeMysqlApp)(source.url, USERS)
    })
    after(async () => {
      await source?.drop()
      space.remove()
    })

    it('imports the users table with the same counts, booleans and dates as from SQLite, zoneless times as UTC', async () => {
      // A zone far from UTC, so a DATETIME read as local time would be off by hours; a process, to have its own TZ.
      const report = json(await space.spawn(['--from', source!.url, '--json'], { TZ: 'America/New_York' }))
      assert.deepEqual(countsOf(report), expectedCounts(USERS))
      const stored = await storedUsers(space.url)
      assert.deepEqual(stored.get('pat@example.com')!.roles, ['admin'])
      assert.equal(stored.get('olga@example.com')!.active, false)
      assert.equal(stored.get('pat@example.com')!.createdAt, Date.parse('2023-01-15T10:20:30.123Z'))
      assert.equal(stored.get('sam@example.com')!.passwordHash, USERS[2]!.password_hash)
      const again = json(await space.run(['--from', source!.url, '--json']))
      assert.equal(again.imported, 0)
    })

    it('a missing table exits 1 with source_unreadable', async () => {
      const run = await space.run(['--from', source!.url, '--table', 'members'])
      assert.equal(run.code, 1)
      assert.match(run.stderr, /source_unreadable/)
    })
  })
}

describe('tessera import failures', () => {
  const space = workspace()
  after(space.remove)
  writeFileSync(join(space.dir, 'broken.json'), '{"users": [')
  writeFileSync(join(space.dir, 'no-email.csv'), 'id,username,password_hash\n1,ann,x\n')
  // Username-only tables import (issue 17); a table with neither an email nor a username cannot.
  writeFileSync(join(space.dir, 'no-login.csv'), 'id,full_name,password_hash\n1,Ann,x\n')
  writeFileSync(join(space.dir, 'bad-mapping.json'), JSON.stringify({ mail: 'email' }))

  const failures: Array<{ name: string; args: string[]; code: string }> = [
    { name: 'a SQLite file that does not exist', args: ['--from', 'sqlite:/nonexistent/app.db'], code: 'source_unreadable' },
    { name: 'a table that does not exist', args: ['--from', `sqlite:${space.appDb}`, '--table', 'members'], code: 'source_unreadable' },
    { name: 'a query that fails', args: ['--from', `sqlite:${space.appDb}`, '--query', 'SELECT nope FROM users'], code: 'source_unreadable' },
    { name: 'an export that is not JSON', args: ['--from', join(space.dir, 'broken.json')], code: 'source_unreadable' },
    { name: 'an unreachable PostgreSQL server', args: ['--from', 'postgres://nobody:secret@127.0.0.1:1/app'], code: 'source_unreadable' },
    { name: 'a --map naming a column the source lacks', args: ['--from', `sqlite:${space.appDb}`, '--map', 'email=email_address'], code: 'mapping_invalid' },
    { name: 'a mapping file with an unknown field', args: ['--from', `sqlite:${space.appDb}`, '--mapping', join(space.dir, 'bad-mapping.json')], code: 'mapping_invalid' },
    { name: 'a source with neither an email nor a username column', args: ['--from', join(space.dir, 'no-login.csv')], code: 'mapping_invalid' },
  ]
  for (const { name, args, code } of failures) {
    it(`${name} exits 1 with ${code}, before Tessera's database is touched`, async () => {
      const run = await space.run([...args, '--json'])
      assert.equal(run.code, 1, run.stderr)
      assert.match(run.stderr, new RegExp(`tessera: ${code}: `))
      assert.equal(JSON.parse(run.stdout).error.code, code)
      assert.doesNotMatch(run.stderr + run.stdout, /secret/, 'a password in a URL is never printed')
      assert.equal(existsSync(join(space.dir, 'tessera.db')), false)
    })
  }

  const usage: Array<{ name: string; args: string[]; stderr: RegExp }> = [
    { name: 'no --from', args: [], stderr: /missing --from/ },
    { name: 'a --from of no known kind', args: ['--from', 'ftp://example.com/users'], stderr: /--from/ },
    { name: 'a bad --passwords', args: ['--from', `sqlite:${space.appDb}`, '--passwords', 'md5'], stderr: /--passwords/ },
    { name: '--table for a CSV file', args: ['--from', join(space.dir, 'no-email.csv'), '--table', 'users'], stderr: /SQL sources/ },
    { name: '--table with --query', args: ['--from', `sqlite:${space.appDb}`, '--table', 'users', '--query', 'SELECT 1'], stderr: /not both/ },
    { name: 'a --table that is not a name', args: ['--from', `sqlite:${space.appDb}`, '--table', 'users; drop table users'], stderr: /--table/ },
    { name: 'a --map without =', args: ['--from', `sqlite:${space.appDb}`, '--map', 'email'], stderr: /--map/ },
    { name: 'a --map of an unknown field', args: ['--from', `sqlite:${space.appDb}`, '--map', 'mail=email'], stderr: /--map/ },
    { name: 'an unknown flag', args: ['--from', `sqlite:${space.appDb}`, '--overwrite'], stderr: /--overwrite/ },
  ]
  for (const { name, args, stderr } of usage) {
    it(`${name} exits 2`, async () => {
      const run = await space.run(args)
      assert.equal(run.code, 2, run.stderr)
      assert.match(run.stderr, stderr)
    })
  }
})

describe('tessera import in batches', () => {
  it('imports 1,200 rows across several transactions, and a second run finds them all', async () => {
    const space = workspace()
    try {
      const many = join(space.dir, 'many.db')
      const db = new SQLite(many)
      db.exec('create table users (id integer primary key, email text, password_hash text)')
      const insert = db.prepare('insert into users (email, password_hash) values (?, ?)')
      db.transaction(() => {
        for (let i = 1; i <= 1200; i++) insert.run(`user${i}@example.com`, BCRYPT_VECTOR.hash)
      })()
      db.close()
      const report = json(await space.run(['--from', `sqlite:${many}`, '--json']))
      assert.equal(report.imported, 1200)
      assert.equal((await storedUsers(space.url)).size, 1200)
      const again = json(await space.run(['--from', `sqlite:${many}`, '--json']))
      assert.equal(again.skipped_duplicate, 1200)
    } finally {
      space.remove()
    }
  })
})

describe('imported users log in over HTTP', () => {
  const space = workspace()
  let server: RunningServer
  const login = (email: string, password: string) => api(server.url, '/auth/login', { body: { email, password } })

  before(async () => {
    json(await space.run(['--from', `sqlite:${space.appDb}`, '--json']))
    json(await space.run(['--from', `sqlite:${space.appDb}`, '--table', 'plain_users', '--passwords', 'plaintext', '--json']))
    server = await startServer({ DATABASE_URL: space.url }, { dir: space.dir })
  })
  after(async () => {
    await server?.stop()
    space.remove()
  })

  it('users whose plaintext passwords were hashed during the import log in with them now', async () => {
    for (const user of PLAINTEXT_USERS.filter((candidate) => candidate.password.length >= 8)) {
      const response = await login(user.email, user.password)
      assert.equal(response.status, 200, `${user.email}: ${response.text}`)
      assert.deepEqual(response.body.user.roles, user.is_admin ? ['admin'] : [])
    }
    assertProblem(await login('paula@example.com', 'not paula-plain-password'), 401, 'invalid_credentials')
  })

  it('a user imported with an argon2 hash logs in with the old password', async () => {
    const ari = USERS.find((user) => user.expect.format === 'argon2')!
    assert.equal((await login(ari.email, ari.expect.password!)).status, 200)
    assertProblem(await login(ari.email, 'wrong argon2 password'), 401, 'invalid_credentials')
  })

  const legacy = USERS.filter((user) => user.expect.status === 'imported' && user.expect.format !== 'argon2')
  for (const user of legacy) {
    const email = user.email.trim().toLowerCase()
    it(`a ${user.expect.format} user (${email}) logs in with the old password, and the stored hash becomes argon2id`, async () => {
      const response = await login(email, user.expect.password!)
      if (user.active) {
        assert.equal(response.status, 200, response.text)
        assert.match((await storedUsers(space.url)).get(email)!.passwordHash, /^\$argon2id\$/)
        assert.equal((await login(email, user.expect.password!)).status, 200, 'the old password still works after the upgrade')
      } else {
        assertProblem(response, 403, 'account_disabled')
      }
    })
    it(`a ${user.expect.format} user (${email}) with a wrong password gets invalid_credentials`, async () => {
      assertProblem(await login(email, `${user.expect.password!}-wrong`), 401, 'invalid_credentials')
    })
  }
})
