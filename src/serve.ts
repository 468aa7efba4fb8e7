import cluster from 'node:cluster'
import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { pino } from 'pino'
import { runPrimary, WORKER_SLOT_ENV } from './cluster.js'
import { ConfigError, loadConfig } from './config.js'
import { startApp } from './start.js'
import { DatabaseConnectError } from './storage/connect-failure.js'

export type Environment = Record<string, string | undefined>

/** `.env` in the working directory fills in what the environment does not set. */
export function readEnvironment(): Environment {
  if (!existsSync('.env')) return process.env
  return { ...parseEnv(readFileSync('.env', 'utf8')), ...process.env }
}

/**
 * Runs the server as `npm start` and `tessera serve` do: settings from `env`,
 * the ADMIN_EMAIL bootstrap, listen, and a clean close on SIGTERM/SIGINT.
 * A bad setting ends the process with one line and exit code 1.
 */
export async function serve(env: Environment): Promise<void> {
  let config
  try {
    config = loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tessera: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }

  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config, pino({ level: config.logLevel, base: { pid: process.pid, role: 'primary' } }))
    return
  }

  // With WORKERS=N only the first worker creates the ADMIN_EMAIL account, so N workers never race on it.
  const slot = cluster.isWorker ? process.env[WORKER_SLOT_ENV] : undefined
  const { app } = await startApp({ config, bootstrapAdmin: slot === undefined || slot === '1' })

  let closing = false
  const shutDown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    // Fastify stops accepting, answers 503 on kept-alive connections, lets in-flight requests finish,
    // then the onClose hooks close the pools. Past SHUTDOWN_TIMEOUT the process exits regardless.
    setTimeout(() => {
      app.log.error({ timeoutSeconds: config.shutdownTimeout }, 'shutdown timed out; exiting with requests unfinished')
      process.exit(1)
    }, config.shutdownTimeout * 1000).unref()
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutDown(signal))
  // A worker whose primary is gone has nobody to relay revocations or restart it: it stops too.
  if (cluster.isWorker) process.on('disconnect', () => shutDown('primary-disconnected'))
}

/** What a start that threw prints before exiting 1. */
export function reportStartFailure(error: unknown): never {
  // Its message already names the target and the reason, on one line.
  if (error instanceof DatabaseConnectError) {
    process.stderr.write(`tessera: ${error.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`tessera: failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${String(error.cause)}\n`)
  process.exit(1)
}
