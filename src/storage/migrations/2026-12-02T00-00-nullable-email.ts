import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * `users.email` may be NULL (issue 17): tables imported from apps that had only
 * usernames (the Flask-JWT and Flask-JWT-Extended tutorials) give accounts
 * without an address, which log in by username. The unique index stays, and
 * holds for every non-null email (all three databases allow many NULLs in a
 * unique index).
 */
export function createNullableEmail(capabilities: Capabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      if (capabilities.dropNotNull === 'alter-column') await db.schema.alterTable('users').alterColumn('email', (column) => column.dropNotNull()).execute()
      else if (capabilities.dropNotNull === 'modify-column') await sql`alter table users modify column email varchar(254) null`.execute(db)
      else await rebuildSqliteUsers(db, (definition) => definition.replace(/("email"\s+varchar\(\d+\))\s+not null/i, '$1'))
    },

    async down(db: Kysely<any>) {
      if (capabilities.dropNotNull === 'alter-column') await db.schema.alterTable('users').alterColumn('email', (column) => column.setNotNull()).execute()
      else if (capabilities.dropNotNull === 'modify-column') await sql`alter table users modify column email varchar(254) not null`.execute(db)
      else await rebuildSqliteUsers(db, (definition) => definition.replace(/("email"\s+varchar\(\d+\))(?!\s+not null)/i, '$1 not null'))
    },
  }
}

const NEW = 'users_nullable_email'

/**
 * SQLite cannot change a column, so the table is rebuilt (sqlite.org/lang_altertable.html §7):
 * a copy made from the table's own stored definition (every column and constraint it has at
 * this point, whichever migrations added them) with the one change, the rows copied, the old
 * table dropped, the copy renamed, and its indexes and triggers made again from theirs. Inside
 * the migration's write transaction (migrations/lock.ts), so another process sees the old
 * table or the new one, never neither.
 *
 * With foreign keys on (as Tessera opens SQLite), dropping a table that another table's
 * foreign key names would cascade into, or fail on, that table's rows, and the pragma that
 * turns them off does nothing inside a transaction. No table names `users` at this point of
 * the migration order; should one ever, the rebuild refuses and changes nothing.
 */
async function rebuildSqliteUsers(db: Kysely<any>, change: (definition: string) => string): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'users'`.execute(db)
  const definition = table.rows[0]?.sql
  if (definition === undefined) throw new Error('no users table to rebuild')
  const changed = change(definition)
  if (changed === definition) return // already in the wanted shape
  const referencing = await sql<{ name: string }>`
    select m.name from sqlite_master m, pragma_foreign_key_list(m.name) f
    where m.type = 'table' and m.name <> 'users' and f."table" = 'users'`.execute(db)
  if (referencing.rows.length > 0) {
    throw new Error(`cannot rebuild users on SQLite: ${referencing.rows.map((row) => row.name).join(', ')} reference it by foreign key`)
  }
  const dependents = await sql<{ sql: string }>`select sql from sqlite_master where tbl_name = 'users' and type in ('index', 'trigger') and sql is not null`.execute(db)
  const columns = await sql<{ name: string }>`select name from pragma_table_info('users')`.execute(db)
  const list = sql.join(columns.rows.map((column) => sql.id(column.name)))
  const copy = changed.replace(/^(\s*create\s+table\s+)(?:"users"|`users`|users)/i, `$1"${NEW}"`)
  if (copy === changed) throw new Error('unexpected definition of the users table')

  await sql.raw(copy).execute(db)
  await sql`insert into ${sql.id(NEW)} (${list}) select ${list} from users`.execute(db)
  await sql`drop table users`.execute(db)
  await sql`alter table ${sql.id(NEW)} rename to users`.execute(db)
  for (const dependent of dependents.rows) await sql.raw(dependent.sql).execute(db)
}
