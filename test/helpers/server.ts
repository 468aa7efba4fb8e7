/**
 * Test servers. startServer() runs Tessera inside the test process, through the same startApp()
 * that `npm start` runs (src/start.ts): settings from the env object, the ADMIN_EMAIL bootstrap,
 * listen on 127.0.0.1 and a random port, and tests speak HTTP to it with fetch. It costs no
 * process start, and by default a cheap argon2id cost (TEST_HASH_COST).
 *
 * When the process itself is the subject (signals, kill -9, start-up output, WORKERS, several
 * processes on one database, log secrecy), use startServerProcess() from server-process.ts,
 * re-exported here: it always spawns dist/main.js.
 */
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import type { Argon2Cost } from '../../src/services/passwords.js'
import { startApp, type StartOptions } from '../../src/start.js'
import { makeDataDir, removeDataDir, serverEnv } from './server-data.js'

export { TEST_JWT_SECRET } from './server-data.js'
export { assertRefusedAtStart, startServerExpectingFailure, startServerProcess, startServerProcesses, type ServerProcess } from './server-process.js'

export interface RunningServer {
  url: string
  /**
   * The temp directory holding the SQLite file (or, on PostgreSQL/MySQL, the
   * URL of this server's database); removed by `stop()`.
   */
  dir: string
  env: Record<string, string>
  /** Every log line the server wrote so far (pino JSON lines). */
  output: string[]
  /** Closes the server (as SIGTERM would); removes the temp directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>
}

export interface StartServerOptions {
  /** Reuse this directory's data (restarts); it is then never removed by stop(). */
  dir?: string
  /**
   * `owasp` keeps the production argon2id cost, for tests about hashing, its queue or its timing.
   * By default hashes are made at TEST_HASH_COST, which no test that is not about hashing can tell apart.
   */
  hashCost?: 'test' | 'owasp'
  /** buildApp()'s connectionsCheckingInterval: how often node checks for timed-out headers (default 30 s). */
  connectionsCheckingInterval?: number
  /** The host app's own routes (a tutorial's protected resource, say), added before listening. */
  routes?: StartOptions['routes']
}

/** argon2id's floor (8 KiB, one pass): a fraction of a millisecond instead of ~50 ms per hash. */
export const TEST_HASH_COST: Argon2Cost = { memoryCost: 8, timeCost: 1, parallelism: 1 }

/** How long stop() waits for the app to close before failing the test instead of hanging the file. */
const STOP_TIMEOUT_MS = 15_000

/**
 * Starts Tessera in this process with `PORT=0` and a fresh database (a SQLite file by default;
 * see TESSERA_TEST_BACKEND). With `dir`, it reuses that directory's data (restarts).
 */
export async function startServer(env: Record<string, string> = {}, options: StartServerOptions = {}): Promise<RunningServer> {
  const dir = options.dir ?? makeDataDir()
  const output: string[] = []
  let fullEnv: Record<string, string>
  let started
  try {
    fullEnv = await serverEnv(env, dir)
    const config = loadConfig(fullEnv)
    // pino writes one JSON line per call; the lines land in `output` as a spawned server's stdout would.
    const lines = { write: (chunk: string) => void output.push(...chunk.split('\n').filter(Boolean)) }
    started = await startApp({
      config,
      logger: loggerOptions(config, lines),
      passwordHashCost: options.hashCost === 'owasp' ? undefined : TEST_HASH_COST,
      connectionsCheckingInterval: options.connectionsCheckingInterval,
      routes: options.routes,
    })
  } catch (error) {
    if (!options.dir) await removeDataDir(dir)
    throw error
  }
  const { app, url } = started
  let closed: Promise<void> | undefined

  return {
    url,
    dir,
    env: fullEnv,
    output,
    async stop({ keepData = false } = {}) {
      closed ??= app.close()
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`server did not close within ${STOP_TIMEOUT_MS / 1000} s:\n${output.slice(-20).join('\n')}`)), STOP_TIMEOUT_MS)
      })
      try {
        await Promise.race([closed, timeout])
      } finally {
        clearTimeout(timer)
      }
      if (!keepData && !options.dir) await removeDataDir(dir)
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
