import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppError } from '../../errors.js'
import type { AuditEntry } from '../../services/audit.js'
import type { Services } from '../../services/index.js'

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
  interface FastifyContextConfig {
    /** Audit this route as the Tessera route named (`'POST /auth/login'`): a compatibility profile's routes do the same things. */
    auditAs?: string
  }
}

type Outcome = { type: string; targetFromParams?: boolean; details?: (request: FastifyRequest) => Record<string, unknown> }

/** Names of the fields a PATCH changed; never their values (a password among them is only named). */
const changedFields = (request: FastifyRequest) => ({ fields: Object.keys((request.body as Record<string, unknown> | null) ?? {}).sort() })

/**
 * Which answers of which routes are security events. Keyed by `METHOD route`, then by status
 * (successes) or problem code (failures). Anything not listed is not audited, except a
 * `rate_limited` answer on any route.
 */
const EVENTS: Record<string, { success?: Outcome; failures?: Record<string, Outcome> }> = {
  'POST /auth/register': { success: { type: 'user.registered' } },
  'POST /auth/login': {
    success: { type: 'login.succeeded' },
    failures: {
      invalid_credentials: { type: 'login.failed' },
      account_disabled: { type: 'login.failed' },
      email_not_verified: { type: 'login.failed' },
      mfa_required: { type: 'login.mfa_required' },
    },
  },
  'POST /auth/mfa/challenge': {
    success: { type: 'login.succeeded', details: (request) => ({ second_factor: challengeMethod(request) }) },
    failures: {
      mfa_code_invalid: { type: 'mfa.challenge_failed', details: (request) => ({ second_factor: challengeMethod(request) }) },
      passkey_invalid: { type: 'mfa.challenge_failed', details: (request) => ({ second_factor: challengeMethod(request) }) },
    },
  },
  'POST /auth/mfa/totp': { success: { type: 'mfa.totp_enrolment_started' } },
  'POST /auth/mfa/totp/confirm': { success: { type: 'mfa.totp_enabled' }, failures: { mfa_code_invalid: { type: 'mfa.totp_confirm_failed' } } },
  'DELETE /auth/mfa/totp': { success: { type: 'mfa.totp_disabled' } },
  'POST /auth/mfa/recovery-codes': { success: { type: 'mfa.recovery_codes_replaced' } },
  'DELETE /admin/users/:id/mfa': { success: { type: 'admin.mfa_reset', targetFromParams: true } },
  'POST /auth/refresh': { failures: { refresh_token_reused: { type: 'refresh_token.reuse_detected' } } },
  'POST /auth/logout': { success: { type: 'logout', details: (request) => ({ scope: (request.body as { scope?: string } | null)?.scope ?? 'session' }) } },
  'POST /logout/refresh': { success: { type: 'logout', details: () => ({ scope: 'session' }) } },
  'PUT /auth/password': { success: { type: 'password.changed' }, failures: { invalid_credentials: { type: 'password.change_failed' } } },
  'PATCH /auth/me': { success: { type: 'profile.updated', details: changedFields } },
  'DELETE /auth/me': { success: { type: 'account.deleted' } },
  'DELETE /auth/sessions/:id': { success: { type: 'session.ended', details: (request) => ({ session_id: (request.params as { id: string }).id }) } },
  'POST /admin/users': { success: { type: 'admin.user_created' } },
  'PATCH /admin/users/:id': { success: { type: 'admin.user_updated', targetFromParams: true, details: changedFields } },
  'DELETE /admin/users/:id': { success: { type: 'admin.user_deleted', targetFromParams: true } },
  'POST /admin/users/:id/logout': { success: { type: 'admin.user_logged_out', targetFromParams: true } },
  'POST /admin/keys/rotate': { success: { type: 'admin.key_rotated' } },
  // Accounts over email (issue 16). The forgot event names no account: who asked for whom stays unknown.
  'POST /auth/password/forgot': { success: { type: 'password.reset_requested' } },
  'POST /auth/password/reset': {
    success: { type: 'password.reset' },
    failures: { email_token_invalid: { type: 'password.reset_failed' }, email_token_expired: { type: 'password.reset_failed' } },
  },
  'POST /auth/email/verify': {
    success: { type: 'email.verified' },
    failures: { email_token_invalid: { type: 'email.verify_failed' }, email_token_expired: { type: 'email.verify_failed' }, user_exists: { type: 'email.verify_failed' } },
  },
  'POST /auth/email/verify/request': { success: { type: 'email.verification_requested' } },
  'POST /admin/users/:id/send-verification': { success: { type: 'admin.verification_sent', targetFromParams: true } },
  'POST /admin/users/:id/send-password-reset': { success: { type: 'admin.password_reset_sent', targetFromParams: true } },
  'POST /auth/passkeys': { success: { type: 'passkey.added' }, failures: { passkey_invalid: { type: 'passkey.add_failed' } } },
  'PATCH /auth/passkeys/:id': { success: { type: 'passkey.renamed' } },
  'DELETE /auth/passkeys/:id': { success: { type: 'passkey.removed' } },
  'POST /auth/passkeys/login': {
    success: { type: 'login.succeeded', details: () => ({ method: 'passkey' }) },
    failures: { passkey_invalid: { type: 'login.failed', details: () => ({ method: 'passkey' }) }, account_disabled: { type: 'login.failed', details: () => ({ method: 'passkey' }) } },
  },
}

/** Which kind of answer a challenge gave (a name, never the code). */
function challengeMethod(request: FastifyRequest): string {
  const body = (request.body as Record<string, unknown> | null) ?? {}
  return body.code !== undefined ? 'totp' : body.recovery_code !== undefined ? 'recovery_code' : body.passkey !== undefined ? 'passkey' : 'none'
}

const ADMIN_PREFIX = '/admin/'

/** The event of this answer, or undefined when it is none. */
function classify(request: FastifyRequest, reply: FastifyReply): AuditEntry | undefined {
  const auditAs = request.routeOptions.config?.auditAs
  const route = auditAs === undefined ? request.routeOptions.url : auditAs.slice(auditAs.indexOf(' ') + 1)
  const problem = request.problem
  const key = auditAs ?? `${request.method} ${route ?? ''}`
  let outcome: Outcome | undefined
  if (problem?.code === 'rate_limited') outcome = { type: 'rate_limit.tripped', details: () => ({ route: key }) }
  else if (route === undefined) return undefined
  else if (problem?.code === 'forbidden' && route.startsWith(ADMIN_PREFIX)) outcome = { type: 'admin.access_denied', details: () => ({ route: key }) }
  else if (problem) outcome = EVENTS[key]?.failures?.[problem.code]
  else if (reply.statusCode < 300) outcome = EVENTS[key]?.success
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
 * Records security events after the answer is sent (issue 7): the route table
 * above decides which answers are events; ids come from the verified token, the
 * route's `auditNote` or the problem's `subjectId`. Nothing from bodies but
 * field names and the logout scope, so no password or token can reach the log.
 */
export const auditPlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorateRequest('auditNote', null)
    app.decorateRequest('problem', null)
    // A callback hook: no promise per request (see app.ts).
    app.addHook('onResponse', (request, reply, done) => {
      const entry = classify(request, reply)
      if (entry) services.audit.record(entry)
      done()
    })
  },
  { name: 'tessera-audit' },
)
