// A start that cannot work says why in one stderr line and exits 1: which DATABASE_URL target
// (never its password) and the reason; WORKERS>1 on an in-memory database is refused; an
// unreachable REDIS_URL is named in a warning at start and in /health. @see issue 13
// (before: "Migration (unknown) failed" plus a cause line, and a silent start without Redis).
// This file tries PostgreSQL and MySQL/MariaDB itself, whatever TESSERA_TEST_BACKEND says.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { unavailable } from '../helpers/databases.js'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js'
import { assertRefusedAtStart, startServerExpectingFailure, startServerProcess, type RunningServer } from '../helpers/server.js'
import { api } from '../helpers/client.js'
import { ROOT } from '../helpers/paths.js'

const MAIN = resolve(ROOT, 'dist/main.js')
const SECRET = 'hunter2-never-print-me'

async function closedPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
    server.on('error', reject)
  })
}

/** Starts with `databaseUrl`, expects exit 1 and exactly one stderr line, and returns it. */
async function refusedLine(databaseUrl: string): Promise<string> {
  const { code, stderr } = await startServerExpectingFailure({ DATABASE_URL: databaseUrl, DATABASE_CONNECT_TIMEOUT: '3' })
  assert.equal(code, 1, `exit code ${code}; stderr: ${stderr}`)
  const lines = stderr.split('\n').filter((line) => line.trim() !== '')
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`)
  assert.doesNotMatch(lines[0]!, /Migration|unknown/)
  assert.ok(!lines[0]!.includes(SECRET), `the password leaked: ${lines[0]}`)
  return lines[0]!
}

const SERVERS = [
  { backend: 'postgres', label: 'PostgreSQL', scheme: 'postgres', port: 5432, user: 'postgres' },
  { backend: 'mysql', label: 'MySQL/MariaDB', scheme: 'mysql', port: 3306, user: 'root' },
] as const

for (const db of SERVERS) {
  const why = await unavailable(db.backend)
  describe(`a ${db.label} DATABASE_URL that cannot be used stops the start with one line`, { skip: why ?? false, concurrency: true }, () => {
    it('names host, port and database, and says the connection was refused, for a port nobody listens on', async () => {
      const port = await closedPort()
      const line = await refusedLine(`${db.scheme}://${db.user}:${SECRET}@127.0.0.1:${port}/tessera`)
      assert.match(line, new RegExp(`^tessera: cannot open DATABASE_URL \\(${db.label.replace('/', '\\/')} at 127\\.0\\.0\\.1:${port}, database "tessera"`))
      assert.match(line, /connection refused/)
    })

    it('says the database does not exist', async () => {
      const line = await refusedLine(`${db.scheme}://${db.user}@127.0.0.1:${db.port}/tessera_missing_${process.pid}`)
      assert.match(line, new RegExp(`127\\.0\\.0\\.1:${db.port}, database "tessera_missing_${process.pid}"`))
      assert.match(line, /the database does not exist/)
    })

    it('says authentication failed for a user that does not exist, without printing the password', async () => {
      const line = await refusedLine(`${db.scheme}://nobody_${process.pid}:${SECRET}@127.0.0.1:${db.port}/tessera`)
      assert.match(line, new RegExp(`user "nobody_${process.pid}"`))
      assert.match(line, /authentication failed/)
    })
  })
}

describe('a SQLite DATABASE_URL that cannot be used stops the start with one line', { concurrency: true }, () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-startup-'))
    writeFileSync(join(dir, 'a-file'), '')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('a path through a file names the file and the reason', async () => {
    const path = join(dir, 'a-file', 'tessera.db')
    const line = await refusedLine(`sqlite:${path}`)
    assert.ok(line.startsWith(`tessera: cannot open DATABASE_URL (SQLite file ${path}): `), line)
    assert.match(line, /not a directory/)
  })

  it('a directory given as the file says it cannot be opened', async () => {
    const line = await refusedLine(`sqlite:${dir}`)
    assert.match(line, /cannot be opened or created/)
  })

  it('a directory the server may not write to says so', async () => {
    const locked = mkdtempSync(join(dir, 'locked-'))
    chmodSync(locked, 0o555)
    // root writes anywhere: then the server runs as "nobody", for whom the directory is read-only.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
    const child = spawn(process.execPath, [MAIN], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATABASE_URL: `sqlite:${join(locked, 'tessera.db')}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...asNobody,
    })
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit))
    assert.equal(code, 1, stderr)
    const lines = stderr.split('\n').filter(Boolean)
    assert.equal(lines.length, 1, stderr)
    assert.match(lines[0]!, /^tessera: cannot open DATABASE_URL \(SQLite file .*\): .*(not writable|cannot be opened)/)
  })
})

describe('WORKERS>1 with DATABASE_URL=sqlite::memory:', () => {
  it('is refused at start with one line naming both settings', async () => {
    const line = await assertRefusedAtStart({ WORKERS: '2', DATABASE_URL: 'sqlite::memory:' }, 'WORKERS')
    assert.match(line, /DATABASE_URL=sqlite::memory:/)
  })
})

const privateRedis = await startPrivateRedis()

describe('REDIS_URL unreachable at start', { skip: privateRedis ? false : 'redis-server is not installed', timeout: 60_000 }, () => {
  let redis: PrivateRedis
  let server: RunningServer
  before(async () => {
    redis = privateRedis!
    await redis.kill()
    server = await startServerProcess({ REDIS_URL: redis.url })
  })
  after(async () => {
    await server?.stop()
    await redis?.stop()
  })

  it('starts degraded, with a warning naming REDIS_URL, its address and the reason, before "listening"', () => {
    const port = new URL(redis.url).port
    const warning = server.output.findIndex((line) => line.includes('"level":40') && line.includes('REDIS_URL') && line.includes(`127.0.0.1:${port}`))
    assert.ok(warning >= 0, `no warning:\n${server.output.join('\n')}`)
    assert.match(server.output[warning]!, /ECONNREFUSED/)
    assert.ok(warning < server.output.findIndex((line) => line.includes('"tessera listening"')))
  })

  it('names Redis in /health (503) and recovers without a restart once Redis is up', async () => {
    const down = await api(server.url, '/health')
    assert.equal(down.status, 503)
    assert.equal(down.body.checks.redis, 'error')
    assert.equal(down.body.checks.database, 'ok')
    await redis.restart()
    for (let attempt = 0; ; attempt++) {
      const health = await api(server.url, '/health')
      if (health.status === 200) {
        assert.equal(health.body.checks.redis, 'ok')
        break
      }
      assert.ok(attempt < 100, 'still 503 ten seconds after Redis came back')
      await new Promise((resolveWait) => setTimeout(resolveWait, 100))
    }
  })
})
