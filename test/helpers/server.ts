import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createTestDatabase, testBackend, type TestDatabase } from './databases.js'

/** The compiled server, started exactly as `npm start` starts it (`npm test` builds first). */
const MAIN = resolve(import.meta.dirname, '../../dist/main.js')

/** A known HS256 key, so tests can forge tokens (expired, wrong alg, ...) the server would otherwise sign. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789'

export interface RunningServer {
  url: string
  /**
   * The temp directory holding the SQLite file (or, on PostgreSQL/MySQL, the
   * URL of this server's database); removed by `stop()`.
   */
  dir: string
  env: Record<string, string>
  /** Every line the server wrote to stdout/stderr so far. */
  output: string[]
  process: ChildProcess
  /** SIGTERM and wait; removes the temp directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>
  /** SIGKILL and wait (crash tests); keeps the data directory. */
  kill(): Promise<void>
}

/** How long a SIGTERMed server may take to shut down before stop() kills it and fails. */
const STOP_TIMEOUT_MS = 15_000

/** Where a data directory remembers its server database, so a restart on the same `dir` finds the same data. */
const DATABASE_URL_FILE = 'database-url'

/** Server databases made by this test process; whatever a test left behind is dropped before the process exits. */
const created = new Map<string, TestDatabase>()
process.once('beforeExit', () => {
  void Promise.allSettled([...created.values()].map((database) => database.drop())).then(() => created.clear())
})

/**
 * The DATABASE_URL for a server on `dir`: a SQLite file inside it, or, when
 * TESSERA_TEST_BACKEND is postgres or mysql, a fresh database whose URL is
 * kept in the directory for restarts.
 */
async function databaseUrlFor(dir: string): Promise<string> {
  const backend = testBackend()
  if (backend === 'sqlite') return `sqlite:${join(dir, 'tessera.db')}`
  const file = join(dir, DATABASE_URL_FILE)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const database = await createTestDatabase(backend)
  created.set(database.url, database)
  writeFileSync(file, database.url)
  return database.url
}

async function dropDatabaseOf(dir: string): Promise<void> {
  const file = join(dir, DATABASE_URL_FILE)
  if (!existsSync(file)) return
  const database = created.get(readFileSync(file, 'utf8').trim())
  if (!database) return
  await database.drop()
  created.delete(database.url)
}

/**
 * Starts `dist/main.js` with `PORT=0` and a fresh database (a SQLite file by
 * default; see TESSERA_TEST_BACKEND), and resolves once it logs the address it
 * listens on. With `dir`, the server reuses that directory's data (restarts).
 */
export async function startServer(env: Record<string, string> = {}, options: { dir?: string; script?: string } = {}): Promise<RunningServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'))
  const fullEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: env.DATABASE_URL ?? (await databaseUrlFor(dir)),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    ...env,
  }
  const child = spawn(process.execPath, [options.script ?? MAIN], { cwd: dir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${output.join('\n')}`)), 15_000)
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line)
        if (line.includes('"tessera listening"')) {
          clearTimeout(timer)
          resolveUrl(JSON.parse(line).url as string)
        }
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${output.join('\n')}`))
    })
  })

  return {
    url,
    dir,
    env: fullEnv,
    output,
    process: child,
    async stop({ keepData = false } = {}) {
      let hung = false
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        // A shutdown that never ends (a pool that will not close) fails the test with the server's last words instead of hanging the run.
        const timer = setTimeout(() => {
          hung = true
          child.kill('SIGKILL')
        }, STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      }
      if (hung) throw new Error(`server did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM:\n${output.slice(-20).join('\n')}`)
      if (!keepData && !options.dir) {
        await dropDatabaseOf(dir)
        rmSync(dir, { recursive: true, force: true })
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/**
 * Starts one server per `env` at once. If any fails to start, the others are
 * stopped before the error is thrown: a server left running would keep the
 * test file's process alive, and the run would hang instead of failing.
 */
export async function startServers<const Envs extends Array<Record<string, string>>>(...envs: Envs): Promise<{ [K in keyof Envs]: RunningServer }> {
  const starts = await Promise.allSettled(envs.map((env) => startServer(env)))
  const failed = starts.find((start) => start.status === 'rejected')
  if (!failed) return starts.map((start) => (start as PromiseFulfilledResult<RunningServer>).value) as { [K in keyof Envs]: RunningServer }
  await Promise.allSettled(starts.map((start) => (start.status === 'fulfilled' ? start.value.stop() : undefined)))
  throw failed.reason
}

/** Runs the server with a bad setting and returns its exit code and stderr. */
export async function startServerExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'))
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  // 'close', not 'exit': at 'exit' the child's last stderr chunk may not have been read yet.
  const code = await new Promise<number | null>((resolveExit) => child.once('close', (exitCode) => resolveExit(exitCode)))
  clearTimeout(timer)
  rmSync(dir, { recursive: true, force: true })
  return { code, stderr }
}

/**
 * Asserts a start with `env` is refused as API.md asks: exit code 1 and one stderr line
 * naming `variable`. Resolves with that line for further checks.
 */
export async function assertRefusedAtStart(env: Record<string, string>, variable: string): Promise<string> {
  const { code, stderr } = await startServerExpectingFailure(env)
  assert.equal(code, 1, `exit code ${code}; stderr: ${stderr}`)
  const lines = stderr.split('\n').filter((line) => line.trim() !== '')
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`)
  assert.match(lines[0]!, new RegExp(`Invalid ${variable}\\b`))
  return lines[0]!
}

/**
 * Use this one, not startServer(), when the process itself is what the test is about
 * (signals, kill -9, start-up output, WORKERS, several processes on one database):
 * it always spawns dist/main.js, whatever startServer() becomes.
 */
export const startServerProcess = startServer
