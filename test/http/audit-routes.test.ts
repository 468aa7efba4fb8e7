// Which routes the audit log hears (issue 15): each route declares its events in its own options
// (`config.audit`), and only routes that can give an event carry the audit hook: declared ones,
// /admin/ ones (admin.access_denied), rate-limited ones (rate_limit.tripped). A host app's own
// routes are none of these unless it makes them so; a compatibility profile's route records
// exactly what the Tessera route it does the work of records.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import rateLimit from '@fastify/rate-limit'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, register, type Account, type RequestOptions } from '../helpers/client.js'

interface AuditEvent {
  type: string
  reason: string | null
  actor_id: string | null
  target_id: string | null
  request_id: string | null
  details: Record<string, unknown> | null
}

const ADMIN = { ADMIN_EMAIL: 'audit-routes-admin@example.com', ADMIN_PASSWORD: 'audit routes admin password' }

let requests = 0
/** A request with an id of its own (X-Request-Id), so its audit event, or the lack of one, can be found. */
async function tracked(url: string, path: string, options: RequestOptions = {}): Promise<{ status: number; id: string }> {
  const id = `audit-routes-${process.pid}-${++requests}`
  const response = await api(url, path, { ...options, headers: { 'x-request-id': id, ...options.headers } })
  return { status: response.status, id }
}

/** Every event, newest first (GET /admin/audit writes the queue first, so the latest are there). */
async function allEvents(url: string, admin: Account): Promise<AuditEvent[]> {
  const events: AuditEvent[] = []
  for (let page = 1; ; page++) {
    const response = await api(url, `/admin/audit?per_page=100&page=${page}`, { token: admin.accessToken })
    assert.equal(response.status, 200, response.text)
    events.push(...(response.body.data as AuditEvent[]))
    if (events.length >= response.body.total) return events
  }
}

const byRequest = (events: AuditEvent[], id: string) => events.filter((event) => event.request_id === id)

/** An event without what differs between two requests (its id, time, request id). */
const essence = ({ type, reason, actor_id, target_id, details }: AuditEvent) => ({ type, reason, actor_id, target_id, details })

describe("a host app's own routes", () => {
  let server: RunningServer
  let admin: Account
  let user: Account

  before(async () => {
    server = await startServer(ADMIN, {
      routes: async (app) => {
        app.get('/hello', async () => ({ hello: 'world' }))
        app.get('/reports', { onRequest: app.requireAuth({ role: 'admin' }) }, async () => ({ reports: [] }))
        // A 429 of the host's own making, with no rate limiter: not a trip of one.
        app.get('/busy', async () => {
          throw Object.assign(new Error('The upstream asks us to slow down'), { statusCode: 429 })
        })
        app.get('/admin/reports', { onRequest: app.requireAuth({ role: 'admin' }) }, async () => ({ reports: [] }))
        await app.register(async (limited) => {
          await limited.register(rateLimit, { max: 1, timeWindow: 60_000 })
          limited.get('/limited', async () => ({ ok: true }))
        })
      },
    })
    admin = await login(server.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD)
    user = await register(server.url)
  })
  after(() => server.stop())

  it('answering 200, 403, a 429 of their own or 404 leave no audit event', async () => {
    const quiet = [
      await tracked(server.url, '/hello'),
      await tracked(server.url, '/reports', { token: admin.accessToken }),
      await tracked(server.url, '/reports', { token: user.accessToken }),
      await tracked(server.url, '/busy', { token: user.accessToken }),
      await tracked(server.url, '/no-such-route', { token: user.accessToken }),
    ]
    assert.deepEqual(quiet.map((request) => request.status), [200, 200, 403, 429, 404])
    // An audited request after them: once its event is listed, theirs would be too.
    const audited = await tracked(server.url, '/auth/login', { body: { email: user.email, password: 'not the password' } })
    assert.equal(audited.status, 401)

    const events = await allEvents(server.url, admin)
    assert.equal(byRequest(events, audited.id).length, 1, 'the failed login is listed')
    for (const request of quiet) assert.deepEqual(byRequest(events, request.id), [], `request ${request.id} (${request.status}) left an event`)
  })

  it('under /admin/ are admin routes: a refused caller is recorded as admin.access_denied', async () => {
    const refused = await tracked(server.url, '/admin/reports', { token: user.accessToken })
    assert.equal(refused.status, 403)
    const [event, ...more] = byRequest(await allEvents(server.url, admin), refused.id)
    assert.equal(more.length, 0)
    assert.deepEqual(essence(event!), { type: 'admin.access_denied', reason: 'forbidden', actor_id: user.user.id, target_id: user.user.id, details: { route: 'GET /admin/reports' } })
  })

  it('behind a rate limiter of their own record its trips as rate_limit.tripped', async () => {
    assert.equal((await tracked(server.url, '/limited')).status, 200)
    const tripped = await tracked(server.url, '/limited')
    assert.equal(tripped.status, 429)
    const [event, ...more] = byRequest(await allEvents(server.url, admin), tripped.id)
    assert.equal(more.length, 0)
    assert.deepEqual(essence(event!), { type: 'rate_limit.tripped', reason: 'rate_limited', actor_id: null, target_id: null, details: { route: 'GET /limited' } })
  })
})

describe('RATE_LIMIT_AUTH', () => {
  let server: RunningServer
  before(async () => (server = await startServer({ ...ADMIN, RATE_LIMIT_AUTH: '2/1m' })))
  after(() => server.stop())

  it('a trip on a route that declares no event of its own is recorded with the route', async () => {
    const admin = await login(server.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD) // the first of the two
    await tracked(server.url, '/auth/passkeys/login/options', { body: {} })
    const tripped = await tracked(server.url, '/auth/passkeys/login/options', { body: {} })
    assert.equal(tripped.status, 429)
    const [event, ...more] = byRequest(await allEvents(server.url, admin), tripped.id)
    assert.equal(more.length, 0)
    assert.deepEqual(essence(event!), { type: 'rate_limit.tripped', reason: 'rate_limited', actor_id: null, target_id: null, details: { route: 'POST /auth/passkeys/login/options' } })
  })
})

describe("a compatibility profile's routes", () => {
  let server: RunningServer
  before(async () => (server = await startServer({ COMPAT_PROFILE: 'flask-jwt-extended-admin', ...ADMIN })))
  after(() => server.stop())

  it("record the same events as the Tessera routes they do the work of: login, admin update, refused admin access", async () => {
    const admin = await login(server.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD)
    const user = await register(server.url)
    const pairs: Array<[string, { status: number; id: string }, { status: number; id: string }]> = [
      [
        'failed login',
        await tracked(server.url, '/auth/login', { body: { email: user.email, password: 'wrong password' } }),
        await tracked(server.url, '/auth', { body: { email: user.email, password: 'wrong password' } }),
      ],
      [
        'login',
        await tracked(server.url, '/auth/login', { body: { email: user.email, password: user.password } }),
        await tracked(server.url, '/auth', { body: { email: user.email, password: user.password } }),
      ],
      [
        'refused admin access',
        await tracked(server.url, `/admin/users/${user.user.id}`, { method: 'PATCH', token: user.accessToken, body: { full_name: 'Mallory' } }),
        await tracked(server.url, `/admin/users/${user.user.id}`, { method: 'PUT', token: user.accessToken, body: { full_name: 'Mallory' } }),
      ],
      [
        'admin update',
        await tracked(server.url, `/admin/users/${user.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { full_name: 'Renamed Once' } }),
        await tracked(server.url, `/admin/users/${user.user.id}`, { method: 'PUT', token: admin.accessToken, body: { full_name: 'Renamed Twice' } }),
      ],
    ]
    const events = await allEvents(server.url, admin)
    const expected = ['login.failed', 'login.succeeded', 'admin.access_denied', 'admin.user_updated']
    for (const [[name, tessera, profile], type] of pairs.map((pair, index) => [pair, expected[index]!] as const)) {
      const ours = byRequest(events, tessera.id)
      const theirs = byRequest(events, profile.id)
      assert.equal(ours.length, 1, `${name}: one event for Tessera's route (${tessera.status})`)
      assert.equal(ours[0]!.type, type, name)
      assert.deepEqual(theirs.map(essence), ours.map(essence), `${name}: the profile's route records what Tessera's does`)
    }
  })
})
