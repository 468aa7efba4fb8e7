import type { Kysely } from 'kysely'
import type { Capabilities } from './dialects/types.js'
import type { Database } from './database.js'
import { ignoreDuplicate } from './insert-ignore.js'

export function createSettingQueries(db: Kysely<Database>, capabilities: Capabilities) {
  async function get(key: string): Promise<string | undefined> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    return row?.value
  }

  return {
    get,

    /**
     * Stores `value` unless the key already has one, and returns what is stored.
     * Two instances starting at once therefore agree on one value: the insert
     * leaves an existing row alone, and both then read the row that won.
     */
    async getOrInsert(key: string, value: string): Promise<string> {
      const existing = await get(key)
      if (existing !== undefined) return existing
      await ignoreDuplicate(db.insertInto('settings').values({ key, value }), 'key', capabilities).execute()
      const stored = await get(key)
      if (stored === undefined) throw new Error(`setting ${key} missing right after it was stored`)
      return stored
    },
  }
}

export type SettingQueries = ReturnType<typeof createSettingQueries>
