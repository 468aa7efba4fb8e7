import type { FastifyRequest } from 'fastify'
import { AppError, fieldError } from '../errors.js'
import { readCredential } from '../http/credential-source.js'
import { clientInfo } from '../http/request-info.js'
import { readLoginCredentials } from '../http/routes/auth.js'
import { toTokenResponse } from '../http/schemas/token-response.js'
import { toUserWire } from '../http/schemas/user.js'
import type { Services } from '../services/index.js'
import type { IssuedTokens } from '../services/sessions.js'
import { ADMIN_ROLE } from '../services/users.js'
import type { UserRecord } from '../storage/users.js'
import type { CompatAction, CompatProfile, CompatRoute } from './profile.js'
import { legacyUser, type TemplateValues } from './render.js'

export interface ActionContext {
  services: Services
  profile: CompatProfile
  route: CompatRoute
  request: FastifyRequest
}

type Action = (context: ActionContext) => Promise<TemplateValues>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A listing without a page number (the tutorials' "all users") stops here; larger tables page with ?page=. */
const LIST_ALL_LIMIT = 100
const PAGE_SIZE = 20

/**
 * The body in Tessera's field names: legacy names mapped (`name` → `full_name`),
 * dropped ones removed, and anything outside `allowed` refused, as Tessera's own
 * routes refuse unknown fields. Values must be strings (or booleans for `active`).
 */
function tesseraFields(context: ActionContext, allowed: readonly string[]): Record<string, string | boolean> {
  const body = context.request.body ?? {}
  if (typeof body !== 'object' || Array.isArray(body)) throw fieldError('', 'must be a JSON object')
  const out: Record<string, string | boolean> = {}
  for (const [legacy, value] of Object.entries(body as Record<string, unknown>)) {
    const field = context.profile.fields?.[legacy] ?? legacy
    if (field === '') continue
    if (!allowed.includes(field)) throw fieldError(`/${legacy}`, 'is not an allowed field')
    if (field === 'active' ? typeof value !== 'boolean' : typeof value !== 'string') throw fieldError(`/${legacy}`, 'has the wrong type')
    out[field] = value as string | boolean
  }
  return out
}

const text = (fields: Record<string, string | boolean>, name: string): string | undefined => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined)

function userValues(profile: CompatProfile, user: UserRecord): Record<string, unknown> {
  const wire = toUserWire(user) as unknown as Record<string, unknown>
  return { user: legacyUser(profile, wire), tessera_user: wire, username: user.username, email: user.email }
}

function tokenValues(context: ActionContext, issued: IssuedTokens): TemplateValues {
  const { profile, request } = context
  request.auditNote = { actorId: issued.user.id } // who registered or logged in, as Tessera's routes record it
  return {
    ...userValues(profile, issued.user),
    access_token: issued.accessToken,
    refresh_token: issued.refreshToken,
    expires_at: new Date(Date.now() + issued.expiresIn * 1000).toISOString(),
    tokens: toTokenResponse(issued),
  }
}

/** The user named by `:id`; an id that is no Tessera id is simply not found. */
async function userOfPath(context: ActionContext): Promise<UserRecord> {
  const id = (context.request.params as { id?: string }).id ?? ''
  if (!UUID.test(id)) throw new AppError('user_not_found', 'No user has this id')
  return context.services.users.requireUser(id)
}

const register: Action = async (context) => {
  const fields = tesseraFields(context, ['email', 'username', 'password', 'full_name'])
  const password = text(fields, 'password')
  if (password === undefined) throw fieldError('/password', 'is required')
  if (text(fields, 'email') === undefined && text(fields, 'username') === undefined) throw fieldError('/username', 'email or username is required')
  const issued = await context.services.users.register(
    { email: text(fields, 'email') ?? null, username: text(fields, 'username'), fullName: text(fields, 'full_name'), password },
    clientInfo(context.request),
  )
  return tokenValues(context, issued)
}

const login: Action = async (context) => {
  const { request } = context
  const fields = context.route.credentials === 'basic' ? {} : tesseraFields(context, ['email', 'username', 'password'])
  const credentials = readLoginCredentials(fields as { email?: string; username?: string; password?: string }, request.headers.authorization)
  return tokenValues(context, await context.services.login(credentials, clientInfo(request)))
}

const refresh: Action = async (context) => {
  const fields = tesseraFields(context, ['refresh_token'])
  const { token } = readCredential(context.request, compatRules(context), 'refresh', text(fields, 'refresh_token'))
  return tokenValues(context, await context.services.sessions.refresh(token))
}

const logout: Action = async (context) => {
  const { services, request, route } = context
  const fields = tesseraFields(context, ['refresh_token', 'scope'])
  const wanted = route.ends === 'refresh' ? 'refresh' : route.ends === 'access' ? 'access' : 'session'
  const credential = readCredential(request, compatRules(context), wanted, text(fields, 'refresh_token'))
  try {
    const session =
      credential.kind === 'refresh' ? await services.sessions.findByRefreshToken(credential.token) : await services.accessTokens.verify(credential.token).then((auth) => ({ id: auth.sessionId, userId: auth.userId }))
    request.auditNote = { actorId: session.userId }
    if (fields.scope === 'all') await services.sessions.revokeAll(session.userId)
    else await services.sessions.revoke(session)
  } catch (error) {
    // Flask-JWT-Extended clients log out the access token, then the refresh token of the same
    // (now ended) session: a genuine token of an ended session has nothing left to end.
    if (!(route.idempotent && error instanceof AppError && error.code === 'token_revoked')) throw error
  }
  return {}
}

/** The caller may read another user only as an admin (Tessera's rule, whatever the tutorial did). */
function assertMayRead(context: ActionContext, user: UserRecord): void {
  const auth = context.request.auth
  if (auth && auth.userId !== user.id && !auth.roles.includes(ADMIN_ROLE)) throw new AppError('forbidden', 'You may read only your own account')
}

const listUsers: Action = async (context) => {
  const params = context.request.params as { page?: string }
  const query = context.request.query as { page?: string }
  const paged = params.page !== undefined
  const page = Math.max(1, Number.parseInt(params.page ?? query.page ?? '1', 10) || 1)
  const limit = paged ? PAGE_SIZE : LIST_ALL_LIMIT
  const { users, total } = await context.services.users.list({ limit, offset: (page - 1) * limit })
  return { users: users.map((user) => legacyUser(context.profile, toUserWire(user) as unknown as Record<string, unknown>)), count: total, page }
}

const getUser: Action = async (context) => {
  const user = await userOfPath(context)
  assertMayRead(context, user)
  return userValues(context.profile, user)
}

const createUser: Action = async (context) => {
  const fields = tesseraFields(context, ['email', 'username', 'password', 'full_name'])
  const password = text(fields, 'password')
  if (password === undefined) throw fieldError('/password', 'is required')
  const user = await context.services.users.adminCreate({ email: text(fields, 'email') ?? null, username: text(fields, 'username'), fullName: text(fields, 'full_name'), password })
  context.request.auditNote = { targetId: user.id }
  return userValues(context.profile, user)
}

const updateUser: Action = async (context) => {
  const user = await userOfPath(context)
  const fields = tesseraFields(context, ['email', 'username', 'password', 'full_name', 'active'])
  const changes = {
    ...(text(fields, 'email') === undefined ? {} : { email: text(fields, 'email') }),
    ...(text(fields, 'username') === undefined ? {} : { username: text(fields, 'username') }),
    ...(text(fields, 'full_name') === undefined ? {} : { fullName: text(fields, 'full_name') }),
    ...(text(fields, 'password') === undefined ? {} : { password: text(fields, 'password') }),
    ...(typeof fields.active === 'boolean' ? { active: fields.active } : {}),
  }
  return userValues(context.profile, await context.services.users.adminUpdate(user.id, changes))
}

const deleteUser: Action = async (context) => {
  const user = await userOfPath(context)
  await context.services.users.adminDelete(user.id)
  context.request.auditNote = { targetId: user.id }
  return userValues(context.profile, user)
}

/** The tutorial's "delete all users" test route: every account but the admins (who keep the deployment reachable). */
const deleteUsers: Action = async (context) => {
  const { users: service } = context.services
  const doomed: string[] = []
  for (let offset = 0; ; offset += LIST_ALL_LIMIT) {
    const { users } = await service.list({ limit: LIST_ALL_LIMIT, offset })
    doomed.push(...users.filter((user) => !user.roles.includes(ADMIN_ROLE)).map((user) => user.id))
    if (users.length < LIST_ALL_LIMIT) break
  }
  for (const id of doomed) await service.adminDelete(id)
  return { count: doomed.length }
}

/** Cookies are Tessera's browser transport, with CSRF checks of its own routes: a legacy client never sends them. */
function compatRules(context: ActionContext) {
  return { ...context.services.config.credentialRules, cookies: false }
}

export const ACTIONS: Readonly<Record<Exclude<CompatAction, 'swagger-json' | 'swagger-ui'>, Action>> = {
  register,
  login,
  refresh,
  logout,
  'list-users': listUsers,
  'get-user': getUser,
  'create-user': createUser,
  'update-user': updateUser,
  'delete-user': deleteUser,
  'delete-users': deleteUsers,
}
