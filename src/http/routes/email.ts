import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import { noStore } from '../request-info.js'
import { Email, LinkToken, Password, problems } from '../schemas/common.js'
import { toUserWire, UserRef } from '../schemas/user.js'

const TokenBody = Type.Object({ token: LinkToken }, { additionalProperties: false })
const ForgotBody = Type.Object({ email: Email }, { additionalProperties: false })
const ResetBody = Type.Object({ token: LinkToken, new_password: Password }, { additionalProperties: false })
/** The one answer of the forgot endpoint, whatever the address: nothing in it tells who has an account. */
const Accepted = Type.Object({ status: Type.Literal('accepted') })
const ACCEPTED = { status: 'accepted' as const }

/**
 * Accounts over email (issue 16): verify an address, forget and reset a password. Registered in
 * the RATE_LIMIT_AUTH scope (per client address); RATE_LIMIT_EMAIL limits mails per address.
 * Every mail goes through the outbox: no answer here waits for SMTP.
 */
export async function emailRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['email']

  app.post(
    '/auth/email/verify/request',
    {
      config: { audit: { success: { type: 'email.verification_requested' } } },
      onRequest: app.requireAuth(),
      schema: {
        summary: 'Send a verification link to the caller\'s address (or its pending new address)',
        description: '202 also when the address is already verified (nothing is sent) or RATE_LIMIT_EMAIL holds the mail back.',
        tags,
        security: [{ bearerAuth: [] }],
        response: { 202: Accepted, ...problems(401, 429) },
      },
    },
    async (request, reply) => {
      await services.email.requestVerification(request.auth!.userId)
      return reply.code(202).send(ACCEPTED)
    },
  )

  app.post(
    '/auth/email/verify',
    {
      config: {
        audit: {
          success: { type: 'email.verified' },
          // user_exists: the address was taken meanwhile (a pending change)
          failures: { email_token_invalid: { type: 'email.verify_failed' }, email_token_expired: { type: 'email.verify_failed' }, user_exists: { type: 'email.verify_failed' } },
        },
      },
      schema: {
        summary: 'Use a verification link: verifies the address, or completes a pending email change',
        tags,
        body: TokenBody,
        response: { 200: UserRef, ...problems(400, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await services.email.verify(request.body.token)
      request.auditNote = { actorId: user.id, targetId: user.id }
      noStore(reply)
      return toUserWire(user)
    },
  )

  app.post(
    '/auth/password/forgot',
    {
      // The event names no account: who asked for whom stays unknown.
      config: { audit: { success: { type: 'password.reset_requested' } } },
      schema: {
        summary: 'Ask for a password reset link',
        description: 'The same 202, body and timing whether or not the account exists, is active or verified; a link goes only to an existing active account, at most RATE_LIMIT_EMAIL per address.',
        tags,
        body: ForgotBody,
        response: { 202: Accepted, ...problems(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      await services.email.forgotPassword(request.body.email)
      return reply.code(202).send(ACCEPTED)
    },
  )

  app.post(
    '/auth/password/reset',
    {
      config: { audit: { success: { type: 'password.reset' }, failures: { email_token_invalid: { type: 'password.reset_failed' }, email_token_expired: { type: 'password.reset_failed' } } } },
      schema: {
        summary: 'Set a new password with a reset link',
        description: 'Marks the address verified, ends every session of the account at once and sends a "password changed" notice.',
        tags,
        body: ResetBody,
        response: { 204: Type.Null(), ...problems(400, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = await services.email.resetPassword(request.body.token, request.body.new_password)
      request.auditNote = { actorId: userId, targetId: userId }
      return reply.code(204).send(null)
    },
  )
}
