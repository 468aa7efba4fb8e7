import { randomBytes } from 'node:crypto'
import { withConflictRetry } from './conflicts.js'
import type { Kysely, Selectable } from 'kysely'
import type { Database, SigningKeysTable } from './database.js'

/** The `settings` row every change to `signing_keys` replaces, so instances can poll one cheap row. */
export const SIGNING_KEYS_VERSION = 'signing_keys_version'

export interface SigningKeyRecord {
  kid: string
  algorithm: string
  /** A private JWK as JSON, or a compact JWE of it. Never logged. */
  privateKey: string
  /** The public JWK as JSON; null for HS256. */
  publicKey: string | null
  /** The HS256 secret migrated from `settings`: verifies tokens without `kid`. */
  legacy: boolean
  createdAt: number
  retiredAt: number | null
}

/** One change to the key table, applied only if nobody else changed it first. */
export interface SigningKeyChange {
  /** A new key, which becomes the active one: every active key is retired at `at`. */
  add?: Omit<SigningKeyRecord, 'retiredAt' | 'createdAt'>
  /** New private material for existing keys (encryption at rest). */
  replacePrivateKeys?: Array<{ kid: string; privateKey: string }>
  at: number
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    privateKey: row.private_key,
    publicKey: row.public_key,
    legacy: Number(row.legacy) === 1,
    createdAt: Number(row.created_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  }
}

export function createSigningKeyQueries(db: Kysely<Database>) {
  return {
    /** The current version: changes whenever a key is added, retired or re-encrypted. */
    async version(): Promise<string> {
      const row = await db.selectFrom('settings').select('value').where('key', '=', SIGNING_KEYS_VERSION).executeTakeFirst()
      if (row === undefined) throw new Error(`setting ${SIGNING_KEYS_VERSION} is missing: run the migrations`)
      return row.value
    },

    /** Every key, oldest first. */
    async list(): Promise<SigningKeyRecord[]> {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute()
      return rows.map(toRecord)
    },

    /**
     * Applies `change` if the version is still `expectedVersion` (compare and
     * swap), and returns whether it did. The version row is written first, so
     * two instances changing keys at once are serialised by its row lock (or
     * SQLite's write lock): the second finds the version moved and changes
     * nothing, then reads what the first one made.
     */
    async change(expectedVersion: string, change: SigningKeyChange): Promise<boolean> {
      return withConflictRetry(() => db.transaction().execute(async (trx) => {
        const swapped = await trx
          .updateTable('settings')
          .set({ value: randomBytes(12).toString('base64url') })
          .where('key', '=', SIGNING_KEYS_VERSION)
          .where('value', '=', expectedVersion)
          .executeTakeFirst()
        if (Number(swapped.numUpdatedRows) !== 1) return false
        for (const { kid, privateKey } of change.replacePrivateKeys ?? []) {
          await trx.updateTable('signing_keys').set({ private_key: privateKey }).where('kid', '=', kid).execute()
        }
        if (change.add !== undefined) {
          const { kid, algorithm, privateKey, publicKey, legacy } = change.add
          await trx.updateTable('signing_keys').set({ retired_at: change.at }).where('retired_at', 'is', null).execute()
          await trx
            .insertInto('signing_keys')
            .values({ kid, algorithm, private_key: privateKey, public_key: publicKey, legacy: legacy ? 1 : 0, created_at: change.at, retired_at: null })
            .execute()
        }
        return true
      }))
    },

    /** Deletes keys retired before `retiredBefore`; the active key (never retired) is never touched. */
    async deleteRetiredBefore(retiredBefore: number): Promise<number> {
      const result = await db.deleteFrom('signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', retiredBefore).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type SigningKeyQueries = ReturnType<typeof createSigningKeyQueries>
