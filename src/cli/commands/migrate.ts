import type { MigrationInfo } from 'kysely'
import { applyPendingMigrations, createMigrator } from '../../storage/migrations/index.js'
import { row } from '../output.js'
import { withStorage, type Command } from '../command.js'

function describe(migration: MigrationInfo) {
  return { name: migration.name, applied: migration.executedAt !== undefined, executed_at: migration.executedAt?.toISOString() ?? null }
}

export const migrateStatusCommand: Command = {
  name: 'migrate status',
  summary: 'List applied and pending migrations',
  help: `Usage: tessera migrate status [--json] [--database-url URL]

Prints one line per migration: name, applied|pending, and when it was applied.
Exit code 0 whether or not migrations are pending; check the output.`,
  options: {},
  async run({ output, ...context }) {
    return withStorage({ output, ...context }, async (storage) => {
      const migrations = (await createMigrator(storage.db, storage.capabilities).getMigrations()).map(describe)
      const pending = migrations.filter((migration) => !migration.applied).map((migration) => migration.name)
      output.result(
        { migrations, pending },
        migrations.map((migration) => row(migration.name, migration.applied ? 'applied' : 'pending', migration.executed_at)),
      )
      return 0
    })
  },
}

export const migrateUpCommand: Command = {
  name: 'migrate up',
  summary: 'Apply every pending migration',
  help: `Usage: tessera migrate up [--json] [--database-url URL]

Applies pending migrations in order and prints the name of each one applied.
The server also migrates when it starts; this lets you do it beforehand.`,
  options: {},
  async run({ output, ...context }) {
    return withStorage({ output, ...context }, async (storage) => {
      const result = await applyPendingMigrations(storage.db, storage.capabilities)
      const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
      if (result.error) {
        const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? '(unknown)'
        const cause = result.error instanceof Error ? result.error.message : String(result.error)
        output.problem('migration_failed', `Migration ${failed} failed: ${cause}`)
        return 1
      }
      // Nothing on stdout when nothing was applied, so scripts can test for empty output.
      if (applied.length === 0 && !output.json) output.notice('nothing to apply')
      output.result({ applied }, applied)
      return 0
    })
  },
}

