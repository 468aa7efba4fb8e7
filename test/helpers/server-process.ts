/**
 * Servers as processes: dist/main.js spawned exactly as `npm start` starts it (`npm test` builds
 * first). For tests whose subject is the process itself: signals, kill -9, start-up output and
 * refusals, WORKERS, several processes on one database, log secrecy. Everything else uses the
 * in-process startServer() of server.ts, which costs no process start.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { rmSync } from 'node:fs'
import type { RunningServer } from './server.js'
import { makeDataDir, removeDataDir, serverEnv } from './server-data.js'
import { ROOT } from './paths.js'

const MAIN = resolve(ROOT, 'dist/main.js')

/** A spawned server: a RunningServer that can also be killed and whose process can be signalled. */
export interface ServerProcess extends RunningServer {
  process: ChildProcess
  /** SIGKILL and wait (crash tests); keeps the data directory. */
  kill(): Promise<void>
}

/** How long a SIGTERMed server may take to shut down before stop() kills it and fails. */
const STOP_TIMEOUT_MS = 15_000

/**
 * How long a server may take to log that it listens. A start takes 1–3 s; 15 s was seen to pass
 * with WORKERS=2 on a 2-core machine shared with other test runs (load average 20), so the bound
 * only catches a start that hangs.
 */
const START_TIMEOUT_MS = 45_000

/**
 * Spawns `dist/main.js` (or `script`) with `PORT=0` and a fresh database (a SQLite file by
 * default; see TESSERA_TEST_BACKEND), and resolves once it logs the address it listens on.
 * With `dir`, the server reuses that directory's data (restarts).
 */
export async function startServerProcess(env: Record<string, string> = {}, options: { dir?: string; script?: string } = {}): Promise<ServerProcess> {
  const dir = options.dir ?? makeDataDir()
  const fullEnv = await serverEnv(env, dir)
  const child = spawn(process.execPath, [options.script ?? MAIN], { cwd: dir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))

  const listening = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      // Killed, not left running: a server nobody holds would keep the test file alive until its timeout.
      child.kill('SIGKILL')
      reject(new Error(`server did not start in ${START_TIMEOUT_MS / 1000} s:\n${output.join('\n')}`))
    }, START_TIMEOUT_MS)
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
  let url: string
  try {
    url = await listening
  } catch (error) {
    await exited
    if (!options.dir) await removeDataDir(dir)
    throw error
  }

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
      if (!keepData && !options.dir) await removeDataDir(dir)
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/** Runs the server with a bad setting and returns its exit code and stderr. */
export async function startServerExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = makeDataDir()
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
 * Starts one process per `env` at once (several instances on one database). If any fails to
 * start, the others are stopped before the error is thrown, so no process outlives the test.
 */
export async function startServerProcesses<const Envs extends Array<Record<string, string>>>(...envs: Envs): Promise<{ [K in keyof Envs]: ServerProcess }> {
  const starts = await Promise.allSettled(envs.map((env) => startServerProcess(env)))
  const failed = starts.find((start) => start.status === 'rejected')
  if (!failed) return starts.map((start) => (start as PromiseFulfilledResult<ServerProcess>).value) as { [K in keyof Envs]: ServerProcess }
  await Promise.allSettled(starts.map((start) => (start.status === 'fulfilled' ? start.value.stop() : undefined)))
  throw failed.reason
}
