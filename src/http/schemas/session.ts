import { Type, type Static } from 'typebox'
import type { SessionRecord } from '../../storage/sessions.js'
import { Timestamp, Uuid } from './common.js'

/** One login on one device, as `GET /auth/sessions` lists it (API.md). */
export const Session = Type.Object(
  {
    id: Uuid,
    created_at: Timestamp,
    last_used_at: Timestamp,
    expires_at: Timestamp,
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean({ description: 'The session of the token that made this request' }),
  },
  { description: 'A login on one device' },
)

/** A session on the wire without `current`, which only a request's own token can tell. */
export type SessionWire = Omit<Static<typeof Session>, 'current'>

const iso = (ms: number) => new Date(ms).toISOString()

export function toSessionWire(session: SessionRecord): SessionWire {
  return {
    id: session.id,
    created_at: iso(session.createdAt),
    last_used_at: iso(session.lastUsedAt),
    expires_at: iso(session.expiresAt),
    ip: session.ip,
    user_agent: session.userAgent,
  }
}
