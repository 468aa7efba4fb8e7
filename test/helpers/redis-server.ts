import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export const SHARED_REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Undefined when the shared Redis answers, else a line for the skip message. */
export async function redisUnavailable(url = SHARED_REDIS_URL): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return undefined
  } catch {
    return `Redis not reachable at ${new URL(url).host}`
  } finally {
    redis.disconnect()
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface PrivateRedis {
  url: string
  /** SIGKILL: the outage a test needs. */
  kill(): Promise<void>
  /** Starts again on the same port, empty. */
  restart(): Promise<void>
  stop(): Promise<void>
}

/**
 * A redis-server of the test's own on a free port, which the test may kill and
 * restart without touching the shared one. Undefined when no redis-server binary exists.
 */
export async function startPrivateRedis(): Promise<PrivateRedis | undefined> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}`
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    const failed = new Promise<never>((_, reject) => child!.once('error', reject))
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await Promise.race([redisUnavailable(url), failed])) === undefined) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`redis-server did not start on port ${port}`)
  }
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child!.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  try {
    await start()
  } catch {
    await kill()
    return undefined
  }
  return { url, kill, restart: start, stop: kill }
}
