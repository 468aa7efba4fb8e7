import { connect, type Capabilities } from './connect.js'
import { migrateToLatest } from './migrations/index.js'
import { createRevocationQueries, type RevocationQueries } from './revocations.js'
import { createSessionQueries, type SessionQueries } from './sessions.js'
import { createSettingQueries, type SettingQueries } from './settings.js'
import { createUserQueries, type UserQueries } from './users.js'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/** Every query the services use, over one connection. */
export interface Storage {
  db: Kysely<Database>
  capabilities: Capabilities
  users: UserQueries
  sessions: SessionQueries
  revocations: RevocationQueries
  settings: SettingQueries
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * Connects to `databaseUrl` and brings the schema up to date.
 *
 * @example
 * ```ts
 * const storage = await openStorage('sqlite::memory:')
 * ```
 */
export async function openStorage(databaseUrl: string, { migrate = true } = {}): Promise<Storage> {
  const connection = connect(databaseUrl)
  try {
    if (migrate) await migrateToLatest(connection.db)
  } catch (error) {
    await connection.close()
    throw error
  }
  const { db } = connection
  return {
    db,
    capabilities: connection.capabilities,
    users: createUserQueries(db),
    sessions: createSessionQueries(db),
    revocations: createRevocationQueries(db),
    settings: createSettingQueries(db),
    ping: connection.ping,
    close: connection.close,
  }
}
