/**
 * Where a test server keeps its data, shared by the in-process harness (server.ts) and the
 * spawned one (server-process.ts): a temp directory holding the SQLite file, or, on PostgreSQL
 * or MySQL (TESSERA_TEST_BACKEND), a throw-away database whose URL the directory remembers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, testBackend, type TestDatabase } from './databases.js'

/** A known HS256 key, so tests can forge tokens (expired, wrong alg, ...) the server would otherwise sign. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789'

/** Where a data directory remembers its server database, so a restart on the same `dir` finds the same data. */
const DATABASE_URL_FILE = 'database-url'

/** Server databases made by this test process; whatever a test left behind is dropped before the process exits. */
const created = new Map<string, TestDatabase>()
process.once('beforeExit', () => {
  void Promise.allSettled([...created.values()].map((database) => database.drop())).then(() => created.clear())
})

export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-test-'))
}

/**
 * The DATABASE_URL for a server on `dir`: a SQLite file inside it, or, when
 * TESSERA_TEST_BACKEND is postgres or mysql, a fresh database whose URL is
 * kept in the directory for restarts.
 */
export async function databaseUrlFor(dir: string): Promise<string> {
  const backend = testBackend()
  if (backend === 'sqlite') return `sqlite:${join(dir, 'tessera.db')}`
  const file = join(dir, DATABASE_URL_FILE)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const database = await createTestDatabase(backend)
  created.set(database.url, database)
  writeFileSync(file, database.url)
  return database.url
}

/** The environment every test server starts from; `env` overrides any of it. */
export async function serverEnv(env: Record<string, string>, dir: string): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: env.DATABASE_URL ?? (await databaseUrlFor(dir)),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    ...env,
  }
}

/** Drops the server database made for `dir` (if any) and removes the directory. */
export async function removeDataDir(dir: string): Promise<void> {
  const file = join(dir, DATABASE_URL_FILE)
  if (existsSync(file)) {
    const database = created.get(readFileSync(file, 'utf8').trim())
    if (database) {
      await database.drop()
      created.delete(database.url)
    }
  }
  rmSync(dir, { recursive: true, force: true })
}
