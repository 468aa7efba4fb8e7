import cluster, { type Worker } from 'node:cluster'
import type { Config } from './config.js'
import { createRevocationRelay } from './services/revocation/cluster-relay.js'
import { openStorage } from './storage/index.js'


/** A worker that dies sooner than this after starting counts as crash-looping. */
const EARLY_DEATH_MS = 5000
/** Crash-looping workers in a row before the primary gives up (exit 1) instead of forking forever. */
const MAX_EARLY_DEATHS = 5

/** The environment variable that tells a worker its slot (1..WORKERS); slot 1 runs the ADMIN_EMAIL bootstrap. */
export const WORKER_SLOT_ENV = 'TESSERA_WORKER_SLOT'

interface Log {
  info(fields: object, message: string): void
  error(fields: object, message: string): void
}

/**
 * `WORKERS=N`: the primary process of node:cluster. It migrates the database
 * once (so N workers never race on migrations), forks N workers that share the
 * port (the primary hands connections out round-robin), forks a replacement
 * when one dies, relays revocations between workers so a logout on one is
 * honoured by all at once, and on SIGTERM/SIGINT lets every worker shut down
 * gracefully before exiting (0 when all of them exited cleanly).
 *
 * Workers share nothing else in memory: what must be shared lives in the
 * database, or in Redis when REDIS_URL is set (rate limits count per worker without it).
 */
export async function runPrimary(config: Readonly<Config>, log: Log): Promise<void> {
  const storage = await openStorage(config.databaseUrl, config)
  await storage.close()

  const slots = new Map<Worker, number>()
  let stopping = false
  let earlyDeaths = 0

  // Revocations made by one worker reach the others through the primary (IPC), confirmed by each before the
  // sender answers; a worker too stuck to confirm is killed, and replaced by fork's exit handler.
  const relay = createRevocationRelay((worker) => log.error({ slot: slots.get(worker), pid: worker.process.pid }, 'worker did not confirm a revocation in time; killing it'))

  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) })
    const startedAt = Date.now()
    slots.set(worker, slot)
    relay.attach(worker)
    worker.once('exit', (code, signal) => {
      slots.delete(worker)
      if (stopping) return
      earlyDeaths = Date.now() - startedAt < EARLY_DEATH_MS ? earlyDeaths + 1 : 0
      if (earlyDeaths >= MAX_EARLY_DEATHS) {
        log.error({ slot, code, signal }, 'workers keep dying right after start; giving up')
        stopping = true
        for (const other of slots.keys()) other.kill('SIGTERM')
        process.exitCode = 1
        return
      }
      log.error({ slot, pid: worker.process.pid, code, signal }, 'worker died; starting a replacement')
      fork(slot)
    })
  }

  for (let slot = 1; slot <= config.workers; slot++) fork(slot)
  log.info({ workers: config.workers }, 'tessera primary started')

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'shutting down workers')
      let clean = true
      for (const worker of slots.keys()) {
        worker.once('exit', (code) => (clean &&= code === 0))
        worker.kill('SIGTERM')
      }
      // Each worker bounds its own shutdown by SHUTDOWN_TIMEOUT; this is the backstop.
      const backstop = setTimeout(() => {
        log.error({}, 'workers did not exit in time; killing them')
        for (const worker of slots.keys()) worker.process.kill('SIGKILL')
        process.exit(1)
      }, (config.shutdownTimeout + 5) * 1000)
      backstop.unref()
      const wait = setInterval(() => {
        if (slots.size > 0) return
        clearInterval(wait)
        process.exit(clean ? 0 : 1)
      }, 50)
    })
  }
}
