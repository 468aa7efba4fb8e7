import type { Kysely, Selectable } from 'kysely'
import { compiledQuery } from './compiled-query.js'
import { withConflictRetry } from './conflicts.js'
import type { Database, RefreshTokensTable, SessionsTable } from './database.js'

export interface SessionRecord {
  id: string
  userId: string
  createdAt: number
  lastUsedAt: number
  expiresAt: number
  revokedAt: number | null
  ip: string | null
  userAgent: string | null
  /** RFC 8176 methods of the login that started the session; a refresh keeps them. */
  amr: string[]
  /** `mfa_enrollment` for a session that may only enrol a second factor, else null. */
  scope: SessionScope | null
}

export type SessionScope = 'mfa_enrollment'

/** Sessions stored before amr existed were password logins. */
const LEGACY_AMR = ['pwd']

function parseAmr(text: string | null): string[] {
  if (text === null) return [...LEGACY_AMR]
  const parsed: unknown = JSON.parse(text)
  return Array.isArray(parsed) ? parsed.filter((value): value is string => typeof value === 'string') : [...LEGACY_AMR]
}

export interface RefreshTokenRecord {
  id: string
  sessionId: string
  secretHash: string
  createdAt: number
  expiresAt: number
  usedAt: number | null
  /** The token this one replaced; null for a session's first. */
  parentId: string | null
}

/** What a rotation found: it rotated, or another request had used the token first, or the session had ended. */
export type RotationOutcome = 'rotated' | 'already_used' | 'session_ended'

/** Thrown inside the rotation's transaction to roll it back; never leaves this file. */
class RotationLost extends Error {
  readonly outcome: Exclude<RotationOutcome, 'rotated'>
  constructor(outcome: Exclude<RotationOutcome, 'rotated'>) {
    super(outcome)
    this.outcome = outcome
  }
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    ip: row.ip,
    userAgent: row.user_agent,
    amr: parseAmr(row.amr),
    scope: row.scope === 'mfa_enrollment' ? 'mfa_enrollment' : null,
  }
}

function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    parentId: row.parent_id,
  }
}

/** The statements of login and refresh, compiled once per database (compiled-query.ts): the rest are rare. */
function hotStatements(db: Kysely<Database>) {
  return {
    insertSession: compiledQuery(db, ['id', 'userId', 'createdAt', 'lastUsedAt', 'expiresAt', 'ip', 'userAgent', 'amr', 'scope'], (v) =>
      db.insertInto('sessions').values({
        id: v.id,
        user_id: v.userId,
        created_at: v.createdAt,
        last_used_at: v.lastUsedAt,
        expires_at: v.expiresAt,
        revoked_at: null,
        ip: v.ip,
        user_agent: v.userAgent,
        amr: v.amr,
        scope: v.scope,
      }),
    ),
    insertToken: compiledQuery(db, ['id', 'sessionId', 'secretHash', 'createdAt', 'expiresAt', 'usedAt', 'parentId'], (v) =>
      db.insertInto('refresh_tokens').values({
        id: v.id,
        session_id: v.sessionId,
        secret_hash: v.secretHash,
        created_at: v.createdAt,
        expires_at: v.expiresAt,
        used_at: v.usedAt,
        parent_id: v.parentId,
      }),
    ),
    findSession: compiledQuery(db, ['id'], (v) => db.selectFrom('sessions').selectAll().where('id', '=', v.id)),
    findToken: compiledQuery(db, ['id'], (v) => db.selectFrom('refresh_tokens').selectAll().where('id', '=', v.id)),
    // A refresh's first read: the presented token and its session in one statement.
    findTokenAndSession: compiledQuery(db, ['id'], (v) =>
      db
        .selectFrom('refresh_tokens')
        .leftJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.id as t_id',
          'refresh_tokens.session_id as t_session_id',
          'refresh_tokens.secret_hash as t_secret_hash',
          'refresh_tokens.created_at as t_created_at',
          'refresh_tokens.expires_at as t_expires_at',
          'refresh_tokens.used_at as t_used_at',
          'refresh_tokens.parent_id as t_parent_id',
          'sessions.id',
          'sessions.user_id',
          'sessions.created_at',
          'sessions.last_used_at',
          'sessions.expires_at',
          'sessions.revoked_at',
          'sessions.ip',
          'sessions.user_agent',
          'sessions.amr',
          'sessions.scope',
        ])
        .where('refresh_tokens.id', '=', v.id),
    ),
    findSuccessor: compiledQuery(db, ['parentId'], (v) => db.selectFrom('refresh_tokens').selectAll().where('parent_id', '=', v.parentId)),
    slideSession: compiledQuery(db, ['id', 'now', 'expiresAt'], (v) =>
      db.updateTable('sessions').set({ last_used_at: v.now, expires_at: v.expiresAt }).where('id', '=', v.id).where('revoked_at', 'is', null),
    ),
    claimToken: compiledQuery(db, ['id', 'sessionId', 'now'], (v) =>
      db.updateTable('refresh_tokens').set({ used_at: v.now }).where('id', '=', v.id).where('session_id', '=', v.sessionId).where('used_at', 'is', null),
    ),
  }
}

type HotStatements = ReturnType<typeof hotStatements>

export function createSessionQueries(db: Kysely<Database>) {
  const hot = hotStatements(db)
  return {
    /** Creates a session together with its first refresh token, in one transaction. */
    async insertWithToken(session: SessionRecord, token: RefreshTokenRecord): Promise<void> {
      // Retried on a deadlock or busy database: inserting under foreign keys takes locks other writes also take.
      await withConflictRetry(() =>
        db.transaction().execute(async (trx) => {
          await hot.insertSession(trx, { ...session, amr: JSON.stringify(session.amr) })
          await insertToken(hot, trx, token)
        }),
      )
    },

    async findById(id: string): Promise<SessionRecord | undefined> {
      const row = (await hot.findSession(db, { id })).rows[0]
      return row && toSession(row)
    },

    /** Live sessions of a user, newest first. */
    async listActive(userId: string, now: number): Promise<SessionRecord[]> {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .execute()
      return rows.map(toSession)
    },

    /** Ids of the user's sessions not yet revoked (expired ones included: their access tokens may live on). */
    async listUnrevokedIds(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute()
      return rows.map((row) => row.id)
    },

    async markRevoked(ids: string[], now: number): Promise<void> {
      if (ids.length === 0) return
      await db.updateTable('sessions').set({ revoked_at: now }).where('id', 'in', ids).where('revoked_at', 'is', null).execute()
    },

    async findToken(id: string): Promise<RefreshTokenRecord | undefined> {
      const row = (await hot.findToken(db, { id })).rows[0]
      return row && toRefreshToken(row)
    },

    /** A refresh token and its session (undefined when the session is gone), in one statement. */
    async findTokenAndSession(id: string): Promise<{ token: RefreshTokenRecord; session: SessionRecord | undefined } | undefined> {
      const row = (await hot.findTokenAndSession(db, { id })).rows[0]
      if (!row) return undefined
      const token = toRefreshToken({
        id: row.t_id,
        session_id: row.t_session_id,
        secret_hash: row.t_secret_hash,
        created_at: row.t_created_at,
        expires_at: row.t_expires_at,
        used_at: row.t_used_at,
        parent_id: row.t_parent_id,
      })
      const { id: sessionId, user_id: userId } = row
      if (sessionId === null || userId === null) return { token, session: undefined }
      return { token, session: toSession({ ...row, id: sessionId, user_id: userId } as Selectable<SessionsTable>) }
    },

    /** The token that replaced `parentId`, if any (at most one: `parent_id` is unique). */
    async findSuccessor(parentId: string): Promise<RefreshTokenRecord | undefined> {
      const row = (await hot.findSuccessor(db, { parentId })).rows[0]
      return row && toRefreshToken(row)
    },

    /**
     * Rotates `successor.parentId` into `successor`, in one transaction whose conditional
     * writes decide (issue 14, finding 2): the session's expiry slides only while it is not
     * revoked, the presented token is marked used only while it is unused, and the successor
     * is inserted only then. Of concurrent rotations of one token exactly one gets `rotated`;
     * the others wait for its commit (the session row is locked first, in the same order as a
     * revocation or a cascade from `sessions` takes it, so they queue rather than deadlock)
     * and roll back with `already_used`. Deadlocks and lock timeouts are retried.
     */
    async rotate(successor: RefreshTokenRecord & { parentId: string }, now: number): Promise<RotationOutcome> {
      try {
        await withConflictRetry(() =>
          db.transaction().execute(async (trx) => {
            const slid = await hot.slideSession(trx, { id: successor.sessionId, now, expiresAt: successor.expiresAt })
            if (Number(slid.numAffectedRows) !== 1) throw new RotationLost('session_ended')
            const claimed = await hot.claimToken(trx, { id: successor.parentId, sessionId: successor.sessionId, now })
            if (Number(claimed.numAffectedRows) !== 1) throw new RotationLost('already_used')
            await insertToken(hot, trx, successor)
          }),
        )
        return 'rotated'
      } catch (error) {
        if (error instanceof RotationLost) return error.outcome
        throw error
      }
    },

    /** Deletes sessions expired by `now` or revoked before `revokedBefore` (their refresh tokens cascade). */
    async prune(now: number, revokedBefore: number): Promise<number> {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('revoked_at', '<=', revokedBefore)]))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

async function insertToken(hot: HotStatements, trx: Kysely<Database>, token: RefreshTokenRecord): Promise<void> {
  await hot.insertToken(trx, token as unknown as Record<keyof RefreshTokenRecord, unknown>)
}

export type SessionQueries = ReturnType<typeof createSessionQueries>
