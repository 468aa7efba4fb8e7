import { sql, type Kysely, type Selectable, type Updateable } from 'kysely'
import { usernameKey } from '../domain/identifiers.js'
import { compiledQuery } from './compiled-query.js'
import type { Database, UsersTable } from './database.js'
import { countPasskeys } from './passkeys-count.js'

/** The second factors of a user, as the user object shows them (`mfa`). */
export interface MfaSummary {
  /** A confirmed TOTP factor. */
  totp: boolean
  passkeys: number
}

/** A user as services see it: camelCase, parsed roles, real booleans. */
export interface UserRecord {
  id: string
  /** Null for an account without an address (imported from a username-only table); it logs in by username. */
  email: string | null
  username: string | null
  fullName: string | null
  passwordHash: string
  roles: string[]
  active: boolean
  createdAt: number
  updatedAt: number
  lastLoginAt: number | null
  mfa: MfaSummary
  emailVerified: boolean
  pendingEmail: string | null
  locale: string | null
}

export interface NewUser {
  id: string
  email: string | null
  username: string | null
  fullName: string | null
  passwordHash: string
  roles: string[]
  active: boolean
  now: number
  emailVerified?: boolean
  locale?: string | null
}

export type UserChanges = Partial<Pick<UserRecord, 'email' | 'username' | 'fullName' | 'passwordHash' | 'roles' | 'active' | 'emailVerified' | 'pendingEmail' | 'locale'>>

export interface UserFilter {
  q?: string
  active?: boolean
  role?: string
  limit: number
  offset: number
}

/** Thrown when an insert or update hits the unique email or username. */
export class UniqueViolation extends Error {
  constructor(cause: unknown) {
    super('unique constraint violated', { cause })
    this.name = 'UniqueViolation'
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null
  // SQLite, PostgreSQL (23505) and MySQL/MariaDB (ER_DUP_ENTRY 1062)
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505' || e?.errno === 1062
}

/**
 * Every user read also reads their factors: one query over `mfa_totp` for the whole batch,
 * plus the passkey count (passkeys-count.ts). A login takes the same queries whether or not
 * the account has a factor, so the answer to a wrong password does not depend on it.
 */
async function withMfa(db: Kysely<Database>, rows: Selectable<UsersTable>[]): Promise<UserRecord[]> {
  if (rows.length === 0) return []
  const ids = rows.map((row) => row.id)
  const totp = await db.selectFrom('mfa_totp').select('user_id').where('user_id', 'in', ids).where('confirmed', '=', 1).execute()
  const withTotp = new Set(totp.map((row) => row.user_id))
  const passkeys = await countPasskeys(db, ids)
  return rows.map((row) => toRecord(row, { totp: withTotp.has(row.id), passkeys: passkeys.get(row.id) ?? 0 }))
}

/**
 * One user and their factors in one statement: the two factor reads as subqueries of the user's
 * row. Reads of one user are on every authenticated `GET /auth/me`, refresh and login, where three
 * round trips through Kysely cost more than the lookup itself (docs/performance.md).
 */
function selectOneWithMfa(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select((eb) => [
      eb.exists(eb.selectFrom('mfa_totp').select('mfa_totp.user_id').whereRef('mfa_totp.user_id', '=', 'users.id').where('mfa_totp.confirmed', '=', 1)).as('mfa_totp_confirmed'),
      eb.selectFrom('passkeys').select((inner) => inner.fn.countAll().as('count')).whereRef('passkeys.user_id', '=', 'users.id').as('mfa_passkey_count'),
    ])
}

type RowWithMfa = Selectable<UsersTable> & { mfa_totp_confirmed: unknown; mfa_passkey_count: unknown }

/**
 * The one-user lookups and the login's touch, each compiled to SQL once per database
 * (compiled-query.ts): building a Kysely query with subqueries costs more JavaScript than
 * SQLite takes to answer it (about a third of a `GET /auth/me` before this, docs/performance.md).
 */
function compiledLookups(db: Kysely<Database>) {
  const byColumn = {
    id: compiledQuery(db, ['value'], (v) => selectOneWithMfa(db).where('users.id', '=', v.value)),
    email: compiledQuery(db, ['value'], (v) => selectOneWithMfa(db).where('users.email', '=', v.value)),
    username_key: compiledQuery(db, ['value'], (v) => selectOneWithMfa(db).where('users.username_key', '=', v.value)),
  }
  return async function lookup(column: keyof typeof byColumn, value: string): Promise<RowWithMfa | undefined> {
    return ((await byColumn[column](db, { value })).rows as RowWithMfa[])[0]
  }
}

/** The row of selectOneWithMfa as a record. EXISTS is 0/1 on SQLite and MySQL, a boolean on PostgreSQL; COUNT may come as a string. */
function oneWithMfa(row: RowWithMfa | undefined): UserRecord | undefined {
  if (!row) return undefined
  const { mfa_totp_confirmed: totp, mfa_passkey_count: passkeys, ...user } = row
  return toRecord(user, { totp: Number(totp) === 1, passkeys: Number(passkeys ?? 0) })
}

function toRecord(row: Selectable<UsersTable>, mfa: MfaSummary): UserRecord {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    fullName: row.full_name,
    passwordHash: row.password_hash,
    roles: JSON.parse(row.roles) as string[],
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
    mfa,
    emailVerified: Number(row.email_verified) === 1,
    pendingEmail: row.pending_email ?? null,
    locale: row.locale ?? null,
  }
}

/**
 * `text` for a `LIKE … ESCAPE '!'` pattern, with `%` and `_` taken literally.
 * `!` rather than a backslash: MySQL treats backslashes in string literals
 * specially, `!` means the same on every dialect.
 */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`)
}

/** Pattern for a case-insensitive substring search (the columns searched hold lower-case text). */
function containsPattern(text: string): string {
  return `%${escapeLike(text.normalize('NFC').toLowerCase())}%`
}

export function createUserQueries(db: Kysely<Database>) {
  const lookup = compiledLookups(db)
  const touchLogin = compiledQuery(db, ['id', 'now'], (v) => db.updateTable('users').set({ last_login_at: v.now }).where('id', '=', v.id))
  return {
    async findById(id: string): Promise<UserRecord | undefined> {
      return oneWithMfa(await lookup('id', id))
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      return oneWithMfa(await lookup('email', email))
    },

    async findByUsername(username: string): Promise<UserRecord | undefined> {
      return oneWithMfa(await lookup('username_key', usernameKey(username)))
    },

    async insert(user: NewUser): Promise<void> {
      try {
        await db
          .insertInto('users')
          .values({
            id: user.id,
            email: user.email,
            username: user.username,
            username_key: user.username === null ? null : usernameKey(user.username),
            full_name: user.fullName,
            password_hash: user.passwordHash,
            roles: JSON.stringify(user.roles),
            active: user.active ? 1 : 0,
            created_at: user.now,
            updated_at: user.now,
            last_login_at: null,
            email_verified: user.emailVerified ? 1 : 0,
            pending_email: null,
            locale: user.locale ?? null,
          })
          .execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new UniqueViolation(error)
        throw error
      }
    },

    async update(id: string, changes: UserChanges, now: number): Promise<void> {
      const values: Updateable<UsersTable> = { updated_at: now }
      if (changes.email !== undefined) values.email = changes.email
      if (changes.username !== undefined) {
        values.username = changes.username
        values.username_key = changes.username === null ? null : usernameKey(changes.username)
      }
      if (changes.fullName !== undefined) values.full_name = changes.fullName
      if (changes.passwordHash !== undefined) values.password_hash = changes.passwordHash
      if (changes.roles !== undefined) values.roles = JSON.stringify(changes.roles)
      if (changes.active !== undefined) values.active = changes.active ? 1 : 0
      if (changes.emailVerified !== undefined) values.email_verified = changes.emailVerified ? 1 : 0
      if (changes.pendingEmail !== undefined) values.pending_email = changes.pendingEmail
      if (changes.locale !== undefined) values.locale = changes.locale
      try {
        await db.updateTable('users').set(values).where('id', '=', id).execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new UniqueViolation(error)
        throw error
      }
    },

    /**
     * Compare-and-set of the password hash (the upgrade of a legacy hash at login): stores `next`
     * only while the row still holds `expected`, so it never overwrites a concurrent password
     * change. True when it stored. (MySQL's default collation compares case-insensitively; two
     * hashes of different passwords never differ in case alone, so the guard holds there too.)
     */
    async replacePasswordHash(id: string, expected: string, next: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ password_hash: next, updated_at: now })
        .where('id', '=', id)
        .where('password_hash', '=', expected)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    async touchLogin(id: string, now: number): Promise<void> {
      await touchLogin(db, { id, now })
    },

    async delete(id: string): Promise<boolean> {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    /** Active users holding the `admin` role (the last-admin guard counts them). */
    async countActiveAdmins(): Promise<number> {
      const rows = await db.selectFrom('users').select(['roles']).where('active', '=', 1).where('roles', 'like', '%"admin"%').execute()
      return rows.filter((row) => (JSON.parse(row.roles) as string[]).includes('admin')).length
    },

    async list(filter: UserFilter): Promise<{ users: UserRecord[]; total: number }> {
      let query = db.selectFrom('users')
      if (filter.q) {
        const pattern = containsPattern(filter.q)
        query = query.where(
          sql<boolean>`(email like ${pattern} escape '!' or username_key like ${pattern} escape '!' or lower(full_name) like ${pattern} escape '!')`,
        )
      }
      if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0)
      // Roles are a JSON array of [a-z0-9_:-] names, so the quoted name cannot match across elements;
      // escaped because `_` is a role character and a LIKE wildcard.
      if (filter.role) query = query.where(sql<boolean>`roles like ${`%${escapeLike(JSON.stringify(filter.role))}%`} escape '!'`)
      const totalRow = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
      const rows = await query.selectAll().orderBy('created_at').orderBy('id').limit(filter.limit).offset(filter.offset).execute()
      return { users: await withMfa(db, rows), total: Number(totalRow.total) }
    },
  }
}

export type UserQueries = ReturnType<typeof createUserQueries>
