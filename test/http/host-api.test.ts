// runs-on: every-database
// app.tessera, the surface a host app gets (issue 15): users, sessions, token verification and the
// audit log, each checked against accounts made over HTTP; and none of the storage, settings or Redis.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { startServer, TEST_JWT_SECRET, type RunningServer } from '../helpers/server.js'
import { api, login, register, uniqueEmail, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN_EMAIL = 'host-api-admin@example.com'
const ADMIN_PASSWORD = 'host api admin password'
const ENV = { ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m', REFRESH_REUSE_GRACE: '0' }

/** A host app's routes over app.tessera, as a README reader would write them. */
function hostRoutes(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/host/users/:id', async (request) => ({ user: await app.tessera.users.get(request.params.id) }))
  app.get<{ Querystring: { email: string } }>('/host/users', async (request) => ({ user: await app.tessera.users.findByEmail(request.query.email) }))
  app.get<{ Params: { id: string } }>('/host/users/:id/sessions', async (request) => ({ data: await app.tessera.sessions.list(request.params.id) }))
  app.delete<{ Params: { id: string } }>('/host/users/:id/sessions', async (request, reply) => {
    await app.tessera.sessions.revokeAll(request.params.id)
    return reply.code(204).send()
  })
  app.delete<{ Params: { id: string } }>('/host/sessions/:id', async (request, reply) => {
    await app.tessera.sessions.revoke(request.params.id)
    return reply.code(204).send()
  })
  // A token handed over in a body (as a WebSocket's first message would be), verified without requireAuth.
  app.post<{ Body: { token: string; options?: Record<string, unknown> } }>('/host/verify', async (request) => ({
    auth: await app.tessera.verifyAccessToken(request.body.token, request.body.options),
  }))
  app.post('/host/reports/export', { onRequest: app.requireAuth() }, async (request) => {
    app.tessera.audit.record({ type: 'report.exported', actorId: request.auth!.userId, ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id, details: { rows: 3 } })
    return { exported: 3 }
  })
  app.get<{ Querystring: { type?: string; actor_id?: string } }>('/host/audit', async (request) => app.tessera.audit.list({ type: request.query.type, actorId: request.query.actor_id }))
}

/** The same token's claims signed again with the server's key, `exp` in the past: only expiry is wrong with it. */
async function expiredCopyOf(token: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const { alg, typ, kid } = decodeProtectedHeader(token)
  return new SignJWT({ ...decodeJwt(token), iat: now - 3600, exp: now - 60 })
    .setProtectedHeader({ alg: alg!, typ: typ!, kid: kid! })
    .sign(new TextEncoder().encode(TEST_JWT_SECRET))
}

describe('app.tessera', () => {
  let server: RunningServer
  let host: FastifyInstance
  let admin: Account

  const me = (token: string) => api(server.url, '/auth/me', { token })
  const verify = (token: string, options?: Record<string, unknown>) => api(server.url, '/host/verify', { body: { token, ...(options ? { options } : {}) } })

  before(async () => {
    server = await startServer(ENV, {
      routes: (app) => {
        host = app
        hostRoutes(app)
      },
    })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })
  after(() => server.stop())

  it('offers users, sessions, verifyAccessToken and audit, and none of the storage, settings or Redis', () => {
    assert.deepEqual(Object.keys(host.tessera).sort(), ['audit', 'sessions', 'users', 'verifyAccessToken'])
    assert.deepEqual(Object.keys(host.tessera.users).sort(), ['bootstrapAdmin', 'findByEmail', 'get'])
    assert.deepEqual(Object.keys(host.tessera.sessions).sort(), ['list', 'revoke', 'revokeAll'])
    assert.deepEqual(Object.keys(host.tessera.audit).sort(), ['list', 'record'])
    for (const internal of ['storage', 'config', 'redis', 'passwords', 'accessTokens', 'keys', 'stop']) {
      assert.equal(internal in host.tessera, false, internal)
    }
    // Frozen: a host cannot swap a method under Tessera's other users of the object.
    assert.ok(Object.isFrozen(host.tessera) && Object.isFrozen(host.tessera.users))
  })

  describe('users', () => {
    it('get answers the registered user exactly as GET /auth/me does, with no hash or secret in it', async () => {
      const account = await register(server.url, { username: `host${Date.now().toString(36)}`, full_name: 'Host Reader' })
      const response = await api(server.url, `/host/users/${account.user.id}`)
      assert.equal(response.status, 200, response.text)
      const own = await me(account.accessToken)
      assert.deepEqual(response.body.user, own.body)
      assert.equal(response.body.user.email, account.email)
      assert.doesNotMatch(response.text, /password|hash|argon2|secret/i)
    })

    it('get answers null for an id no user has', async () => {
      assert.equal(await host.tessera.users.get(randomUUID()), null)
    })

    it('findByEmail finds the account whatever the case and surrounding spaces, null for an unknown address', async () => {
      const account = await register(server.url)
      const response = await api(server.url, `/host/users?email=${encodeURIComponent(`  ${account.email.toUpperCase()} `)}`)
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.user.id, account.user.id)
      assert.doesNotMatch(response.text, /password|hash|argon2|secret/i)
      assert.equal(await host.tessera.users.findByEmail(uniqueEmail('nobody')), null)
    })

    it('bootstrapAdmin finds the ADMIN_EMAIL admin the start created, and creates no second one', async () => {
      assert.equal(await host.tessera.users.bootstrapAdmin(), 'exists')
      const found = await host.tessera.users.findByEmail(ADMIN_EMAIL)
      assert.deepEqual(found?.roles, ['admin'])
      assert.equal(found?.id, admin.user.id)
    })
  })

  describe('sessions', () => {
    it('list shows the live sessions as GET /auth/sessions does, without current', async () => {
      const first = await register(server.url)
      const second = await login(server.url, first.email)
      const response = await api(server.url, `/host/users/${first.user.id}/sessions`)
      assert.equal(response.status, 200, response.text)
      const own = await api(server.url, '/auth/sessions', { token: second.accessToken })
      const withoutCurrent = (own.body.data as Array<Record<string, unknown>>).map(({ current: _current, ...rest }) => rest)
      assert.deepEqual(response.body.data, withoutCurrent)
      assert.deepEqual(response.body.data.map((s: { id: string }) => s.id).sort(), [decodeJwt(first.accessToken).sid, decodeJwt(second.accessToken).sid].sort())
      assert.deepEqual(await host.tessera.sessions.list(randomUUID()), [])
    })

    it('revoke ends that session (its access and refresh tokens refused) and leaves the others', async () => {
      const first = await register(server.url)
      const second = await login(server.url, first.email)
      const response = await api(server.url, `/host/sessions/${decodeJwt(first.accessToken).sid}`, { method: 'DELETE' })
      assert.equal(response.status, 204, response.text)
      assertProblem(await me(first.accessToken), 401, 'token_revoked')
      assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: first.refreshToken } }), 401, 'token_revoked')
      assert.equal((await me(second.accessToken)).status, 200)
    })

    it('revoke of an ended or unknown session is session_not_found', async () => {
      const account = await register(server.url)
      const sid = decodeJwt(account.accessToken).sid as string
      await host.tessera.sessions.revoke(sid)
      assertProblem(await api(server.url, `/host/sessions/${sid}`, { method: 'DELETE' }), 404, 'session_not_found')
      assertProblem(await api(server.url, `/host/sessions/${randomUUID()}`, { method: 'DELETE' }), 404, 'session_not_found')
    })

    it("revokeAll ends every session of the user, and is user_not_found for an unknown id", async () => {
      const first = await register(server.url)
      const second = await login(server.url, first.email)
      const other = await register(server.url)
      assert.equal((await api(server.url, `/host/users/${first.user.id}/sessions`, { method: 'DELETE' })).status, 204)
      assertProblem(await me(first.accessToken), 401, 'token_revoked')
      assertProblem(await me(second.accessToken), 401, 'token_revoked')
      assert.equal((await me(other.accessToken)).status, 200)
      assert.deepEqual(await host.tessera.sessions.list(first.user.id), [])
      assertProblem(await api(server.url, `/host/users/${randomUUID()}/sessions`, { method: 'DELETE' }), 404, 'user_not_found')
    })
  })

  describe('verifyAccessToken', () => {
    it('answers the token\'s AuthContext, as request.auth would hold it', async () => {
      const account = await register(server.url)
      const response = await verify(account.accessToken)
      assert.equal(response.status, 200, response.text)
      const claims = decodeJwt(account.accessToken)
      assert.deepEqual(response.body.auth, {
        userId: account.user.id,
        sessionId: claims.sid,
        roles: [],
        fresh: true,
        amr: ['pwd'],
        tokenId: claims.jti,
        issuedAt: claims.iat,
        expiresAt: claims.exp,
      })
    })

    it('refuses a revoked, an expired, a refresh, a malformed and a missing token with requireAuth\'s codes', async () => {
      const account = await register(server.url)
      assertProblem(await verify(await expiredCopyOf(account.accessToken)), 401, 'token_expired')
      assertProblem(await verify(account.refreshToken), 401, 'wrong_token_type')
      assertProblem(await verify(`${account.accessToken.slice(0, -2)}xx`), 401, 'token_invalid')
      assertProblem(await verify(''), 401, 'authorization_required')
      await host.tessera.sessions.revoke(decodeJwt(account.accessToken).sid as string)
      assertProblem(await verify(account.accessToken), 401, 'token_revoked')
    })

    it('applies the options of requireAuth: fresh, role; an unknown option is a TypeError', async () => {
      const account = await register(server.url)
      const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
      assert.equal(refreshed.status, 200, refreshed.text)
      assertProblem(await verify(refreshed.body.access_token, { fresh: true }), 401, 'fresh_token_required')
      assertProblem(await verify(account.accessToken, { role: 'admin' }), 403, 'forbidden')
      assert.equal((await verify(admin.accessToken, { role: 'admin', fresh: true })).status, 200)
      await assert.rejects(host.tessera.verifyAccessToken(account.accessToken, { admin: true } as never), TypeError)
    })
  })

  describe('audit', () => {
    it('list shows Tessera\'s own events for a user, as GET /admin/audit answers them', async () => {
      const account = await register(server.url)
      await login(server.url, account.email)
      const response = await api(server.url, `/host/audit?actor_id=${account.user.id}`)
      assert.equal(response.status, 200, response.text)
      assert.deepEqual(response.body.data.map((event: { type: string }) => event.type), ['login.succeeded', 'user.registered'])
      assert.equal(response.body.total, 2)
      const asAdmin = await api(server.url, `/admin/audit?actor_id=${account.user.id}`, { token: admin.accessToken })
      assert.deepEqual(response.body.data, asAdmin.body.data)
    })

    it('record adds the host\'s own event, which GET /admin/audit shows with its request id', async () => {
      const account = await register(server.url)
      const exported = await api(server.url, '/host/reports/export', { token: account.accessToken, method: 'POST', headers: { 'user-agent': 'host-api-test/1' } })
      assert.equal(exported.status, 200, exported.text)
      const listed = await api(server.url, `/admin/audit?type=report.exported&actor_id=${account.user.id}`, { token: admin.accessToken })
      assert.equal(listed.status, 200, listed.text)
      assert.equal(listed.body.total, 1)
      const [event] = listed.body.data
      assert.equal(event.request_id, exported.headers.get('x-request-id'))
      assert.equal(event.user_agent, 'host-api-test/1')
      assert.deepEqual(event.details, { rows: 3 })
      const own = await host.tessera.audit.list({ type: 'report.exported', actorId: account.user.id })
      assert.deepEqual(own.data, listed.body.data)
    })

    it('record refuses a type GET /admin/audit could not filter by, and details that cannot be stored', () => {
      assert.throws(() => host.tessera.audit.record({ type: 'Report Exported' }), TypeError)
      assert.throws(() => host.tessera.audit.record({ type: 'x'.repeat(49) }), TypeError)
      assert.throws(() => host.tessera.audit.record({ type: 'report.exported', details: { rows: 1n } }), TypeError)
    })

    it('list pages with limit and offset, and refuses a limit out of range', async () => {
      const account = await register(server.url)
      await login(server.url, account.email)
      const first = await host.tessera.audit.list({ actorId: account.user.id, limit: 1 })
      const second = await host.tessera.audit.list({ actorId: account.user.id, limit: 1, offset: 1 })
      assert.equal(first.total, 2)
      assert.deepEqual([...first.data, ...second.data].map((event) => event.type), ['login.succeeded', 'user.registered'])
      await assert.rejects(host.tessera.audit.list({ limit: 0 }), TypeError)
      await assert.rejects(host.tessera.audit.list({ since: new Date('not a date') }), TypeError)
    })
  })
})
