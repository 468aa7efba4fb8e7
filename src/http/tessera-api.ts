import { normalizeEmail } from '../domain/identifiers.js'
import { AppError } from '../errors.js'
import type { AuthContext } from '../services/access-tokens.js'
import type { Services } from '../services/index.js'
import { assertAdmitted, assertRequireAuthOptions, type RequireAuthOptions } from './plugins/authenticate.js'
import { AUDIT_TYPE_MAX, AUDIT_TYPE_PATTERN, toAuditEventWire, type AuditEventWire } from './schemas/audit-event.js'
import { toSessionWire, type SessionWire } from './schemas/session.js'
import { toUserWire, type UserWire } from './schemas/user.js'

/** A user as `GET /auth/me` answers: never a password hash, a factor secret or a token. */
export type TesseraUser = UserWire

/** A live session as `GET /auth/sessions` lists it, without `current` (no request to compare with). */
export type TesseraSession = SessionWire

/** A security event as `GET /admin/audit` answers it (docs/audit.md). */
export type TesseraAuditEvent = AuditEventWire

/** An event of the host app's own, for the audit log beside Tessera's. */
export interface TesseraAuditEntry {
  /** Lower-case letters, `_` and `.`, at most 48 characters (`report.exported`): what `GET /admin/audit?type=` filters by. */
  type: string
  /** A failure's code; absent for a success. */
  reason?: string
  /** Who acted (usually `request.auth.userId`). */
  actorId?: string
  /** Whom it concerned. */
  targetId?: string
  /** `request.ip`, `request.headers['user-agent']`, `request.id`: they tie the event to its log line. */
  ip?: string
  userAgent?: string
  requestId?: string
  /** Names, ids and counts only: never a password, token or other secret (the log is read by admins). */
  details?: Record<string, unknown>
}

/** Which events `audit.list()` returns, newest first. */
export interface TesseraAuditQuery {
  type?: string
  actorId?: string
  targetId?: string
  /** Events at or after this time. */
  since?: Date
  /** Events before this time. */
  until?: Date
  /** 1 to 1000; 50 by default. */
  limit?: number
  /** Events to skip; 0 by default. */
  offset?: number
}

/**
 * What a host app gets as `app.tessera`: users, sessions, token verification and the audit log.
 * Data comes back in the shapes the HTTP API answers with (snake_case, ISO times), so a route can
 * return it as it is; refusals are `AppError`s with the codes of docs/errors.md, which Tessera's
 * error handler turns into problem+json. The storage, Redis and settings stay inside.
 *
 * @example
 * ```ts
 * app.get('/team/:id', { onRequest: app.requireAuth({ role: 'admin' }) }, async (request) => {
 *   const user = await app.tessera.users.get(request.params.id)
 *   if (!user) throw new AppError('user_not_found')
 *   return { user, sessions: await app.tessera.sessions.list(user.id) }
 * })
 * ```
 */
export interface TesseraApi {
  users: {
    /** The user with this id, or null. */
    get(id: string): Promise<TesseraUser | null>
    /**
     * The user with this email (trimmed, NFC and lower-cased first, as login compares it), or null.
     *
     * @example
     * ```ts
     * const ada = await app.tessera.users.findByEmail('Ada@Example.com')
     * ```
     */
    findByEmail(email: string): Promise<TesseraUser | null>
    /**
     * `ADMIN_EMAIL`/`ADMIN_PASSWORD`: creates that admin when no active admin exists, as `npm start`
     * does before listening. Never promotes an existing account (`'email-taken'`).
     *
     * @example
     * ```ts
     * await app.tessera.users.bootstrapAdmin()
     * await app.listen({ port: 3000 })
     * ```
     */
    bootstrapAdmin(): Promise<'created' | 'exists' | 'not-configured' | 'email-taken'>
  }
  sessions: {
    /** The user's live sessions, newest first (none for an unknown user). */
    list(userId: string): Promise<TesseraSession[]>
    /**
     * Ends one session: its refresh token stops working and its access tokens are refused from the
     * next request on (every instance). A session that is unknown or already ended is `session_not_found`.
     *
     * @example
     * ```ts
     * await app.tessera.sessions.revoke(request.auth!.sessionId) // sign this device out
     * ```
     */
    revoke(sessionId: string): Promise<void>
    /** Ends every session of the user (as `POST /admin/users/{id}/logout`); `user_not_found` for an unknown id. */
    revokeAll(userId: string): Promise<void>
  }
  /**
   * Verifies an access token (the token itself, not the `Authorization` header) exactly as
   * `app.requireAuth(options)` does, for places without a route hook (a WebSocket upgrade, a job
   * handed a token). Refuses with `authorization_required` (empty), `token_invalid`,
   * `token_expired`, `token_revoked`, `wrong_token_type`, `service_unavailable` (revocations not
   * current), then `mfa_enrollment_required`, `fresh_token_required`, `mfa_required`, `forbidden`
   * by the options. Unknown options are a `TypeError`.
   *
   * @example
   * ```ts
   * const auth = await app.tessera.verifyAccessToken(token, { role: 'admin' })
   * console.log(auth.userId, auth.sessionId, auth.amr)
   * ```
   */
  verifyAccessToken(token: string, options?: RequireAuthOptions): Promise<AuthContext>
  audit: {
    /**
     * Queues an event of the host app's own; it is written within half a second, never on the
     * request's path, and read with Tessera's at `GET /admin/audit`. A `type` that does not match
     * `^[a-z_.]{1,48}$` is a `TypeError`.
     *
     * @example
     * ```ts
     * app.tessera.audit.record({ type: 'report.exported', actorId: request.auth!.userId, ip: request.ip, requestId: request.id })
     * ```
     */
    record(entry: TesseraAuditEntry): void
    /**
     * Events, newest first, and how many match in all; this instance's queued events included.
     *
     * @example
     * ```ts
     * const { data, total } = await app.tessera.audit.list({ type: 'login.failed', targetId: user.id, limit: 10 })
     * ```
     */
    list(query?: TesseraAuditQuery): Promise<{ data: TesseraAuditEvent[]; total: number }>
  }
}

const AUDIT_TYPE = new RegExp(AUDIT_TYPE_PATTERN)
const AUDIT_LIST_MAX = 1000

/**
 * The `app.tessera` object over the services. Internals (routes, plugins, start.ts) keep using
 * `services` themselves; this is the part a host app may rely on across versions.
 */
export function createTesseraApi(services: Services): TesseraApi {
  const userOrNull = (user: Parameters<typeof toUserWire>[0] | undefined) => (user === undefined ? null : toUserWire(user))
  return Object.freeze({
    users: Object.freeze({
      get: async (id: string) => userOrNull(await services.storage.users.findById(id)),
      findByEmail: async (email: string) => userOrNull(await services.storage.users.findByEmail(normalizeEmail(email))),
      bootstrapAdmin: () => services.users.bootstrapAdmin(),
    }),
    sessions: Object.freeze({
      list: async (userId: string) => (await services.sessions.list(userId)).map(toSessionWire),
      async revoke(sessionId: string) {
        const session = await services.storage.sessions.findById(sessionId)
        if (!session) throw new AppError('session_not_found', 'No live session has this id')
        // revokeOwn refuses a session already ended or expired with the same code.
        await services.sessions.revokeOwn(session.userId, session.id)
      },
      revokeAll: (userId: string) => services.users.adminLogout(userId),
    }),
    async verifyAccessToken(token: string, options: RequireAuthOptions = {}) {
      assertRequireAuthOptions(options)
      if (typeof token !== 'string' || token === '') throw new AppError('authorization_required', 'No access token was given')
      return assertAdmitted(await services.accessTokens.verify(token), options)
    },
    audit: Object.freeze({
      record(entry: TesseraAuditEntry) {
        if (typeof entry?.type !== 'string' || entry.type.length > AUDIT_TYPE_MAX || !AUDIT_TYPE.test(entry.type)) {
          throw new TypeError(`audit.record: "type" must match ${AUDIT_TYPE_PATTERN} and have at most ${AUDIT_TYPE_MAX} characters`)
        }
        // Copied through JSON now: a value that cannot be written would otherwise fail every later batch.
        let details: Record<string, unknown> | undefined
        try {
          details = entry.details === undefined ? undefined : (JSON.parse(JSON.stringify(entry.details)) as Record<string, unknown>)
        } catch (error) {
          throw new TypeError('audit.record: "details" must be JSON (no BigInt, no cycles)', { cause: error })
        }
        const { type, reason, actorId, targetId, ip, userAgent, requestId } = entry
        services.audit.record({ type, reason, actorId, targetId, ip, userAgent, requestId, details })
      },
      async list(query: TesseraAuditQuery = {}) {
        const limit = query.limit ?? 50
        const offset = query.offset ?? 0
        if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIST_MAX) throw new TypeError(`audit.list: "limit" must be an integer from 1 to ${AUDIT_LIST_MAX}`)
        if (!Number.isInteger(offset) || offset < 0) throw new TypeError('audit.list: "offset" must be a non-negative integer')
        const { events, total } = await services.audit.list({
          type: query.type,
          actorId: query.actorId,
          targetId: query.targetId,
          since: epochMs(query.since, 'since'),
          until: epochMs(query.until, 'until'),
          limit,
          offset,
        })
        return { data: events.map(toAuditEventWire), total }
      },
    }),
  })
}

function epochMs(date: Date | undefined, name: string): number | undefined {
  if (date === undefined) return undefined
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError(`audit.list: "${name}" must be a valid Date`)
  return date.getTime()
}
