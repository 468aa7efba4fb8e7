import type { Kysely, Selectable } from 'kysely'
import type { AuditEventsTable, Database } from './database.js'

/** A security event as services see it. */
export interface AuditEvent {
  at: number
  type: string
  /** The problem code of a failure (`invalid_credentials`, `rate_limited`, ...), null for a success. */
  reason: string | null
  /** Who acted: the authenticated user, or the account that logged in or registered. */
  actorId: string | null
  /** Whom it concerned: the account acted on, or attacked. */
  targetId: string | null
  ip: string | null
  userAgent: string | null
  requestId: string | null
  /** Names, ids and counts only; never a password, token or hash. */
  details: Record<string, unknown> | null
}

export interface StoredAuditEvent extends AuditEvent {
  id: number
}

export interface AuditFilter {
  type?: string
  actorId?: string
  targetId?: string
  /** Epoch ms, inclusive. */
  since?: number
  /** Epoch ms, exclusive. */
  until?: number
  limit: number
  offset: number
}

const INSERT_BATCH = 200

function toEvent(row: Selectable<AuditEventsTable>): StoredAuditEvent {
  return {
    id: Number(row.id),
    at: Number(row.at),
    type: row.type,
    reason: row.reason,
    actorId: row.actor_id,
    targetId: row.target_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  }
}

/** Text cut to a column's width, so an odd user agent can never make an insert fail. */
const cut = (text: string | null, max: number) => (text === null ? null : text.slice(0, max))

export function createAuditEventQueries(db: Kysely<Database>) {
  return {
    async insert(events: AuditEvent[]): Promise<void> {
      for (let start = 0; start < events.length; start += INSERT_BATCH) {
        const rows = events.slice(start, start + INSERT_BATCH).map((event) => ({
          at: event.at,
          type: cut(event.type, 48)!,
          reason: cut(event.reason, 48),
          actor_id: cut(event.actorId, 36),
          target_id: cut(event.targetId, 36),
          ip: cut(event.ip, 64),
          user_agent: cut(event.userAgent, 512),
          request_id: cut(event.requestId, 64),
          details: event.details === null ? null : cut(JSON.stringify(event.details), 2048),
        }))
        await db.insertInto('audit_events').values(rows).execute()
      }
    },

    /** Newest first. */
    async list(filter: AuditFilter): Promise<{ events: StoredAuditEvent[]; total: number }> {
      let query = db.selectFrom('audit_events')
      if (filter.type !== undefined) query = query.where('type', '=', filter.type)
      if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
      if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId)
      if (filter.since !== undefined) query = query.where('at', '>=', filter.since)
      if (filter.until !== undefined) query = query.where('at', '<', filter.until)
      const totalRow = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
      const rows = await query.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute()
      return { events: rows.map(toEvent), total: Number(totalRow.total) }
    },

    /** Deletes events older than `before` (epoch ms); returns how many. */
    async prune(before: number): Promise<number> {
      const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type AuditEventQueries = ReturnType<typeof createAuditEventQueries>
