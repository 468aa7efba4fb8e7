import { Redis } from 'ioredis'

/** The two Redis connections an instance needs: one for commands, one held by the subscription. */
export interface RedisConnections {
  /** `REDIS_PREFIX`: starts every key and channel name. */
  prefix: string
  commands: Redis
  subscriber: Redis
  /** Both connections are up: shared state can be trusted. */
  readonly ready: boolean
  /** The latest connection error (e.g. `connect ECONNREFUSED 127.0.0.1:6379`), cleared on reconnect; for the start-up warning. */
  readonly lastError: string | undefined
  /** `host:port` of REDIS_URL, never its password. */
  readonly target: string
  /** Resolves when both connections are up, or after `ms` (the server then starts failing closed). */
  waitUntilReady(ms: number): Promise<boolean>
  close(): Promise<void>
}

/**
 * Connects to `REDIS_URL`. Commands fail at once while Redis is down
 * (`enableOfflineQueue: false`, one retry), so requests that need Redis get a
 * fast 503 instead of hanging; the connections retry in the background and
 * recover by themselves.
 */
export function connectRedis(url: string, prefix: string, onError: (error: unknown) => void): RedisConnections {
  const options = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  }
  const commands = new Redis(url, options)
  // The subscription's connection: ioredis subscribes it again by itself after a reconnect.
  const subscriber = new Redis(url, { ...options, maxRetriesPerRequest: null })
  // ioredis reports every failed reconnect; one line per outage is enough.
  let reported = false
  let lastError: string | undefined
  for (const connection of [commands, subscriber]) {
    connection.on('error', (error: unknown) => {
      lastError = error instanceof Error ? error.message : String(error)
      if (!reported) onError(error)
      reported = true
    })
    connection.on('ready', () => {
      reported = false
      lastError = undefined
    })
  }
  const parsed = new URL(url)
  return {
    prefix,
    commands,
    subscriber,
    target: `${parsed.hostname}:${parsed.port || '6379'}`,
    get lastError() {
      return lastError
    },
    get ready() {
      return commands.status === 'ready' && subscriber.status === 'ready'
    },
    async waitUntilReady(ms) {
      const deadline = Date.now() + ms
      while (!(commands.status === 'ready' && subscriber.status === 'ready')) {
        if (Date.now() >= deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return true
    },
    async close() {
      commands.disconnect()
      subscriber.disconnect()
    },
  }
}
