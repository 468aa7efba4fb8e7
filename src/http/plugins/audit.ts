import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler, RouteOptions } from 'fastify'
import type { AppError } from '../../errors.js'
import type { AuditEntry } from '../../services/audit.js'
import type { Services } from '../../services/index.js'
import type { AuditDeclaration, AuditOutcome } from '../audit-events.js'

/** What a route adds to its audit event: ids only known inside the handler (a new user's, the logged-in one's). */
export interface AuditNote {
  actorId?: string
  targetId?: string
  details?: Record<string, unknown>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by routes whose audit event needs ids the request alone does not carry. */
    auditNote: AuditNote | null
    /** The problem this request was answered with (set by the problem plugin), for the audit log. */
    problem: AppError | null
  }
}

const ADMIN_PREFIX = '/admin/'

/** What one route's hook knows, worked out once when the route is added. */
interface AuditedRoute {
  declaration: AuditDeclaration | undefined
  /** Its `forbidden` answers are `admin.access_denied`. */
  admin: boolean
}

/**
 * Whether a route can give an event at all, so that every other route (a host app's
 * protected routes above all) carries no audit hook. A route can when it declares events,
 * when it is an admin route (`admin.access_denied`), or when it is rate limited
 * (`rate_limit.tripped`): @fastify/rate-limit decorates `rateLimit` on the scope it is
 * registered in, and with `global: true` (RATE_LIMIT_AUTH, plugins/auth-rate-limit.ts) limits
 * every route there that does not say `rateLimit: false`. The limiter's own onRoute hook may run
 * after this one (RATE_LIMIT_AUTH's scope is a child of the one this hook is added to), so the
 * decorator is what tells, not the route's hooks. The login-failure limit (`LOGIN_FAILURE_LIMIT`)
 * answers only on routes that declare events (the logins, the second-factor challenge).
 */
function auditedRoute(scope: FastifyInstance, route: RouteOptions): AuditedRoute | undefined {
  const declaration = route.config?.audit
  const path = declaration?.route === undefined ? route.url : declaration.route.slice(declaration.route.indexOf(' ') + 1)
  const admin = path.startsWith(ADMIN_PREFIX)
  const rateLimited = scope.hasDecorator('rateLimit') && route.config?.rateLimit !== false
  return declaration !== undefined || admin || rateLimited ? { declaration, admin } : undefined
}

/** `details.route`: the declaration's Tessera route (a profile's route doing its work), else this one. */
function routeName(declaration: AuditDeclaration | undefined, request: FastifyRequest): string {
  return declaration?.route ?? `${request.method} ${request.routeOptions.url ?? ''}`
}

/** The event of this answer, or undefined when it is none. */
function classify({ declaration, admin }: AuditedRoute, request: FastifyRequest, reply: FastifyReply): AuditEntry | undefined {
  const problem = request.problem
  let outcome: AuditOutcome | undefined
  if (problem?.code === 'rate_limited') outcome = { type: 'rate_limit.tripped', details: () => ({ route: routeName(declaration, request) }) }
  else if (problem?.code === 'forbidden' && admin) outcome = { type: 'admin.access_denied', details: () => ({ route: routeName(declaration, request) }) }
  else if (problem) outcome = declaration?.failures?.[problem.code]
  else if (reply.statusCode < 300) outcome = declaration?.success
  if (!outcome) return undefined

  const note = request.auditNote
  const actorId = note?.actorId ?? request.auth?.userId
  const params = request.params as { id?: string } | undefined
  const targetId = note?.targetId ?? (outcome.targetFromParams ? params?.id : undefined) ?? problem?.subjectId ?? actorId
  const details = { ...outcome.details?.(request), ...note?.details }
  const userAgent = request.headers['user-agent']
  return {
    type: outcome.type,
    reason: problem?.code ?? null,
    actorId: actorId ?? null,
    targetId: targetId ?? null,
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    requestId: String(request.id),
    details: Object.keys(details).length > 0 ? details : null,
  }
}

/**
 * Records security events after the answer is sent (issue 7). Each route declares its
 * events in its options (`config.audit`, http/audit-events.ts); this plugin gives an
 * `onResponse` hook only to the routes that can have one (above). Ids come from the
 * verified token, the route's `auditNote` or the problem's `subjectId`. Nothing from
 * bodies but field names and the logout scope, so no password or token can reach the log.
 * A request that matches no route (404) is never an event: the not-found handler has no hook.
 */
export const auditPlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorateRequest('auditNote', null)
    app.decorateRequest('problem', null)
    app.addHook('onRoute', function addAuditHook(this: FastifyInstance, route) {
      const audited = auditedRoute(this, route)
      if (!audited) return
      // A callback hook: no promise per request (see app.ts).
      const recordAuditEvent: onResponseHookHandler = (request, reply, done) => {
        const entry = classify(audited, request, reply)
        if (entry) services.audit.record(entry)
        done()
      }
      // A new array: the route's own may be shared with the HEAD route Fastify adds beside a GET.
      route.onResponse = [...(route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]), recordAuditEvent]
    })
  },
  { name: 'tessera-audit' },
)
