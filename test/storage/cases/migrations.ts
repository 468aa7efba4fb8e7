import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { extname, resolve } from 'node:path'
import { sql } from 'kysely'
import { connect } from '../../../src/storage/connect.js'
import { SQLITE_CAPABILITIES } from '../../../src/storage/dialects/sqlite.js'
import { createMigrations, migrateToLatest } from '../../../src/storage/migrations/index.js'
import { openStorage } from '../../../src/storage/index.js'
import type { Suite } from './suite.js'

// The fixture as this file is: the .ts beside test/storage/cases/ (run through tsx, as a named file
// is), or its compiled .js beside .test-build/test/storage/cases/ (plain node, as npm test runs).
const MIGRATE_TOGETHER = resolve(import.meta.dirname, `../fixtures/migrate-together${extname(import.meta.filename)}`)
const LOADER = MIGRATE_TOGETHER.endsWith('.ts') ? ['--import', 'tsx'] : []

/** One migrating process (fixtures/migrate-together.ts): `ready` once connected, `go()` to migrate, `done` with its output. */
function startMigratingProcess(databaseUrl: string) {
  const child = spawn(process.execPath, [...LOADER, MIGRATE_TOGETHER], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveDone) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolveDone({ code, stdout, stderr })
    }),
  )
  const ready = new Promise<void>((resolveReady) =>
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      if (stdout.startsWith('ready\n')) resolveReady()
    }),
  )
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdin.on('error', () => undefined) // a process that died before `go` is reported by its exit code
  return { ready: Promise.race([ready, done.then(() => undefined)]), go: () => child.stdin.end('go\n'), done }
}

export function describeMigrations(suite: Suite): void {
  it('running migrateToLatest again on a migrated database applies nothing and fails nothing', async () => {
    const connection = await connect(suite.url)
    try {
      const again = await migrateToLatest(connection.db, connection.capabilities)
      assert.equal(again.error, undefined)
      assert.deepEqual(again.results, [])
    } finally {
      await connection.close()
    }
  })

  it('a second instance opening the same database migrates nothing and sees the same data', async () => {
    const other = await openStorage(suite.url)
    try {
      await suite.storage.settings.getOrInsert('migration-probe', 'one')
      assert.equal(await other.settings.get('migration-probe'), 'one')
    } finally {
      await other.close()
    }
  })

  it('four processes migrating one new database at once apply each migration exactly once, and all start', async () => {
    const database = await suite.dialect.create()
    try {
      // Every process connects first; once all are connected, all are told to migrate at once.
      const processes = Array.from({ length: 4 }, () => startMigratingProcess(database.url))
      await Promise.all(processes.map((migrating) => migrating.ready))
      for (const migrating of processes) migrating.go()
      const runs = await Promise.all(processes.map((migrating) => migrating.done))
      assert.deepEqual(runs.filter((run) => run.code !== 0).map((run) => run.stderr), [])
      const applied = runs.flatMap((run) => JSON.parse(run.stdout.trim().split('\n').pop()!) as string[])
      const everyMigration = Object.keys(createMigrations(SQLITE_CAPABILITIES))
      assert.deepEqual(applied.sort(), everyMigration.sort())
    } finally {
      await database.drop()
    }
  })

  it('ping answers', async () => {
    await suite.storage.ping()
  })

  it('the statement timeout is set on the connection (DATABASE_STATEMENT_TIMEOUT, default 5 s)', { skip: suite.dialect.statementTimeoutQuery ? false : 'no statement timeout on this dialect' }, async () => {
    const result = await sql.raw<Record<string, unknown>>(suite.dialect.statementTimeoutQuery!).execute(suite.storage.db)
    const value = String(Object.values(result.rows[0]!)[0])
    assert.ok(value === '5s' || Number(value) === 5, `statement timeout ${value}`)
  })
}
