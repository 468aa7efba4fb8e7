import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AuthenticationCredential } from '../schemas/passkey.js'
import type { AuditDeclaration } from '../audit-events.js'
import { fieldError } from '../../errors.js'
import type { ChallengeAnswer } from '../../services/factors/challenge.js'
import type { Services } from '../../services/index.js'
import { clientInfo } from '../request-info.js'
import { problems } from '../schemas/common.js'
import { TokenResponseRef } from '../schemas/token-response.js'
import { sendTokens } from '../token-reply.js'

const ChallengeBody = Type.Object(
  {
    mfa_token: Type.String({ minLength: 1, maxLength: 128, description: 'From the 401 `mfa_required` of POST /auth/login' }),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'A TOTP code' })),
    recovery_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'One of the recovery codes (works once)' })),
    passkey: Type.Optional(AuthenticationCredential),
  },
  { additionalProperties: false, description: 'The mfa_token and exactly one of `code`, `recovery_code`, `passkey`' },
)

/** Which kind of answer a challenge gave (a name, never the code). */
function challengeMethod(request: FastifyRequest): Record<string, unknown> {
  const body = (request.body as Record<string, unknown> | null) ?? {}
  return { second_factor: body.code !== undefined ? 'totp' : body.recovery_code !== undefined ? 'recovery_code' : body.passkey !== undefined ? 'passkey' : 'none' }
}

const CHALLENGE_AUDIT: AuditDeclaration = {
  success: { type: 'login.succeeded', details: challengeMethod },
  failures: {
    mfa_code_invalid: { type: 'mfa.challenge_failed', details: challengeMethod },
    passkey_invalid: { type: 'mfa.challenge_failed', details: challengeMethod },
  },
}

/** The one answer of the body; two or none is a validation failure. */
function readAnswer(body: { code?: string; recovery_code?: string; passkey?: object }): ChallengeAnswer {
  const given = (['code', 'recovery_code', 'passkey'] as const).filter((name) => body[name] !== undefined)
  if (given.length !== 1) throw fieldError(given.length === 0 ? '/code' : `/${given[1]}`, 'send exactly one of code, recovery_code or passkey')
  if (body.code !== undefined) return { kind: 'code', code: body.code }
  if (body.recovery_code !== undefined) return { kind: 'recovery_code', recoveryCode: body.recovery_code }
  return { kind: 'passkey', assertion: body.passkey }
}

/** `POST /auth/mfa/challenge`: the second step of a login. Registered under RATE_LIMIT_AUTH. */
export async function mfaChallengeRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/auth/mfa/challenge',
    {
      config: { audit: CHALLENGE_AUDIT },
      schema: {
        summary: 'Finish a login that answered mfa_required: a TOTP code, a recovery code or a passkey',
        description:
          'Wrong answers are 401 `mfa_code_invalid` and count toward LOGIN_FAILURE_LIMIT (for the account from this address, and for the account alone); an mfa_token dies after 5 of them, when used, or after 5 minutes. A TOTP code works once.',
        tags: ['mfa'],
        body: ChallengeBody,
        response: { 200: TokenResponseRef, ...problems(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const answer = readAnswer(request.body)
      const issued = await services.mfa.answer(request.body.mfa_token, answer, clientInfo(request))
      return sendTokens(services, reply, issued)
    },
  )
}
