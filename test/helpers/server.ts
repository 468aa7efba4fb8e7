import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/** The compiled server, started exactly as `npm start` starts it (`npm test` builds first). */
const MAIN = resolve(import.meta.dirname, '../../dist/main.js')

/** A known HS256 key, so tests can forge tokens (expired, wrong alg, ...) the server would otherwise sign. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789'

export interface RunningServer {
  url: string
  /** The temp directory holding the SQLite file; removed by `stop()`. */
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

/**
 * Starts `dist/main.js` with `PORT=0` and a fresh SQLite file, and resolves
 * once it logs the address it listens on.
 */
export async function startServer(env: Record<string, string> = {}, options: { dir?: string } = {}): Promise<RunningServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'))
  const fullEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    ...env,
  }
  const child = spawn(process.execPath, [MAIN], { cwd: dir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
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
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      if (!keepData && !options.dir) rmSync(dir, { recursive: true, force: true })
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
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'))
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)))
  clearTimeout(timer)
  rmSync(dir, { recursive: true, force: true })
  return { code, stderr }
}
