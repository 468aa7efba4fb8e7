import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { Type } from 'typebox'
import type { Services } from '../../services/index.js'
import type { AuditDeclaration } from '../audit-events.js'
import { clientInfo, noStore } from '../request-info.js'
import { IdParams, problems } from '../schemas/common.js'
import { AuthenticationCredential, CreationOptions, Passkey, PasskeyName, RegistrationCredential, RequestOptions, toPasskeyWire } from '../schemas/passkey.js'
import { TokenResponseRef } from '../schemas/token-response.js'
import { sendTokens } from '../token-reply.js'

const EmptyBody = Type.Object({}, { additionalProperties: false })
const RegisterBody = Type.Object({ credential: RegistrationCredential, name: Type.Optional(PasskeyName) }, { additionalProperties: false })
const RenameBody = Type.Object({ name: PasskeyName }, { additionalProperties: false })
const LoginOptionsBody = Type.Object(
  { mfa_token: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false, description: '`{}`: options for any passkey of this site (usernameless); `{mfa_token}`: options limited to that account\'s passkeys, for POST /auth/mfa/challenge' },
)
const LoginBody = Type.Object({ credential: AuthenticationCredential }, { additionalProperties: false })

/** The option endpoints take `{}`; an empty body is the same. */
async function bodyMayBeEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

const passkeyMethod = () => ({ method: 'passkey' })

/** A passkey sign-in is a login: the same events as a password's, marked with its method. */
const PASSKEY_LOGIN_AUDIT: AuditDeclaration = {
  success: { type: 'login.succeeded', details: passkeyMethod },
  failures: { passkey_invalid: { type: 'login.failed', details: passkeyMethod }, account_disabled: { type: 'login.failed', details: passkeyMethod } },
}

/** simplewebauthn's types want `clientExtensionResults`; a client may leave it out. */
function withExtensions<T extends { clientExtensionResults?: object }>(credential: T) {
  return { ...credential, clientExtensionResults: credential.clientExtensionResults ?? {} }
}

/**
 * Passkeys (WebAuthn): register, list, rename, remove, and sign in with one (docs/passkeys.md).
 * Registered in the RATE_LIMIT_AUTH scope: the POSTs count toward it, the reads and edits opt out.
 */
export async function passkeyRoutes(fastify: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const security = [{ bearerAuth: [] }]
  const tags = ['passkeys']

  app.post(
    '/auth/passkeys/register/options',
    {
      // A passkey is a second factor for the MFA policy: an enrolment-only token may add one.
      onRequest: app.requireAuth({ fresh: true, enrollment: true }),
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'Creation options for registering a passkey (fresh token)',
        description: 'A discoverable credential with user verification; the caller\'s own passkeys are excluded. The challenge works once, for 5 minutes.',
        tags,
        security,
        body: EmptyBody,
        response: { 200: CreationOptions, ...problems(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await services.users.requireUser(request.auth!.userId)
      noStore(reply)
      return services.passkeys.registrationOptions(user)
    },
  )

  app.post(
    '/auth/passkeys',
    {
      config: { audit: { success: { type: 'passkey.added' }, failures: { passkey_invalid: { type: 'passkey.add_failed' } } } },
      onRequest: app.requireAuth({ enrollment: true }),
      schema: {
        summary: 'Register a passkey: the answer to the creation options',
        description: '`name` defaults to the authenticator\'s name when its AAGUID is known, else "Passkey YYYY-MM-DD". 400 `passkey_invalid` when the response does not verify.',
        tags,
        security,
        body: RegisterBody,
        response: { 201: Passkey, ...problems(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await services.users.requireUser(request.auth!.userId)
      const credential = withExtensions(request.body.credential) as unknown as RegistrationResponseJSON
      const passkey = await services.passkeys.register(user, credential, request.body.name)
      request.auditNote = { details: { passkey_id: passkey.id } }
      return reply.code(201).send(toPasskeyWire(passkey))
    },
  )

  app.get(
    '/auth/passkeys',
    {
      onRequest: app.requireAuth({ enrollment: true }),
      config: { rateLimit: false },
      schema: { summary: "The current user's passkeys, oldest first", tags, security, response: { 200: Type.Object({ data: Type.Array(Passkey) }), ...problems(401) } },
    },
    async (request, reply) => {
      noStore(reply)
      return { data: (await services.passkeys.list(request.auth!.userId)).map(toPasskeyWire) }
    },
  )

  app.patch(
    '/auth/passkeys/:id',
    {
      onRequest: app.requireAuth(),
      config: { rateLimit: false, audit: { success: { type: 'passkey.renamed' } } },
      schema: { summary: 'Rename one of your passkeys', tags, security, params: IdParams, body: RenameBody, response: { 200: Passkey, ...problems(400, 401, 404, 413, 415) } },
    },
    async (request) => {
      const passkey = await services.passkeys.rename(request.auth!.userId, request.params.id, request.body.name)
      request.auditNote = { details: { passkey_id: passkey.id } }
      return toPasskeyWire(passkey)
    },
  )

  app.delete(
    '/auth/passkeys/:id',
    {
      onRequest: app.requireAuth({ fresh: true }),
      config: { rateLimit: false, audit: { success: { type: 'passkey.removed' } } },
      schema: { summary: 'Remove one of your passkeys (fresh token)', tags, security, params: IdParams, response: { 204: Type.Null(), ...problems(400, 401, 404) } },
    },
    async (request, reply) => {
      const passkey = await services.passkeys.remove(await services.users.requireUser(request.auth!.userId), request.params.id)
      request.auditNote = { details: { passkey_id: passkey.id } }
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/auth/passkeys/login/options',
    {
      preValidation: bodyMayBeEmpty,
      schema: {
        summary: 'Request options for signing in with a passkey (no username needed)',
        description: 'With `{}`, no `allowCredentials`: the browser offers the discoverable credentials it holds for this site. With `{mfa_token}` (from a login\'s 401 `mfa_required`), only that account\'s passkeys; answer with `POST /auth/mfa/challenge {mfa_token, passkey}`. A dead mfa_token is 401 `mfa_code_invalid`. The challenge works once, for 5 minutes.',
        tags,
        body: LoginOptionsBody,
        response: { 200: RequestOptions, ...problems(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const mfaToken = request.body.mfa_token
      const link = mfaToken === undefined ? undefined : await services.mfa.pendingLogin(mfaToken)
      noStore(reply)
      return services.passkeyAssertions.options(link)
    },
  )

  app.post(
    '/auth/passkeys/login',
    {
      config: { audit: PASSKEY_LOGIN_AUDIT },
      schema: {
        summary: 'Sign in with a passkey: the answer to the request options',
        description: 'User verification is required; the token is fresh and carries `amr: ["hwk", "user"]` (two factors). Any response that does not verify (unknown or removed credential, origin, RP ID, challenge, signature, counter) is 400 `passkey_invalid`, and counts toward `LOGIN_FAILURE_LIMIT` for its account when the account is known.',
        tags,
        body: LoginBody,
        response: { 200: TokenResponseRef, ...problems(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const credential = withExtensions(request.body.credential) as unknown as AuthenticationResponseJSON
      return sendTokens(services, reply, await services.passkeyLogin(credential, clientInfo(request)))
    },
  )
}
