import { v7 as uuidv7 } from 'uuid'
import { AppError } from '../errors.js'
import type { Config } from '../config.js'
import type { Storage } from '../storage/index.js'
import type { RefreshTokenRecord, SessionRecord, SessionScope } from '../storage/sessions.js'
import type { UserRecord } from '../storage/users.js'
import type { AccessTokens } from './access-tokens.js'
import { createRefreshToken, parseRefreshToken, refreshTokenWith, secretMatches, successorSecret } from './refresh-tokens.js'
import type { RevocationList } from './revocation/list.js'

/** Where a request came from, recorded on the session it creates. */
export interface ClientInfo {
  ip: string | null
  userAgent: string | null
}

/** What register, login and refresh hand back: the wire's token response, before snake_case. */
export interface IssuedTokens {
  accessToken: string
  expiresIn: number
  /**
   * Whole seconds the access token surely has left: `iat` is whole seconds, so the token ends up
   * to a second before `now + expiresIn`. What must not outlive it (its cookie) lives this long.
   */
  accessSecondsLeft: number
  refreshToken: string
  sessionId: string
  user: UserRecord
  /** Set for a session that may only enrol a second factor (MFA policy). */
  mfaEnrollmentRequired?: boolean
  /** A login whose (legacy) password is below today's policy: the client should ask for a new one. */
  passwordChangeRequired?: boolean
}

/** RFC 8176 §2 method values of each way in. */
export const PASSWORD_AMR: readonly string[] = Object.freeze(['pwd'])
export const TOTP_AMR: readonly string[] = Object.freeze(['pwd', 'otp'])
export const RECOVERY_CODE_AMR: readonly string[] = Object.freeze(['pwd', 'mfa'])
export const PASSKEY_AMR: readonly string[] = Object.freeze(['hwk', 'user'])
/** A password, then a passkey as the second step of the login (API.md). */
export const PASSWORD_AND_PASSKEY_AMR: readonly string[] = Object.freeze(['pwd', 'hwk'])

/**
 * How the user proved who they are (RFC 8176 `amr`): `["pwd"]` password, `["pwd", "otp"]` TOTP,
 * `["pwd", "mfa"]` recovery code, `["hwk", "user"]` passkey. `scope: 'mfa_enrollment'` makes a
 * session whose tokens may only enrol a second factor (MFA policy, docs/mfa.md).
 */
export interface SessionStart {
  amr: readonly string[]
  scope?: SessionScope | null
}

export interface Sessions {
  /**
   * Starts a session for a user who just proved who they are. The one place `amr` enters:
   * every later token of the session (refreshes) carries the same `amr`, with `fresh` false.
   */
  start(user: UserRecord, client: ClientInfo, how: SessionStart): Promise<IssuedTokens>
  /** Rotates a refresh token: the old one stops working, reuse past the grace window ends the session. */
  refresh(refreshToken: string): Promise<IssuedTokens>
  /** The session a refresh token belongs to, if the token is genuine and the session live (logout by body). */
  findByRefreshToken(refreshToken: string): Promise<SessionRecord>
  list(userId: string): Promise<SessionRecord[]>
  revoke(session: Pick<SessionRecord, 'id' | 'userId'>): Promise<void>
  /** Ends one of the user's own live sessions; any other id is `session_not_found`. */
  revokeOwn(userId: string, sessionId: string): Promise<void>
  /** Ends every session of the user, but `exceptSessionId` when given. */
  revokeAll(userId: string, exceptSessionId?: string): Promise<void>
}

const USER_AGENT_MAX = 512

/**
 * How many rotations a repeat inside the grace window may walk forward to reach the chain's
 * tip. Each step is one indexed lookup and one HMAC; a chain that moved further within the
 * grace is being refreshed in a loop, and the repeat is refused as reuse.
 */
const MAX_CHAIN_WALK = 16

export function createSessions(deps: {
  config: Config
  storage: Storage
  accessTokens: AccessTokens
  revocation: RevocationList
  /** Derives each successor's secret from its predecessor's (refresh-tokens.ts, `loadSuccessorKey`). */
  successorKey: Uint8Array
  now: () => number
}): Sessions {
  const { config, storage, accessTokens, revocation, successorKey, now } = deps
  const refreshTtlMs = config.refreshTokenTtl * 1000

  async function issue(user: UserRecord, session: Pick<SessionRecord, 'id' | 'amr' | 'scope'>, fresh: boolean, refreshToken: string): Promise<IssuedTokens> {
    const access = await accessTokens.sign({ userId: user.id, sessionId: session.id, roles: user.roles, fresh, amr: session.amr, scope: session.scope })
    const issued: IssuedTokens = { accessToken: access.token, expiresIn: access.expiresIn, accessSecondsLeft: access.secondsLeft, refreshToken, sessionId: session.id, user }
    if (session.scope === 'mfa_enrollment') issued.mfaEnrollmentRequired = true
    return issued
  }

  async function revokeIds(userId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return
    await storage.sessions.markRevoked(ids, now())
    await revocation.revoke(ids.map((sessionId) => ({ sessionId, userId })))
  }

  /** Finds the token row and its session, checking the secret in constant time. */
  async function resolve(refreshToken: string) {
    const parsed = parseRefreshToken(refreshToken)
    if (!parsed) throw new AppError('token_invalid', 'The refresh token is malformed')
    const found = await storage.sessions.findTokenAndSession(parsed.id)
    if (!found || !secretMatches(parsed.secret, found.token.secretHash)) throw new AppError('token_invalid', 'The refresh token is not valid')
    const { token: row, session } = found
    if (!session || session.revokedAt !== null || revocation.isRevoked(session.id)) {
      throw new AppError('token_revoked', 'This session has ended')
    }
    if (row.expiresAt <= now()) throw new AppError('token_expired', 'The refresh token has expired')
    return { row, session, secret: parsed.secret }
  }

  async function refuseAsReuse(session: SessionRecord): Promise<never> {
    await revokeIds(session.userId, [session.id])
    throw new AppError('refresh_token_reused', 'This refresh token was already used; the session has been ended', { subjectId: session.userId })
  }

  /**
   * The chain's current (unused) token, reached from a used one by following the successor
   * links and recomputing each successor's secret from its predecessor's; each step is
   * confirmed by the stored hash. Undefined when the chain cannot be followed.
   */
  async function tipFrom(row: RefreshTokenRecord, secret: string): Promise<string | undefined> {
    let current = row
    for (let step = 0; step < MAX_CHAIN_WALK; step++) {
      const next = await storage.sessions.findSuccessor(current.id)
      if (!next) return undefined
      secret = successorSecret(successorKey, secret)
      if (!secretMatches(secret, next.secretHash)) return undefined
      if (next.usedAt === null) return next.expiresAt > now() ? refreshTokenWith(next.id, secret).token : undefined
      current = next
    }
    return undefined
  }

  /**
   * A token that was used already. Inside the grace window (two tabs, a retried request) the
   * caller gets the session's current token: the same one every other repeat gets, so the
   * session keeps one chain (issue 14, finding 3). Past it, or with a grace of 0, somebody is
   * replaying a stolen token: end the session.
   */
  async function repeat(row: RefreshTokenRecord, secret: string, session: SessionRecord, user: UserRecord, at: number): Promise<IssuedTokens> {
    // Read again: the row read before the rotation was lost may predate the winner's commit.
    const usedAt = (await storage.sessions.findToken(row.id))?.usedAt ?? at
    const graceMs = config.refreshReuseGrace * 1000
    if (graceMs === 0 || at - usedAt > graceMs) return refuseAsReuse(session)
    const tip = await tipFrom(row, secret)
    if (tip === undefined) return refuseAsReuse(session)
    return issue(user, session, false, tip)
  }

  return {
    async start(user, client, how) {
      if (!Array.isArray(how?.amr) || how.amr.length === 0) throw new TypeError('sessions.start: amr must name how the user authenticated')
      const at = now()
      const refresh = createRefreshToken()
      const session: SessionRecord = {
        id: uuidv7(),
        userId: user.id,
        createdAt: at,
        lastUsedAt: at,
        expiresAt: at + refreshTtlMs,
        revokedAt: null,
        ip: client.ip,
        userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
        amr: [...how.amr],
        scope: how.scope ?? null,
      }
      await storage.sessions.insertWithToken(session, {
        id: refresh.id,
        sessionId: session.id,
        secretHash: refresh.secretHash,
        createdAt: at,
        expiresAt: session.expiresAt,
        usedAt: null,
        parentId: null,
      })
      return issue(user, session, true, refresh.token)
    },

    async refresh(refreshToken) {
      const { row, session, secret } = await resolve(refreshToken)
      const at = now()
      const user = await storage.users.findById(session.userId)
      if (!user || !user.active) {
        await revokeIds(session.userId, [session.id])
        throw new AppError('token_revoked', 'This session has ended')
      }
      if (row.usedAt !== null) return repeat(row, secret, session, user, at)
      // REFRESH_ROTATION=off (Flask-JWT-Extended's behaviour, for its clients): the same refresh
      // token stays valid for the session's life. This gives up reuse detection: a stolen copy
      // works as long as the real one (docs/migrating-from-flask.md).
      if (!config.refreshRotation) return issue(user, session, false, refreshToken)
      const next = refreshTokenWith(uuidv7(), successorSecret(successorKey, secret))
      const outcome = await storage.sessions.rotate(
        { id: next.id, sessionId: session.id, secretHash: next.secretHash, createdAt: at, expiresAt: at + refreshTtlMs, usedAt: null, parentId: row.id },
        at,
      )
      if (outcome === 'session_ended') throw new AppError('token_revoked', 'This session has ended')
      if (outcome === 'already_used') return repeat(row, secret, session, user, at)
      return issue(user, session, false, next.token)
    },

    async findByRefreshToken(refreshToken) {
      return (await resolve(refreshToken)).session
    },

    list: (userId) => storage.sessions.listActive(userId, now()),

    revoke: (session) => revokeIds(session.userId, [session.id]),

    async revokeOwn(userId, sessionId) {
      const session = await storage.sessions.findById(sessionId)
      // Someone else's session is "not found" too, so other users' session ids cannot be probed.
      if (!session || session.userId !== userId || session.revokedAt !== null || session.expiresAt <= now()) {
        throw new AppError('session_not_found', 'You have no live session with this id')
      }
      await revokeIds(userId, [session.id])
    },

    async revokeAll(userId, exceptSessionId) {
      const ids = await storage.sessions.listUnrevokedIds(userId)
      await revokeIds(
        userId,
        ids.filter((id) => id !== exceptSessionId),
      )
    },
  }
}
