import { createAuditLog, type AuditLog } from '../../services/audit.js'
import { toKeyWire } from '../../http/schemas/signing-key.js'
import { openStorage } from '../../storage/index.js'
import type { KeyInfo } from '../../services/keys/key-store.js'
import { createSigningKeys, type SigningKeys } from '../../services/keys/signing-keys.js'
import { configFrom, type CommandContext } from '../command.js'
import { row } from '../output.js'

/**
 * The signing-key service over migrated storage, without the rest of the
 * services: listing keys must not generate one, and no command here needs
 * password hashing or the revocation poll. A running server learns of the
 * change from its one-second poll.
 */
export async function withSigningKeys<T>(context: CommandContext, work: (keys: SigningKeys, audit: AuditLog) => Promise<T>): Promise<T> {
  const config = configFrom(context)
  const storage = await openStorage(config.databaseUrl, config)
  const audit = createAuditLog({
    storage,
    retentionSeconds: config.auditRetention,
    now: Date.now,
    onError: (error) => context.output.notice(`warning: could not write the audit event: ${error instanceof Error ? error.message : String(error)}`),
  })
  try {
    return await work(createSigningKeys({ config, storage, now: Date.now }), audit)
  } finally {
    await audit.stop() // writes the command's events before the database closes
    await storage.close()
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The `--json` form: exactly what `GET /admin/keys` shows. */
export function keyDocument(key: KeyInfo) {
  return toKeyWire(key)
}

/** kid, algorithm, state (`active`, `retired until <T>`, `expired`), created, retired: tab-separated. */
export function keyLine(key: KeyInfo): string {
  const state = key.state === 'retired' ? `retired until ${iso(key.verifiesUntil)}` : key.state
  return row(key.kid, key.algorithm, state, iso(key.createdAt) ?? 'pinned', iso(key.retiredAt))
}
