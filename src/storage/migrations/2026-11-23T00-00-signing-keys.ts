import { randomBytes } from 'node:crypto'
import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/** Where the HS256 secret generated before this migration was kept. */
const LEGACY_SECRET_SETTING = 'jwt_hs256_secret'
/** Bumped by every change to `signing_keys`; instances poll it (see storage/signing-keys.ts). */
const VERSION_SETTING = 'signing_keys_version'

/**
 * Signing keys kept in the database so that every instance agrees on them
 * (issue 5, rotation). The HS256 secret that earlier versions generated into
 * `settings` becomes the first key, marked `legacy` so that the tokens it
 * signed without a `kid` keep verifying until they expire. It moves in clear
 * text; the first start with `KEY_ENCRYPTION_SECRET` set encrypts it.
 */
export function createSigningKeys(capabilities: Capabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      const builder = db.schema.createTable('signing_keys')
      await (capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder)
        .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('algorithm', 'varchar(16)', (c) => c.notNull())
        // A private JWK as JSON, or a compact JWE of it when KEY_ENCRYPTION_SECRET is set.
        .addColumn('private_key', 'text', (c) => c.notNull())
        // The public JWK as JSON; null for HS256, whose key is secret.
        .addColumn('public_key', 'text')
        // 1 for the migrated HS256 secret only: it alone verifies tokens that carry no kid.
        .addColumn('legacy', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Null while the key signs; set when a newer key replaced it.
        .addColumn('retired_at', 'bigint')
        .execute()

      const legacy = await db.selectFrom('settings').select('value').where('key', '=', LEGACY_SECRET_SETTING).executeTakeFirst()
      if (legacy !== undefined) {
        const privateKey = JSON.stringify({ kty: 'oct', k: String(legacy.value) })
        const kid = randomBytes(16).toString('base64url')
        await db.insertInto('signing_keys').values({ kid, algorithm: 'HS256', private_key: privateKey, public_key: null, legacy: 1, created_at: Date.now(), retired_at: null }).execute()
        // The secret now lives in one place only, where encryption at rest can reach it.
        await db.deleteFrom('settings').where('key', '=', LEGACY_SECRET_SETTING).execute()
      }
      await db.insertInto('settings').values({ key: VERSION_SETTING, value: randomBytes(12).toString('base64url') }).execute()
    },

    async down(db: Kysely<any>) {
      // Hand the migrated secret back if it is still in clear, so tokens survive a downgrade.
      const legacy = await db.selectFrom('signing_keys').select('private_key').where('legacy', '=', 1).executeTakeFirst()
      const secret = legacy && String(legacy.private_key).startsWith('{') ? (JSON.parse(String(legacy.private_key)) as { k?: string }).k : undefined
      if (secret !== undefined) await db.insertInto('settings').values({ key: LEGACY_SECRET_SETTING, value: secret }).execute()
      await db.deleteFrom('settings').where('key', '=', VERSION_SETTING).execute()
      await db.schema.dropTable('signing_keys').execute()
    },
  }
}
