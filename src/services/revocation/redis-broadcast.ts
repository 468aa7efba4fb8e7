import type { RedisConnections } from '../redis.js'

export interface RevokedEntry {
  sessionId: string
  /** Epoch milliseconds after which the entry may be forgotten. */
  expiresAt: number
}

/**
 * How an instance tells the others of a revocation at once (issue 4): Redis
 * pub/sub. At most once: a message sent while a subscriber is disconnected is
 * lost, so a subscriber that reconnects reloads from the database
 * (`onReconnect`), and the database poll keeps running as a safety net.
 */
export interface RevocationBroadcast {
  publish(entries: RevokedEntry[]): Promise<void>
  subscribe(onEntries: (entries: RevokedEntry[]) => void, onReconnect: () => void): Promise<void>
  /** False while the subscription is down: revocations may be missed. */
  readonly connected: boolean
}

export function createRedisBroadcast(redis: RedisConnections): RevocationBroadcast {
  const CHANNEL = `${redis.prefix}revocations`
  return {
    async publish(entries) {
      if (entries.length === 0) return
      await redis.commands.publish(CHANNEL, JSON.stringify(entries.map((entry) => [entry.sessionId, entry.expiresAt])))
    },

    async subscribe(onEntries, onReconnect) {
      redis.subscriber.on('message', (channel: string, message: string) => {
        if (channel !== CHANNEL) return
        try {
          const pairs = JSON.parse(message) as Array<[string, number]>
          onEntries(pairs.filter((pair) => typeof pair[0] === 'string' && typeof pair[1] === 'number').map(([sessionId, expiresAt]) => ({ sessionId, expiresAt })))
        } catch {
          // Not ours, or damaged: the database poll still brings the truth.
        }
      })
      // SUBSCRIBE only once connected (a queued SUBSCRIBE would beat ioredis's own ready check);
      // after a reconnect ioredis subscribes again by itself.
      let subscribed = false
      const onReady = () => {
        if (subscribed) return onReconnect() // back after an outage: messages may have been lost
        subscribed = true
        redis.subscriber.subscribe(CHANNEL).catch(() => {
          subscribed = false
        })
      }
      redis.subscriber.on('ready', onReady)
      if (redis.subscriber.status === 'ready') onReady()
    },

    get connected() {
      return redis.subscriber.status === 'ready'
    },
  }
}
