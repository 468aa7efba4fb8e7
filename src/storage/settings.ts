import type { Kysely } from 'kysely'
import type { Database } from './database.js'

export function createSettingQueries(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<string | undefined> {
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
      return row?.value
    },

    /**
     * Stores `value` unless the key already has one, and returns what is stored.
     * Two instances starting at once therefore agree on one value.
     */
    async getOrInsert(key: string, value: string): Promise<string> {
      const existing = await this.get(key)
      if (existing !== undefined) return existing
      try {
        await db.insertInto('settings').values({ key, value }).execute()
        return value
      } catch (error) {
        const winner = await this.get(key)
        if (winner === undefined) throw error
        return winner
      }
    },
  }
}

export type SettingQueries = ReturnType<typeof createSettingQueries>
