import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { ADMIN_ROLE } from '../../services/users.js'
import { fieldError } from '../../errors.js'
import { noStore } from '../request-info.js'
import { AUDIT_TYPE_MAX, AUDIT_TYPE_PATTERN, AuditEvent, toAuditEventWire } from '../schemas/audit-event.js'
import { problems, Uuid } from '../schemas/common.js'

const ListQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: AUDIT_TYPE_MAX, pattern: AUDIT_TYPE_PATTERN })),
    actor_id: Type.Optional(Uuid),
    target_id: Type.Optional(Uuid),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this time' })),
  },
  { additionalProperties: false },
)

/** `GET /admin/audit`: the security events, newest first, filterable (issue 7). */
export async function adminAuditRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addSchema(AuditEvent)
  app.get(
    '/admin/audit',
    {
      onRequest: app.requireAuth({ role: ADMIN_ROLE }),
      schema: {
        summary: 'Security events (logins, registrations, logouts, password changes, admin actions, refresh-token reuse, rate-limit trips), newest first',
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        querystring: ListQuery,
        response: {
          200: Type.Object({ data: Type.Array(Type.Unsafe({ $ref: 'AuditEvent#' })), page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { page, per_page: perPage, type, actor_id: actorId, target_id: targetId } = request.query
      const since = request.query.since === undefined ? undefined : Date.parse(request.query.since)
      const until = request.query.until === undefined ? undefined : Date.parse(request.query.until)
      if (since !== undefined && until !== undefined && since > until) throw fieldError('/since', 'must not be after until')
      const { events, total } = await services.audit.list({ type, actorId, targetId, since, until, limit: perPage, offset: (page - 1) * perPage })
      noStore(reply)
      return { data: events.map(toAuditEventWire), page, per_page: perPage, total }
    },
  )
}
