import { v7 as uuidv7 } from 'uuid'
import { AppError, fieldError } from '../errors.js'
import type { Config } from '../config.js'
import type { Storage } from '../storage/index.js'
import type { GuardedOutcome } from '../storage/last-admin.js'
import { UniqueViolation, type UserChanges, type UserRecord } from '../storage/users.js'
import type { AuthContext } from './access-tokens.js'
import { mustHaveSecondFactor } from './factors/policy.js'
import type { PasswordHasher } from './passwords.js'
import { emailProblem, fullNameProblem, normalizeEmail, normalizeFullName, normalizeUsername, passwordProblem, usernameKey, usernameProblem } from '../domain/identifiers.js'
import { PASSWORD_AMR, type ClientInfo, type IssuedTokens, type Sessions } from './sessions.js'
import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import { withConflictRetry } from '../storage/conflicts.js'
import { createUserQueries } from '../storage/users.js'
import type { AccountMail } from './account-mail.js'
import type { EmailFlows } from './email-flows.js'
import { voidAllTokens } from './one-time-tokens.js'

export interface NewAccount {
  /** Null or absent only through import or a compatibility profile; Tessera's own routes require one. */
  email?: string | null
  password: string
  username?: string | null
  fullName?: string | null
  roles?: string[]
  active?: boolean
  /** A supported locale (the mails' language), or null. */
  locale?: string | null
  emailVerified?: boolean
}

export interface ProfileChanges {
  email?: string
  username?: string | null
  fullName?: string | null
  locale?: string | null
}

export const ADMIN_ROLE = 'admin'

/** API.md: 8 to 128 characters after NFC, checked before any hashing is done. */
export function assertPasswordLength(password: string, path: string): void {
  const problem = passwordProblem(password)
  if (problem) throw fieldError(path, problem)
}

/**
 * The identifier rules (src/domain/identifiers.ts) for callers that skip the
 * HTTP schemas, then the normalised forms that are stored and compared.
 */
function normalizeProfile<T extends { email?: string | null; username?: string | null; fullName?: string | null }>(fields: T): T {
  const check = (path: string, problem: string | undefined) => {
    if (problem) throw fieldError(path, problem)
  }
  const out = { ...fields }
  if (fields.email !== undefined && fields.email !== null) {
    check('/email', emailProblem(fields.email))
    out.email = normalizeEmail(fields.email)
  }
  if (fields.username !== undefined && fields.username !== null) {
    check('/username', usernameProblem(fields.username))
    out.username = normalizeUsername(fields.username)
  }
  if (fields.fullName !== undefined && fields.fullName !== null) {
    check('/full_name', fullNameProblem(fields.fullName))
    out.fullName = normalizeFullName(fields.fullName)
  }
  return out
}

export function isActiveAdmin(user: Pick<UserRecord, 'roles' | 'active'>): boolean {
  return user.active && user.roles.includes(ADMIN_ROLE)
}

/**
 * Account rules shared by self-service and the admin API: uniqueness,
 * hashing, the last-admin guard, and revoking every token of a user whose
 * password, roles or status changed.
 */
export function createUsers(deps: {
  config: Config
  storage: Storage
  passwords: PasswordHasher
  sessions: Sessions
  /** What account changes put in the mail outbox (issue 16), in their own transaction. */
  mail: AccountMail
  emailFlows: EmailFlows
  now: () => number
}) {
  const { config, storage, passwords, sessions, mail, emailFlows, now } = deps
  const transaction = <T>(work: (trx: Kysely<Database>) => Promise<T>) => withConflictRetry(() => storage.db.transaction().execute(work))

  async function requireUser(id: string): Promise<UserRecord> {
    const user = await storage.users.findById(id)
    if (!user) throw new AppError('user_not_found', 'No user has this id')
    return user
  }

  /**
   * The last-admin rule lives in storage (storage/last-admin.ts): the check and the write are
   * one locked transaction, so two processes cannot both demote or delete one of the last two.
   */
  function assertGuarded(outcome: GuardedOutcome): void {
    if (outcome === 'last_admin') throw new AppError('last_admin', 'The last active admin cannot be deleted, deactivated or demoted')
    if (outcome === 'not_found') throw new AppError('user_not_found', 'No user has this id')
  }

  /** `withMail`: what the new account's outbox gets, in the transaction of its insert. */
  async function create(input: NewAccount, withMail?: (trx: Kysely<Database>, user: UserRecord) => Promise<unknown>): Promise<UserRecord> {
    assertPasswordLength(input.password, '/password')
    const account = normalizeProfile(input)
    const email = account.email ?? null
    if (email === null && !account.username) throw fieldError('/email', 'email or username is required')
    if (email !== null && (await storage.users.findByEmail(email))) throw new AppError('user_exists', 'A user with this email already exists')
    if (account.username && (await storage.users.findByUsername(account.username))) {
      throw new AppError('user_exists', 'A user with this username already exists')
    }
    const at = now()
    const user: UserRecord = {
      id: uuidv7(),
      email,
      username: account.username ?? null,
      fullName: account.fullName ?? null,
      passwordHash: await passwords.hash(account.password),
      roles: [...new Set(account.roles ?? [])],
      active: account.active ?? true,
      createdAt: at,
      updatedAt: at,
      lastLoginAt: null,
      mfa: { totp: false, passkeys: 0 },
      emailVerified: account.emailVerified ?? false,
      pendingEmail: null,
      locale: account.locale ?? null,
    }
    if (withMail) {
      await insertOrConflict(() =>
        transaction(async (trx) => {
          await createUserQueries(trx).insert({ ...user, now: at })
          await withMail(trx, user)
        }),
      )
    } else await insertOrConflict(() => storage.users.insert({ ...user, now: at }))
    return user
  }

  /** `guarded`: the change may demote or deactivate, so it goes through the last-admin guard. */
  async function update(user: UserRecord, requested: UserChanges, guarded = false): Promise<UserRecord> {
    const changes = normalizeProfile(requested)
    if (changes.email !== undefined && changes.email !== null && changes.email !== user.email && (await storage.users.findByEmail(changes.email))) {
      throw new AppError('user_exists', 'A user with this email already exists')
    }
    if (changes.username && usernameKey(changes.username) !== (user.username === null ? null : usernameKey(user.username)) && (await storage.users.findByUsername(changes.username))) {
      throw new AppError('user_exists', 'A user with this username already exists')
    }
    await insertOrConflict(async () => {
      if (guarded) assertGuarded(await storage.lastAdmin.update(user.id, changes, now()))
      else await storage.users.update(user.id, changes, now())
    })
    return requireUser(user.id)
  }

  return {
    requireUser,

    async register(account: Omit<NewAccount, 'roles' | 'active'>, client: ClientInfo): Promise<IssuedTokens> {
      if (config.registration === 'closed') throw new AppError('registration_disabled', 'Self-registration is closed')
      // The verification link commits with the account (unless EMAIL_VERIFICATION=off).
      const user = await create(account, config.emailVerification === 'off' ? undefined : (trx, created) => mail.verification(trx, created))
      // A registration that hands out tokens is the account's first login (@see issue 13).
      const at = now()
      await storage.users.touchLogin(user.id, at)
      // Under an MFA policy that covers the new account, its first session may only enrol a factor.
      const scope = mustHaveSecondFactor(config.mfa, user) ? 'mfa_enrollment' : null
      return sessions.start({ ...user, lastLoginAt: at }, client, { amr: PASSWORD_AMR, scope })
    },

    async updateProfile(auth: AuthContext, changes: ProfileChanges): Promise<UserRecord> {
      const user = await requireUser(auth.userId)
      const { email } = normalizeProfile({ email: changes.email })
      const emailChanges = email !== undefined && email !== user.email
      if (emailChanges && !auth.fresh) {
        throw new AppError('fresh_token_required', 'Changing the email needs a token from a password login')
      }
      // A change back to the current address cancels a pending one.
      if (email !== undefined && email === user.email && user.pendingEmail !== null) await storage.users.update(user.id, { pendingEmail: null }, now())
      if (emailChanges) await emailFlows.changeEmail(user, email)
      return update(await requireUser(user.id), { username: changes.username, fullName: changes.fullName, locale: changes.locale })
    },

    async changePassword(auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
      assertPasswordLength(newPassword, '/new_password')
      const user = await requireUser(auth.userId)
      if (!(await passwords.verify(user.passwordHash, currentPassword))) {
        throw new AppError('invalid_credentials', 'The current password is incorrect')
      }
      await setPassword(user, await passwords.hash(newPassword))
      await sessions.revokeAll(user.id, auth.sessionId)
    },

    deleteSelf: (auth: AuthContext) => remove(auth.userId),

    // ---- admin API ----

    list: storage.users.list,

    adminCreate: (account: NewAccount) => create(account),

    async adminUpdate(id: string, changes: UserChanges & { password?: string }): Promise<UserRecord> {
      const user = await requireUser(id)
      const { password, ...rest } = changes
      if (password !== undefined) assertPasswordLength(password, '/password')
      if (rest.roles !== undefined) rest.roles = [...new Set(rest.roles)]
      const passwordHash = password === undefined ? undefined : await passwords.hash(password)
      // A new address is unverified unless the admin says otherwise; a pending change is dropped.
      if (rest.email !== undefined && (rest.email === null ? null : normalizeEmail(rest.email)) !== user.email) {
        rest.emailVerified ??= false
        rest.pendingEmail = null
      }
      let updated = await update(user, rest, rest.roles !== undefined || rest.active !== undefined)
      if (passwordHash !== undefined) {
        await setPassword(updated, passwordHash)
        updated = await requireUser(user.id)
      }
      const rolesChanged = rest.roles !== undefined && !sameRoles(rest.roles, user.roles)
      const deactivated = rest.active === false && user.active
      if (rolesChanged || deactivated || passwordHash !== undefined) await sessions.revokeAll(user.id)
      return updated
    },

    adminDelete: (id: string) => remove(id),

    async adminLogout(id: string): Promise<void> {
      await requireUser(id)
      await sessions.revokeAll(id)
    },

    /** ADMIN_EMAIL/ADMIN_PASSWORD: creates that admin when no active admin exists. */
    async bootstrapAdmin(): Promise<'created' | 'exists' | 'not-configured' | 'email-taken'> {
      if (!config.adminEmail || !config.adminPassword) return 'not-configured'
      if ((await storage.users.countActiveAdmins()) > 0) return 'exists'
      if (await storage.users.findByEmail(config.adminEmail)) return 'email-taken' // never promote an account someone else registered
      // The operator chose this address: it counts as verified (EMAIL_VERIFICATION=required must not lock the admin out).
      await create({ email: config.adminEmail, password: config.adminPassword, roles: [ADMIN_ROLE], emailVerified: true })
      return 'created'
    },
  }

  /** A new password, every old link voided and the "password changed" notice: one transaction. */
  async function setPassword(user: UserRecord, passwordHash: string): Promise<void> {
    await transaction(async (trx) => {
      await createUserQueries(trx).update(user.id, { passwordHash }, now())
      await voidAllTokens(trx, user.id, now())
      await mail.notice(trx, user, 'password_changed')
    })
  }

  async function remove(id: string): Promise<void> {
    const user = await requireUser(id)
    // An admin is first deactivated through the guard, so that the refusal comes before any of its sessions end.
    if (isActiveAdmin(user)) assertGuarded(await storage.lastAdmin.update(user.id, { active: false }, now()))
    // Revoke first: the revocation entries must exist before the sessions disappear with the user.
    await sessions.revokeAll(user.id)
    assertGuarded(await storage.lastAdmin.delete(user.id))
    // Passkeys have no foreign key to users (migration 2026-12-02T00-03): they go with the account.
    await storage.passkeys.removeAll(user.id)
  }
}

async function insertOrConflict(write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AppError('user_exists', 'A user with this email or username already exists')
    throw error
  }
}

function sameRoles(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role))
}

export type Users = ReturnType<typeof createUsers>
