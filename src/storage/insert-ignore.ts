import { sql, type InsertQueryBuilder, type InsertResult } from 'kysely'
import type { Capabilities } from './dialects/types.js'
import type { Database } from './database.js'

/**
 * Turns an insert into "insert unless `key` already exists", atomically, so
 * two instances racing for the same row both succeed and the first row stays.
 * `ON DUPLICATE KEY UPDATE key = key` changes nothing, which is MySQL's way
 * to say DO NOTHING without INSERT IGNORE's habit of hiding other errors.
 */
export function ignoreDuplicate<T extends keyof Database>(
  query: InsertQueryBuilder<Database, T, InsertResult>,
  key: string & keyof Database[T],
  capabilities: Capabilities,
): InsertQueryBuilder<Database, T, InsertResult> {
  if (capabilities.insertIgnore === 'on-duplicate-key') {
    return query.onDuplicateKeyUpdate({ [key]: sql.ref(key) } as never)
  }
  return query.onConflict((conflict) => conflict.column(key as never).doNothing())
}
