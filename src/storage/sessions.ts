import type { Kysely, Selectable } from 'kysely'
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
}

export interface RefreshTokenRecord {
  id: string
  sessionId: string
  secretHash: string
  createdAt: number
  expiresAt: number
  usedAt: number | null
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
  }
}

export function createSessionQueries(db: Kysely<Database>) {
  return {
    /** Creates a session together with its first refresh token, in one transaction. */
    async insertWithToken(session: SessionRecord, token: RefreshTokenRecord): Promise<void> {
      await db.transaction().execute(async (trx) => {
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
          })
          .execute()
        await insertToken(trx, token)
      })
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

    /**
     * Marks a refresh token used. Returns false when another request marked it
     * first: the conditional update is what makes concurrent rotation safe.
     */
    async claimToken(id: string, now: number): Promise<boolean> {
      const result = await db.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Adds the rotated refresh token and slides the session's expiry, in one transaction. */
    async rotate(sessionId: string, token: RefreshTokenRecord, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await insertToken(trx, token)
        await trx.updateTable('sessions').set({ last_used_at: now, expires_at: token.expiresAt }).where('id', '=', sessionId).execute()
      })
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
    })
    .execute()
}

export type SessionQueries = ReturnType<typeof createSessionQueries>
