import type { FastifyRequest } from 'fastify'
import type { ErrorCode } from '../errors.js'

/** One security event a route's answer is (docs/audit.md lists them). */
export interface AuditOutcome {
  /** The event's `type`, e.g. `login.failed`. */
  type: string
  /** The event's target is the `:id` of the path (the admin routes), unless the route's `auditNote` names one. */
  targetFromParams?: boolean
  /** What the event adds from the request: names and ids, never a value of the body (no password or token may reach the log). */
  details?: (request: FastifyRequest) => Record<string, unknown>
}

/**
 * The audit events of a route, declared in its own options as `config: { audit }`
 * (`http/plugins/audit.ts` records them after the answer is sent): its success
 * (any status below 300) and its failures by problem code. An answer not listed
 * is no event, except `rate_limited` on any route and `forbidden` under `/admin/`,
 * which the plugin records for every route that can give them.
 *
 * @example
 * ```ts
 * app.post('/auth/login', { config: { audit: LOGIN_AUDIT } }, handler)
 * ```
 */
export interface AuditDeclaration {
  /**
   * The Tessera route these events are of (`'POST /auth/login'`), on a declaration that a
   * compatibility profile's routes share (src/compat/mount.ts): their `rate_limit.tripped` and
   * `admin.access_denied` events then name that route, and one under `/admin/` is an admin
   * route, as the Tessera route is. Without it, the route the declaration is on.
   */
  route?: string
  success?: AuditOutcome
  failures?: Partial<Record<ErrorCode, AuditOutcome>>
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's security events (http/audit-events.ts). */
    audit?: AuditDeclaration
  }
}

/** Names of the fields a PATCH changed; never their values (a password among them is only named). */
export function changedFields(request: FastifyRequest): Record<string, unknown> {
  return { fields: Object.keys((request.body as Record<string, unknown> | null) ?? {}).sort() }
}
