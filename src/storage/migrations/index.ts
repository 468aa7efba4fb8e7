import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { Capabilities } from '../dialects/types.js'
import { createInit } from './2026-11-22T00-00-init.js'
import { createSigningKeys } from './2026-11-23T00-00-signing-keys.js'
import { createAuditEvents } from './2026-11-23T00-01-audit-events.js'
import { createRefreshTokenChain } from './2026-12-01T00-00-refresh-token-chain.js'
import { createMfa } from './2026-12-02T00-02-mfa.js'
import { createEmail } from './2026-12-02T00-01-email.js'
import { createPasskeys } from './2026-12-02T00-03-passkeys.js'
import { createNullableEmail } from './2026-12-02T00-00-nullable-email.js'
import { withMigrationLock } from './lock.js'

/**
 * Every migration, keyed by an ISO-date name so that they sort in the order
 * they were written. Built per connection because the few DDL differences
 * between dialects come from its capabilities.
 */
export function createMigrations(capabilities: Capabilities): Record<string, Migration> {
  return {
    '2026-11-22T00-00-init': createInit(capabilities),
    '2026-11-23T00-00-signing-keys': createSigningKeys(capabilities),
    '2026-11-23T00-01-audit-events': createAuditEvents(capabilities),
    '2026-12-01T00-00-refresh-token-chain': createRefreshTokenChain(),
    '2026-12-02T00-01-email': createEmail(capabilities),
    '2026-12-02T00-02-mfa': createMfa(capabilities),
    '2026-12-02T00-03-passkeys': createPasskeys(capabilities),
    '2026-12-02T00-00-nullable-email': createNullableEmail(capabilities),
  }
}

export function createMigrator(db: Kysely<any>, capabilities: Capabilities): Migrator {
  const migrations = createMigrations(capabilities)
  return new Migrator({ db, provider: { getMigrations: async () => migrations } })
}

/**
 * Applies every pending migration, safe when several processes do it at once
 * (lock.ts). A failure is reported in the result, not thrown.
 */
export async function applyPendingMigrations(db: Kysely<any>, capabilities: Capabilities): Promise<MigrationResultSet> {
  return withMigrationLock(db, capabilities, () => createMigrator(db, capabilities).migrateToLatest())
}

/** Brings the schema to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, capabilities: Capabilities): Promise<MigrationResultSet> {
  const result = await applyPendingMigrations(db, capabilities)
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error })
  }
  return result
}
