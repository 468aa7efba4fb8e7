import type { Storage } from '../../storage/index.js'
import type { RedisConnections } from '../redis.js'
import { combineBroadcasts, type RevocationBroadcast } from './broadcast.js'
import { createClusterBroadcast } from './cluster-broadcast.js'
import { createPostgresBroadcast } from './postgres-broadcast.js'
import { createRedisBroadcast } from './redis-broadcast.js'

/**
 * The channels a process tells the others through (docs/revocation.md):
 * between instances, Redis when `REDIS_URL` is set, else PostgreSQL
 * LISTEN/NOTIFY when the database is PostgreSQL, else none (the poll is the
 * bound); between the workers of one machine (`WORKERS=N`), the primary's
 * confirmed IPC relay in addition, so a 204 waits for every sibling worker.
 */
export function chooseRevocationBroadcast(options: {
  redis: RedisConnections | undefined
  storage: Pick<Storage, 'listen'>
  isWorker: boolean
  onError: (error: unknown) => void
}): RevocationBroadcast | undefined {
  const { redis, storage, isWorker, onError } = options
  const betweenInstances = redis ? createRedisBroadcast(redis) : storage.listen ? createPostgresBroadcast(storage.listen, onError) : undefined
  const betweenWorkers = isWorker ? createClusterBroadcast() : undefined
  if (betweenInstances && betweenWorkers) return combineBroadcasts(betweenInstances, betweenWorkers)
  return betweenInstances ?? betweenWorkers
}
