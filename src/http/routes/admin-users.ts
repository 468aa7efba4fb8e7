import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { ADMIN_ROLE } from '../../services/users.js'
import { changedFields, type AuditDeclaration } from '../audit-events.js'
import { noStoreHook } from '../request-info.js'
import { Email, IdParams, Password, problems, Role, Roles, SearchText } from '../schemas/common.js'
import { FullName, NullableFullName, NullableUsername, toUserWire, UserRef, Username } from '../schemas/user.js'

const ListQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    q: Type.Optional({ ...SearchText, description: 'Substring of email, username or full name' }),
    active: Type.Optional(Type.Boolean()),
    role: Type.Optional(Role),
  },
  { additionalProperties: false },
)

const CreateBody = Type.Object(
  {
    email: Email,
    password: Password,
    username: Type.Optional(Username),
    full_name: Type.Optional(FullName),
    roles: Type.Optional(Roles),
    active: Type.Optional(Type.Boolean()),
    email_verified: Type.Optional(Type.Boolean({ description: 'An address the admin vouches for; no verification mail is sent either way (send-verification does)' })),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    email: Type.Optional(Email),
    username: Type.Optional(NullableUsername),
    full_name: Type.Optional(NullableFullName),
    roles: Type.Optional(Roles),
    active: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
    email_verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

// The audit events of these routes that a compatibility profile's admin routes share
// (src/compat/mount.ts), hence the route each names.
export const CREATE_USER_AUDIT: AuditDeclaration = { route: 'POST /admin/users', success: { type: 'admin.user_created' } }
export const UPDATE_USER_AUDIT: AuditDeclaration = { route: 'PATCH /admin/users/:id', success: { type: 'admin.user_updated', targetFromParams: true, details: changedFields } }
export const DELETE_USER_AUDIT: AuditDeclaration = { route: 'DELETE /admin/users/:id', success: { type: 'admin.user_deleted', targetFromParams: true } }

/** User management for admins. Every route here requires the `admin` role. */
export async function adminUserRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onRequest', app.requireAuth({ role: ADMIN_ROLE }))
  app.addHook('onSend', noStoreHook)
  const tags = ['admin']
  const security = [{ bearerAuth: [] }]

  app.get(
    '/admin/users',
    {
      schema: {
        summary: 'List users, with filters and pagination',
        tags,
        security,
        querystring: ListQuery,
        response: {
          200: Type.Object({ data: Type.Array(UserRef), page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { page, per_page: perPage, q, active, role } = request.query
      const { users, total } = await services.users.list({ q, active, role, limit: perPage, offset: (page - 1) * perPage })
      return { data: users.map(toUserWire), page, per_page: perPage, total }
    },
  )

  app.post(
    '/admin/users',
    { config: { audit: CREATE_USER_AUDIT }, schema: { summary: 'Create a user', tags, security, body: CreateBody, response: { 201: UserRef, ...problems(400, 401, 403, 409, 413, 415) } } },
    async (request, reply) => {
      const { full_name: fullName, email_verified: emailVerified, ...rest } = request.body
      const user = await services.users.adminCreate({ ...rest, fullName, emailVerified })
      request.auditNote = { targetId: user.id }
      return reply.code(201).send(toUserWire(user))
    },
  )

  app.get(
    '/admin/users/:id',
    { schema: { summary: 'One user', tags, security, params: IdParams, response: { 200: UserRef, ...problems(400, 401, 403, 404) } } },
    async (request) => toUserWire(await services.users.requireUser(request.params.id)),
  )

  app.patch(
    '/admin/users/:id',
    {
      config: { audit: UPDATE_USER_AUDIT },
      schema: {
        summary: 'Edit a user; changing roles, deactivating or setting a password ends their sessions',
        tags,
        security,
        params: IdParams,
        body: UpdateBody,
        response: { 200: UserRef, ...problems(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { full_name: fullName, email_verified: emailVerified, ...rest } = request.body
      return toUserWire(await services.users.adminUpdate(request.params.id, { ...rest, fullName, emailVerified }))
    },
  )

  app.delete(
    '/admin/users/:id',
    { config: { audit: DELETE_USER_AUDIT }, schema: { summary: 'Delete a user and end their sessions', tags, security, params: IdParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) } } },
    async (request, reply) => {
      await services.users.adminDelete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/admin/users/:id/send-verification',
    {
      config: { audit: { success: { type: 'admin.verification_sent', targetFromParams: true } } },
      schema: {
        summary: 'Send a verification link to the user\'s address (or pending address)',
        description: '202 also when the address is already verified (nothing is sent) or RATE_LIMIT_EMAIL holds the mail back.',
        tags,
        security,
        params: IdParams,
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.email.requestVerification(request.params.id)
      return reply.code(202).send({ status: 'accepted' as const })
    },
  )

  app.post(
    '/admin/users/:id/send-password-reset',
    {
      config: { audit: { success: { type: 'admin.password_reset_sent', targetFromParams: true } } },
      schema: {
        summary: 'Send a password reset link to the user',
        description: '400 `validation_failed` when the account has no address or is deactivated; 202 otherwise (RATE_LIMIT_EMAIL may hold the mail back).',
        tags,
        security,
        params: IdParams,
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.email.adminPasswordReset(request.params.id)
      return reply.code(202).send({ status: 'accepted' as const })
    },
  )

  app.post(
    '/admin/users/:id/logout',
    { config: { audit: { success: { type: 'admin.user_logged_out', targetFromParams: true } } }, schema: { summary: 'End every session of a user', tags, security, params: IdParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404) } } },
    async (request, reply) => {
      await services.users.adminLogout(request.params.id)
      return reply.code(204).send(null)
    },
  )
}
