import type { RedisConnections } from '../redis.js'
import { decodeEntries, encodeEntries, type RevocationBroadcast } from './broadcast.js'

/**
 * Revocations between instances over Redis pub/sub (issue 4). PUBLISH answers
 * once Redis has handed the message to every subscriber's connection, so the
 * 204 goes out after that. At most once: a message sent while a subscriber is
 * disconnected is lost, so a subscriber that reconnects catches up from the
 * database (`onSubscribed`), and the database poll keeps running as a safety net.
 */
export function createRedisBroadcast(redis: RedisConnections): RevocationBroadcast {
  const CHANNEL = `${redis.prefix}revocations`
  let subscribed = false
  return {
    async publish(entries, store) {
      await store()
      if (entries.length === 0) return
      await redis.commands.publish(CHANNEL, JSON.stringify(encodeEntries(entries)))
    },

    async subscribe({ onEntries, onSubscribed }) {
      redis.subscriber.on('message', (channel: string, message: string) => {
        if (channel !== CHANNEL) return
        try {
          onEntries(decodeEntries(JSON.parse(message)))
        } catch {
          // Not ours, or damaged: the database poll still brings the truth.
        }
      })
      // SUBSCRIBE only once connected (a queued SUBSCRIBE would beat ioredis's own ready check);
      // after a reconnect ioredis subscribes again by itself.
      const onReady = () => {
        if (subscribed) return onSubscribed(false) // back after an outage: messages may have been lost
        redis.subscriber.subscribe(CHANNEL).then(
          () => {
            subscribed = true
            onSubscribed(true)
          },
          () => {},
        )
      }
      redis.subscriber.on('ready', onReady)
      if (redis.subscriber.status === 'ready') onReady()
    },

    get connected() {
      return subscribed && redis.subscriber.status === 'ready'
    },
  }
}
