import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../../errors.js'
import type { Services } from '../../services/index.js'
import { noStoreHook } from '../request-info.js'
import { problems } from '../schemas/common.js'

const TotpCode = Type.String({ minLength: 1, maxLength: 16, description: 'The 6 digits the authenticator app shows (spaces ignored)', examples: ['123456'] })

const TotpStart = Type.Object(
  {
    secret: Type.String({ description: 'The base32 secret, for typing into an app by hand' }),
    otpauth_uri: Type.String({ description: '`otpauth://totp/...` (SHA-1, 6 digits, 30 s)' }),
    qr_svg: Type.String({ description: 'The URI as a QR code, an SVG document' }),
  },
  { description: 'Shown once; confirm with a first code' },
)

const RecoveryCodes = Type.Object(
  { recovery_codes: Type.Array(Type.String(), { minItems: 10, maxItems: 10, description: 'Each works once; shown only now, stored only as hashes' }) },
  { additionalProperties: false },
)

/**
 * A user's own TOTP factor: enrol, confirm, remove; replace the recovery codes. Enrolment
 * routes admit a token restricted to enrolment (MFA policy); the rest need an ordinary one.
 */
export async function mfaRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onSend', noStoreHook) // secrets and recovery codes: never cached
  const tags = ['mfa']
  const security = [{ bearerAuth: [] }]

  async function currentUser(userId: string) {
    const user = await services.storage.users.findById(userId)
    if (!user) throw new AppError('token_revoked', 'This account no longer exists')
    return user
  }

  app.post(
    '/auth/mfa/totp',
    {
      config: { audit: { success: { type: 'mfa.totp_enrolment_started' } } },
      onRequest: app.requireAuth({ fresh: true, enrollment: true }),
      schema: {
        summary: 'Start a TOTP enrolment (fresh token); replaces an unconfirmed one',
        tags,
        security,
        response: { 201: TotpStart, ...problems(401, 409) },
      },
    },
    async (request, reply) => {
      const started = await services.totp.start(await currentUser(request.auth!.userId))
      return reply.code(201).send({ secret: started.secret, otpauth_uri: started.otpauthUri, qr_svg: started.qrSvg })
    },
  )

  app.post(
    '/auth/mfa/totp/confirm',
    {
      config: { audit: { success: { type: 'mfa.totp_enabled' }, failures: { mfa_code_invalid: { type: 'mfa.totp_confirm_failed' } } } },
      onRequest: app.requireAuth({ enrollment: true }),
      schema: {
        summary: 'Enable TOTP with a first code; answers the 10 recovery codes, once',
        description: 'A wrong code is 400 `mfa_code_invalid` here (a signed-in user filling in a form), not the 401 of a login.',
        tags,
        security,
        body: Type.Object({ code: TotpCode }, { additionalProperties: false }),
        response: { 200: RecoveryCodes, ...problems(400, 401, 409, 413, 415) },
      },
    },
    async (request) => ({ recovery_codes: await services.totp.confirm(await currentUser(request.auth!.userId), request.body.code) }),
  )

  app.delete(
    '/auth/mfa/totp',
    {
      config: { audit: { success: { type: 'mfa.totp_disabled' } } },
      onRequest: app.requireAuth({ fresh: true, enrollment: true }),
      schema: { summary: 'Remove TOTP and its recovery codes (fresh token)', tags, security, response: { 204: Type.Null(), ...problems(401, 404) } },
    },
    async (request, reply) => {
      await services.totp.remove(await currentUser(request.auth!.userId))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/auth/mfa/recovery-codes',
    {
      config: { audit: { success: { type: 'mfa.recovery_codes_replaced' } } },
      onRequest: app.requireAuth({ fresh: true }),
      schema: { summary: 'Replace every recovery code (fresh token)', tags, security, response: { 200: RecoveryCodes, ...problems(401, 403, 404) } },
    },
    async (request) => ({ recovery_codes: await services.totp.replaceRecoveryCodes(await currentUser(request.auth!.userId)) }),
  )
}
