import type { Kysely } from 'kysely'
import type { Database } from './database.js'

// PASSKEYS EXTENSION POINT (issue 18). The TOTP half of the work needs two answers about
// passkeys: how many each user has (the user object's `mfa.passkeys`, the `methods` of a login,
// the MFA policy) and "remove them all" (DELETE /admin/users/{id}/mfa). The passkeys branch
// replaces these two bodies with queries over its table; nothing else needs to change.

/** How many passkeys each of `userIds` has (users without one may be absent). None until passkeys are built. */
export async function countPasskeys(_db: Kysely<Database>, _userIds: readonly string[]): Promise<Map<string, number>> {
  return new Map()
}

/** Removes every passkey of the user; the number removed. Nothing to remove until passkeys are built. */
export async function deletePasskeys(_db: Kysely<Database>, _userId: string): Promise<number> {
  return 0
}
