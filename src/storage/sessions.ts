import type { Kysely, Selectable } from 'kysely'
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

export function createSessionQueries(db: Kysely<Database>) {
  return {
    /** Creates a session together with its first refresh token, in one transaction. */
    async insertWithToken(session: SessionRecord, token: RefreshTokenRecord): Promise<void> {
      // Retried on a deadlock or busy database: inserting under foreign keys takes locks other writes also take.
      await withConflictRetry(() => db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sessions')
          .values({
            id: session.id,
            user_id: session.userId,
            created_at: session.createdAt,
            last_used_at: session.lastUsedAt,
            expires_at: session.expiresAt,
            revoked_at: null,
            ip: session.ip,
            user_agent: session.userAgent,
            amr: JSON.stringify(session.amr),
            scope: session.scope,
          })
          .execute()
        await insertToken(trx, token)
      }))
    },

    async findById(id: string): Promise<SessionRecord | undefined> {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
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
      const row = await db.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toRefreshToken(row)
    },

    /** The token that replaced `parentId`, if any (at most one: `parent_id` is unique). */
    async findSuccessor(parentId: string): Promise<RefreshTokenRecord | undefined> {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('parent_id', '=', parentId).executeTakeFirst()
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
            const slid = await trx
              .updateTable('sessions')
              .set({ last_used_at: now, expires_at: successor.expiresAt })
              .where('id', '=', successor.sessionId)
              .where('revoked_at', 'is', null)
              .executeTakeFirst()
            if (Number(slid.numUpdatedRows) !== 1) throw new RotationLost('session_ended')
            const claimed = await trx
              .updateTable('refresh_tokens')
              .set({ used_at: now })
              .where('id', '=', successor.parentId)
              .where('session_id', '=', successor.sessionId)
              .where('used_at', 'is', null)
              .executeTakeFirst()
            if (Number(claimed.numUpdatedRows) !== 1) throw new RotationLost('already_used')
            await insertToken(trx, successor)
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

async function insertToken(db: Kysely<Database>, token: RefreshTokenRecord): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      session_id: token.sessionId,
      secret_hash: token.secretHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      used_at: token.usedAt,
      parent_id: token.parentId,
    })
    .execute()
}

export type SessionQueries = ReturnType<typeof createSessionQueries>
