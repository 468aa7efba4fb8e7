import { Type, type Static } from 'typebox'
import type { StoredAuditEvent } from '../../services/audit.js'
import { Timestamp } from './common.js'

/** A security event as `GET /admin/audit` answers it (docs/audit.md). */
export const AuditEvent = Type.Object(
  {
    id: Type.Integer(),
    at: Timestamp,
    type: Type.String({ description: 'e.g. login.failed, user.registered, admin.user_updated, refresh_token.reuse_detected, rate_limit.tripped' }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'The problem code of a failure; null for a success' }),
    actor_id: Type.Union([Type.String(), Type.Null()], { description: 'Who acted (null: nobody authenticated, or the command line)' }),
    target_id: Type.Union([Type.String(), Type.Null()], { description: 'The account acted on or attacked' }),
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    request_id: Type.Union([Type.String(), Type.Null()]),
    details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Names and ids only, never secrets' }),
  },
  { $id: 'AuditEvent' },
)
export type AuditEventWire = Static<typeof AuditEvent>

/** Event types are short dotted lower-case names, the only ones `GET /admin/audit?type=` can filter by. */
export const AUDIT_TYPE_PATTERN = '^[a-z_.]+$'
export const AUDIT_TYPE_MAX = 48

export function toAuditEventWire(event: StoredAuditEvent): AuditEventWire {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    type: event.type,
    reason: event.reason,
    actor_id: event.actorId,
    target_id: event.targetId,
    ip: event.ip,
    user_agent: event.userAgent,
    request_id: event.requestId,
    details: event.details,
  }
}
