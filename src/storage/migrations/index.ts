import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import { init } from './2026-11-22T00-00-init.js'

/** Every migration, keyed by an ISO-date name so that they sort in the order they were written. */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T00-00-init': init,
}

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
}

/** Brings the schema to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error })
  }
  return result
}
