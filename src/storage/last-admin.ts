import type { Kysely, Transaction } from 'kysely'
import type { Capabilities } from './dialects/types.js'
import { withConflictRetry } from './conflicts.js'
import type { Database } from './database.js'
import { createUserQueries, type UserChanges } from './users.js'

/** What a guarded change did. */
export type GuardedOutcome = 'done' | 'last_admin' | 'not_found'

const ADMIN_ROLE = 'admin'

/** Thrown inside the transaction to roll it back; never leaves this file. */
class Refused extends Error {
  readonly outcome: Exclude<GuardedOutcome, 'done'>
  constructor(outcome: Exclude<GuardedOutcome, 'done'>) {
    super(outcome)
    this.outcome = outcome
  }
}

/**
 * The last-admin rule, enforced in storage (issue 14, finding 9): a change that would leave
 * no active admin is refused in the same transaction that would make it, whoever makes it:
 * two instances, two WORKERS, or the CLI beside a server.
 *
 * The transaction first locks every active admin's row, in id order so that two guarded
 * changes queue instead of deadlocking: `SELECT … FOR UPDATE` at READ COMMITTED on
 * PostgreSQL and MySQL (a change waiting on a locked row sees it as committed, and only
 * matching rows stay locked), and on SQLite a write as the first statement, which takes the
 * database's write lock before anything is read. Then it counts the other active admins and
 * writes, or refuses. Two such changes cannot both see the other admin still there.
 */
export function createLastAdminGuard(db: Kysely<Database>, capabilities: Capabilities) {
  async function lockedActiveAdmins(trx: Transaction<Database>, targetId: string): Promise<string[]> {
    if (capabilities.rowLocks === 'write-first') {
      // A write that changes nothing still takes SQLite's write lock, which every other guarded change needs too.
      await trx.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', targetId).execute()
    }
    let query = trx.selectFrom('users').select(['id', 'roles']).where('active', '=', 1).where('roles', 'like', `%"${ADMIN_ROLE}"%`).orderBy('id')
    if (capabilities.rowLocks === 'for-update') query = query.forUpdate()
    const rows = await query.execute()
    return rows.filter((row) => (JSON.parse(row.roles) as string[]).includes(ADMIN_ROLE)).map((row) => row.id)
  }

  /**
   * Runs `write` in one transaction with the active admins locked, unless the target is an
   * active admin that `after` would leave without that status (`after` null: the user goes)
   * and it is the only one.
   */
  async function guarded(
    id: string,
    after: (user: { roles: string[]; active: boolean }) => { roles: string[]; active: boolean } | null,
    write: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<GuardedOutcome> {
    const transaction = capabilities.rowLocks === 'for-update' ? db.transaction().setIsolationLevel('read committed') : db.transaction()
    try {
      await withConflictRetry(() =>
        transaction.execute(async (trx) => {
          const admins = await lockedActiveAdmins(trx, id)
          let target = trx.selectFrom('users').select(['roles', 'active']).where('id', '=', id)
          if (capabilities.rowLocks === 'for-update') target = target.forUpdate()
          const row = await target.executeTakeFirst()
          if (!row) throw new Refused('not_found')
          const next = after({ roles: JSON.parse(row.roles) as string[], active: Number(row.active) === 1 })
          const staysAdmin = next !== null && next.active && next.roles.includes(ADMIN_ROLE)
          if (admins.includes(id) && !staysAdmin && admins.length <= 1) throw new Refused('last_admin')
          await write(trx)
        }),
      )
      return 'done'
    } catch (error) {
      if (error instanceof Refused) return error.outcome
      throw error
    }
  }

  return {
    /** `users.update`, refused when it would demote or deactivate the last active admin. */
    update: (id: string, changes: UserChanges, now: number) =>
      guarded(
        id,
        (user) => ({ roles: changes.roles ?? user.roles, active: changes.active ?? user.active }),
        (trx) => createUserQueries(trx).update(id, changes, now),
      ),

    /** `users.delete`, refused when the user is the last active admin. */
    delete: (id: string) =>
      guarded(
        id,
        () => null,
        async (trx) => {
          await createUserQueries(trx).delete(id)
        },
      ),
  }
}

export type LastAdminGuard = ReturnType<typeof createLastAdminGuard>
