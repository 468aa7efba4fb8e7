import type { Kysely } from 'kysely'
import type { Database } from './database.js'

// What the TOTP half of issue 18 asks about passkeys (the user object's `mfa.passkeys`, the
// `methods` of a login, the MFA policy, DELETE /admin/users/{id}/mfa), over the passkeys table
// of migration 2026-12-02T00-03. Kept apart from passkeys.ts so storage/users.ts needs only this.

/** How many passkeys each of `userIds` has (users without one are absent). */
export async function countPasskeys(db: Kysely<Database>, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('passkeys')
    .select((eb) => ['user_id', eb.fn.countAll().as('count')])
    .where('user_id', 'in', [...userIds])
    .groupBy('user_id')
    .execute()
  return new Map(rows.map((row) => [row.user_id, Number(row.count)]))
}

/** Removes every passkey of the user; the number removed. */
export async function deletePasskeys(db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
