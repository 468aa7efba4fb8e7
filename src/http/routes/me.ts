import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { clearAuthCookies } from '../plugins/cookies.js'
import type { Services } from '../../services/index.js'
import { AppError } from '../../errors.js'
import { changedFields } from '../audit-events.js'
import { noStore } from '../request-info.js'
import { Email, Locale, Password, problems } from '../schemas/common.js'
import { pickLocale } from '../../mail/templates/index.js'
import { NullableFullName, NullableUsername, toUserWire, UserRef } from '../schemas/user.js'

const ProfileBody = Type.Object(
  { username: Type.Optional(NullableUsername), full_name: Type.Optional(NullableFullName), email: Type.Optional(Email), locale: Type.Optional(Type.Union([Locale, Type.Null()])) },
  {
    additionalProperties: false,
    description:
      'Changing `email` needs a fresh token (from a password login). With EMAIL_CHANGE_CONFIRMATION=on (the default) the new address becomes `pending_email` and gets a confirmation link; the current one gets a notice. `locale`: the language of the account\'s mails (stored as the best supported match).',
  },
)

const PasswordBody = Type.Object({ current_password: Password, new_password: Password }, { additionalProperties: false })

/** The caller's own account: read, edit, change password, delete. */
export async function meRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const security = [{ bearerAuth: [] }]

  async function currentUser(userId: string) {
    try {
      return await services.users.requireUser(userId)
    } catch (error) {
      // A live token for a user who no longer exists: the deletion revoked it; say so.
      if (error instanceof AppError && error.code === 'user_not_found') throw new AppError('token_revoked', 'This account no longer exists')
      throw error
    }
  }

  app.get(
    '/auth/me',
    {
      // A token restricted to enrolment may read its user (the SPA shows whom it is enrolling).
      onRequest: app.requireAuth({ enrollment: true }),
      schema: { summary: 'The current user', tags: ['me'], security, response: { 200: UserRef, ...problems(401) } },
    },
    async (request, reply) => {
      noStore(reply)
      return toUserWire(await currentUser(request.auth!.userId))
    },
  )

  app.patch(
    '/auth/me',
    {
      config: { audit: { success: { type: 'profile.updated', details: changedFields } } },
      onRequest: app.requireAuth(),
      schema: { summary: 'Edit the current user', tags: ['me'], security, body: ProfileBody, response: { 200: UserRef, ...problems(400, 401, 409, 413, 415) } },
    },
    async (request, reply) => {
      await currentUser(request.auth!.userId)
      const { username, full_name: fullName, email, locale } = request.body
      const user = await services.users.updateProfile(request.auth!, { username, fullName, email, locale: locale === undefined || locale === null ? locale : pickLocale(locale) })
      if (email !== undefined) request.auditNote = { details: { email_change: user.pendingEmail !== null ? 'pending' : 'done' } }
      noStore(reply)
      return toUserWire(user)
    },
  )

  app.put(
    '/auth/password',
    {
      config: { audit: { success: { type: 'password.changed' }, failures: { invalid_credentials: { type: 'password.change_failed' } } } },
      onRequest: app.requireAuth({ fresh: true }),
      schema: {
        summary: 'Change the password (fresh token); ends every other session',
        tags: ['me'],
        security,
        body: PasswordBody,
        response: { 204: Type.Null(), ...problems(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      await currentUser(request.auth!.userId)
      await services.users.changePassword(request.auth!, request.body.current_password, request.body.new_password)
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/auth/me',
    {
      config: { audit: { success: { type: 'account.deleted' } } },
      onRequest: app.requireAuth({ fresh: true }),
      schema: { summary: 'Delete the account (fresh token) and end its sessions', tags: ['me'], security, response: { 204: Type.Null(), ...problems(401, 409) } },
    },
    async (request, reply) => {
      await currentUser(request.auth!.userId)
      await services.users.deleteSelf(request.auth!)
      // The account is gone: a browser in cookie mode should not keep presenting its tokens.
      if (services.config.authCookies) clearAuthCookies(reply)
      return reply.code(204).send(null)
    },
  )
}
