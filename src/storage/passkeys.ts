import type { Kysely, Selectable } from 'kysely'
import type { Database, PasskeysTable } from './database.js'
import { countPasskeys, deletePasskeys } from './passkeys-count.js'
import { isUniqueViolation } from './users.js'

export interface PasskeyRecord {
  id: string
  userId: string
  /** SHA-256 (hex) of `credentialId`. */
  credentialKey: string
  /** base64url. */
  credentialId: string
  /** COSE public key, base64url. */
  publicKey: string
  counter: number
  transports: string[]
  deviceType: string
  backedUp: boolean
  aaguid: string
  name: string
  createdAt: number
  lastUsedAt: number | null
}

/** Thrown when a credential id is registered a second time. */
export class DuplicateCredential extends Error {
  constructor(cause: unknown) {
    super('credential already registered', { cause })
    this.name = 'DuplicateCredential'
  }
}

function parseTransports(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
  } catch {
    return []
  }
}

function toRecord(row: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    credentialKey: row.credential_key,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: parseTransports(row.transports),
    deviceType: row.device_type,
    backedUp: Number(row.backed_up) === 1,
    aaguid: row.aaguid,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  }
}

export function createPasskeyQueries(db: Kysely<Database>) {
  return {
    /** @throws DuplicateCredential when the credential id is already registered (to anyone). */
    async insert(passkey: PasskeyRecord): Promise<void> {
      try {
        await db
          .insertInto('passkeys')
          .values({
            id: passkey.id,
            user_id: passkey.userId,
            credential_key: passkey.credentialKey,
            credential_id: passkey.credentialId,
            public_key: passkey.publicKey,
            counter: passkey.counter,
            transports: JSON.stringify(passkey.transports),
            device_type: passkey.deviceType,
            backed_up: passkey.backedUp ? 1 : 0,
            aaguid: passkey.aaguid,
            name: passkey.name,
            created_at: passkey.createdAt,
            last_used_at: passkey.lastUsedAt,
          })
          .execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateCredential(error)
        throw error
      }
    },

    async findByCredentialKey(credentialKey: string): Promise<PasskeyRecord | undefined> {
      const row = await db.selectFrom('passkeys').selectAll().where('credential_key', '=', credentialKey).executeTakeFirst()
      return row && toRecord(row)
    },

    /** The user's passkeys, oldest first. */
    async listByUser(userId: string): Promise<PasskeyRecord[]> {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute()
      return rows.map(toRecord)
    },

    async countByUser(userId: string): Promise<number> {
      return (await countPasskeys(db, [userId])).get(userId) ?? 0
    },

    /** Renames one of the user's passkeys; false when the user has no passkey with that id. */
    async rename(userId: string, id: string, name: string): Promise<boolean> {
      const result = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Deletes one of the user's passkeys; false when the user has no passkey with that id. */
    async remove(userId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },

    /** Deletes every passkey of the user (admin reset, account deletion); how many there were. */
    removeAll: (userId: string): Promise<number> => deletePasskeys(db, userId),

    /**
     * Records a verified use: the new signature counter and the time. A compare-and-swap on the
     * counter read before verification, so two uses racing with one counter value cannot both
     * be recorded; false when the row changed (or went) in between.
     */
    async recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, at: number): Promise<boolean> {
      const result = await db
        .updateTable('passkeys')
        .set({ counter: newCounter, backed_up: backedUp ? 1 : 0, last_used_at: at })
        .where('id', '=', id)
        .where('counter', '=', expectedCounter)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}

export type PasskeyQueries = ReturnType<typeof createPasskeyQueries>
