import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runTessera } from '../helpers/cli.js'
import { api, PASSWORD } from '../helpers/client.js'
import { startServer, TEST_JWT_SECRET } from '../helpers/server.js'
import { ROOT } from '../helpers/paths.js'

/** The compiled CLI, run as `npx tessera` runs it (`npm test` builds first). */
const CLI = resolve(ROOT, 'dist/cli/main.js')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** A temp directory with its own SQLite file; commands run with it as the working directory. */
function tempDatabase(): { dir: string; url: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'))
  const url = `sqlite:${join(dir, 'tessera.db')}`
  return { dir, url, env: { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET } }
}

/** The compiled bin as a process of its own: for the tests whose subject is the process (its exit code, stdin, .env in its working directory, a second process beside a server). */
function tessera(args: string[], options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdin.end(options.stdin ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolveRun) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolveRun({ code, stdout, stderr })
    }),
  )
}

before(() => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`)
})

describe('tessera command line', () => {
  const db = tempDatabase()
  // In this process through runCli, the function the bin runs; the bin itself is tested below.
  const run = (args: string[], stdin?: string) => runTessera(args, db.env, stdin)
  after(() => rmSync(db.dir, { recursive: true, force: true }))

  it('migrate status lists the migration as pending on a new database, and migrate up applies it', async () => {
    const before = await run(['migrate', 'status', '--json'])
    assert.equal(before.code, 0, before.stderr)
    const pending = JSON.parse(before.stdout)
    assert.ok(pending.pending.length >= 1)
    assert.ok(pending.migrations.every((migration: { applied: boolean }) => !migration.applied))

    const up = await run(['migrate', 'up'])
    assert.equal(up.code, 0, up.stderr)
    assert.deepEqual(up.stdout.trim().split('\n'), pending.pending)

    const after = await run(['migrate', 'status'])
    assert.equal(after.code, 0, after.stderr)
    for (const line of after.stdout.trim().split('\n')) assert.equal(line.split('\t')[1], 'applied')
    const again = await run(['migrate', 'up', '--json'])
    assert.deepEqual(JSON.parse(again.stdout), { applied: [] })
  })

  // @see issue 13: docs/cli.md and the command disagreed about what a no-op prints.
  it('migrate up with nothing to apply prints nothing on stdout and "tessera: nothing to apply" on stderr, as docs/cli.md says', async () => {
    const noop = await run(['migrate', 'up'])
    assert.equal(noop.code, 0, noop.stderr)
    assert.equal(noop.stdout, '')
    assert.equal(noop.stderr, 'tessera: nothing to apply\n')
  })

  it('users create prints the user as one JSON document without any password or hash', async () => {
    const result = await run([
      'users', 'create', '--email', 'Admin@Example.com', '--password', PASSWORD,
      '--username', 'root', '--full-name', 'Ada Admin', '--role', 'admin', '--role', 'ops', '--json',
    ])
    assert.equal(result.code, 0, result.stderr)
    const user = JSON.parse(result.stdout)
    assert.equal(user.email, 'admin@example.com')
    assert.equal(user.username, 'root')
    assert.equal(user.full_name, 'Ada Admin')
    assert.deepEqual(user.roles, ['admin', 'ops'])
    assert.equal(user.active, true)
    assert.doesNotMatch(result.stdout, /argon2|password/i)
  })

  it('users create reads the password from stdin with --password-stdin and prints a plain line', async () => {
    const result = await run(['users', 'create', '--email', 'stdin@example.com', '--password-stdin', '--inactive'], `${PASSWORD}\n`)
    assert.equal(result.code, 0, result.stderr)
    const fields = result.stdout.trim().split('\t')
    assert.equal(fields[1], 'stdin@example.com')
    assert.equal(fields[4], 'inactive')
  })

  it('a duplicate email exits 1 with user_exists', async () => {
    const result = await run(['users', 'create', '--email', 'admin@example.com', '--password', PASSWORD])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /user_exists/)
    const json = await run(['users', 'create', '--email', 'admin@example.com', '--password', PASSWORD, '--json'])
    assert.equal(json.code, 1)
    assert.equal(JSON.parse(json.stdout).error.code, 'user_exists')
  })

  it('a short password exits 1 with validation_failed', async () => {
    const result = await run(['users', 'create', '--email', 'short@example.com', '--password', 'short'])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /validation_failed/)
  })

  it('users list filters by role and activity and pages, as the admin API does', async () => {
    const all = await run(['users', 'list', '--json'])
    assert.equal(all.code, 0, all.stderr)
    const page = JSON.parse(all.stdout)
    assert.equal(page.total, 2)
    assert.equal(page.page, 1)
    assert.equal(page.per_page, 20)
    assert.equal(JSON.stringify(page).includes('password'), false)

    const admins = await run(['users', 'list', '--role', 'admin'])
    assert.deepEqual(admins.stdout.trim().split('\n').map((line) => line.split('\t')[1]), ['admin@example.com'])
    const inactive = await run(['users', 'list', '--active', 'false', '--json'])
    assert.deepEqual(JSON.parse(inactive.stdout).data.map((user: { email: string }) => user.email), ['stdin@example.com'])
    const second = await run(['users', 'list', '--per-page', '1', '--page', '2', '--json'])
    assert.deepEqual(JSON.parse(second.stdout).data.map((user: { email: string }) => user.email), ['stdin@example.com'])
    const search = await run(['users', 'list', '--q', 'ada'])
    assert.equal(search.stdout.trim().split('\n').length, 1)
  })

  it('users set-role replaces the roles, and demoting the last admin exits 1 with last_admin', async () => {
    const demote = await run(['users', 'set-role', '--email', 'admin@example.com', '--role', 'ops'])
    assert.equal(demote.code, 1)
    assert.match(demote.stderr, /last_admin/)

    const promote = await run(['users', 'set-role', '--email', 'stdin@example.com', '--role', 'admin', '--role', 'auditor', '--json'])
    assert.equal(promote.code, 0, promote.stderr)
    assert.deepEqual(JSON.parse(promote.stdout).roles, ['admin', 'auditor'])

    // stdin@ is inactive, so admin@ is still the last active admin.
    const still = await run(['users', 'deactivate', '--email', 'admin@example.com'])
    assert.equal(still.code, 1)
    assert.match(still.stderr, /last_admin/)
  })

  // @see issue 13
  it('users show prints one user (line or JSON, never a hash); an unknown email exits 1 with user_not_found', async () => {
    const line = await run(['users', 'show', '--email', 'ADMIN@example.com'])
    assert.equal(line.code, 0, line.stderr)
    assert.deepEqual(line.stdout.trim().split('\t').slice(1), ['admin@example.com', 'root', 'admin,ops', 'active'])
    const json = await run(['users', 'show', '--email', 'admin@example.com', '--json'])
    const user = JSON.parse(json.stdout)
    assert.equal(user.email, 'admin@example.com')
    assert.ok('last_login_at' in user && 'created_at' in user)
    assert.equal(/hash|password/.test(json.stdout), false, json.stdout)
    const missing = await run(['users', 'show', '--email', 'nobody@example.com'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /user_not_found/)
  })

  // @see issue 13
  it('users activate and users delete: the last active admin cannot be deleted (exit 1, last_admin); others can be reactivated and deleted', async () => {
    const last = await run(['users', 'delete', '--email', 'admin@example.com'])
    assert.equal(last.code, 1, last.stdout)
    assert.match(last.stderr, /^tessera: last_admin: /)
    assert.equal((await run(['users', 'show', '--email', 'admin@example.com'])).code, 0, 'the admin is still there')

    const created = await run(['users', 'create', '--email', 'temp@example.com', '--password-stdin', '--role', 'admin'], PASSWORD)
    assert.equal(created.code, 0, created.stderr)
    assert.equal((await run(['users', 'deactivate', '--email', 'temp@example.com'])).code, 0)
    const activated = await run(['users', 'activate', '--email', 'temp@example.com', '--json'])
    assert.equal(activated.code, 0, activated.stderr)
    assert.equal(JSON.parse(activated.stdout).active, true)
    assert.equal(JSON.parse((await run(['users', 'show', '--email', 'temp@example.com', '--json'])).stdout).active, true)

    // Two active admins now: either may go, but not both.
    const deleted = await run(['users', 'delete', '--email', 'temp@example.com'])
    assert.equal(deleted.code, 0, deleted.stderr)
    assert.match(deleted.stdout, /\ttemp@example\.com\t/)
    const gone = await run(['users', 'show', '--email', 'temp@example.com'])
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /user_not_found/)
    assert.equal((await run(['users', 'delete', '--email', 'admin@example.com'])).code, 1)
    assert.equal((await run(['users', 'activate', '--email', 'temp@example.com'])).code, 1)
  })

  it('users set-password changes the password; an unknown email exits 1 with user_not_found', async () => {
    const result = await run(['users', 'set-password', '--email', 'stdin@example.com', '--password-stdin'], 'a brand new password\n')
    assert.equal(result.code, 0, result.stderr)
    const missing = await run(['users', 'set-password', '--email', 'nobody@example.com', '--password', PASSWORD])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /user_not_found/)
    const deactivate = await run(['users', 'deactivate', '--email', 'nobody@example.com', '--json'])
    assert.equal(deactivate.code, 1)
    assert.equal(JSON.parse(deactivate.stdout).error.code, 'user_not_found')
  })

  it('sessions prune prints how many rows it deleted', async () => {
    const text = await run(['sessions', 'prune'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^sessions\t\d+\nrevocations\t\d+\n$/)
    const json = await run(['sessions', 'prune', '--json'])
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)).sort(), ['revocations', 'sessions'])
  })

  it('--database-url overrides DATABASE_URL', async () => {
    const other = tempDatabase()
    try {
      const result = await runTessera(['users', 'list', '--json', '--database-url', other.url], db.env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(JSON.parse(result.stdout).total, 0)
      assert.ok(existsSync(join(other.dir, 'tessera.db')))
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })

  it('a bad setting exits 1 naming the variable', async () => {
    const result = await runTessera(['users', 'list'], { DATABASE_URL: 'nosuch://x' })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /invalid_config: Invalid DATABASE_URL/)
  })

  const usageErrors: Array<{ name: string; args: string[]; stderr: RegExp }> = [
    { name: 'an unknown command', args: ['frobnicate'], stderr: /unknown command/ },
    { name: 'a group without a command', args: ['users'], stderr: /users create/ },
    { name: 'an unknown flag', args: ['users', 'list', '--bogus'], stderr: /--bogus/ },
    { name: 'a missing --email', args: ['users', 'create', '--password', PASSWORD], stderr: /missing --email/ },
    { name: 'a missing password', args: ['users', 'create', '--email', 'x@example.com'], stderr: /missing --password/ },
    { name: 'a missing --role', args: ['users', 'set-role', '--email', 'x@example.com'], stderr: /missing --role/ },
    { name: 'a bad --active', args: ['users', 'list', '--active', 'maybe'], stderr: /--active/ },
    { name: 'a bad --per-page', args: ['users', 'list', '--per-page', '1000'], stderr: /--per-page/ },
    { name: 'a stray positional argument', args: ['sessions', 'prune', 'now'], stderr: /usage/ },
    { name: 'no command at all', args: [], stderr: /Usage: tessera/ },
    { name: 'import without --from', args: ['import'], stderr: /missing --from/ },
  ]
  for (const { name, args, stderr } of usageErrors) {
    it(`${name} exits 2`, async () => {
      const result = await run(args)
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, stderr)
    })
  }

  it('--help on the top level and on every command exits 0 with usage on stdout', async () => {
    const top = await run(['--help'])
    assert.equal(top.code, 0)
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+(?: [a-z-]+)?) {2,}/gm)].map((match) => match[1]!)
    assert.deepEqual(commands, [
      'serve', 'migrate up', 'migrate status', 'users create', 'users list', 'users show', 'users set-password',
      'users set-role', 'users deactivate', 'users activate', 'users delete', 'users verify-email', 'mail test', 'keys generate', 'keys rotate', 'keys list', 'sessions prune', 'import',
    ])
    for (const command of commands) {
      const help = await run([...command.split(' '), '--help'])
      assert.equal(help.code, 0, `${command}: ${help.stderr}`)
      assert.match(help.stdout, new RegExp(`^Usage: tessera ${command}`))
    }
  })
})

describe('the tessera bin, as a process', () => {
  const db = tempDatabase()
  after(() => rmSync(db.dir, { recursive: true, force: true }))

  it('exits 0 with its result on stdout, 1 on a failed operation, 2 on a wrong command line', async () => {
    const help = await tessera(['--help'])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /^Usage: tessera <command>/)
    const failed = await tessera(['users', 'list'], { env: { DATABASE_URL: 'nosuch://x' } })
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /^tessera: invalid_config: Invalid DATABASE_URL/)
    const usage = await tessera(['frobnicate'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /unknown command/)
  })

  it('users create --password-stdin reads the password from the standard input of the process', async () => {
    const created = await tessera(['users', 'create', '--email', 'piped@example.com', '--password-stdin', '--json'], { env: db.env, cwd: db.dir, stdin: `${PASSWORD}\n` })
    assert.equal(created.code, 0, created.stderr)
    // An empty or unread stdin would be a too-short password (validation_failed, exit 1).
    assert.equal(JSON.parse(created.stdout).email, 'piped@example.com')
  })

  it('reads settings from .env in the working directory, as the server does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-env-'))
    try {
      writeFileSync(join(dir, '.env'), `DATABASE_URL=sqlite:${join(dir, 'from-env.db')}\nJWT_SECRET=${TEST_JWT_SECRET}\n`)
      const result = await tessera(['users', 'list'], { cwd: dir })
      assert.equal(result.code, 0, result.stderr)
      assert.ok(existsSync(join(dir, 'from-env.db')))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('tessera command line with a running server', () => {
  it('a user created by the CLI logs in over HTTP, and users deactivate revokes their access token within the poll interval', async () => {
    const { dir, url, env } = tempDatabase()
    const server = await startServer({ DATABASE_URL: url, REVOCATION_POLL_INTERVAL: '1s' }, { dir })
    try {
      const created = await tessera(['users', 'create', '--email', 'cli@example.com', '--password-stdin'], { env, cwd: dir, stdin: PASSWORD })
      assert.equal(created.code, 0, created.stderr)

      const login = await api(server.url, '/auth/login', { body: { email: 'cli@example.com', password: PASSWORD } })
      assert.equal(login.status, 200, login.text)
      const token = login.body.access_token as string
      assert.equal((await api(server.url, '/auth/me', { token })).status, 200)

      const deactivated = await tessera(['users', 'deactivate', '--email', 'cli@example.com'], { env, cwd: dir })
      assert.equal(deactivated.code, 0, deactivated.stderr)
      const start = Date.now()
      let me = await api(server.url, '/auth/me', { token })
      while (me.status === 200 && Date.now() - start < 2500) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 100))
        me = await api(server.url, '/auth/me', { token })
      }
      assert.equal(me.status, 401, `token still accepted ${Date.now() - start} ms after deactivation`)
      assert.equal(me.body.code, 'token_revoked')
      const again = await api(server.url, '/auth/login', { body: { email: 'cli@example.com', password: PASSWORD } })
      assert.notEqual(again.status, 200)
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
