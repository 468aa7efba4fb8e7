// runs-on: every-database
// The audit log (issue 7): every security event appears with the right actor, target, address and
// user agent; GET /admin/audit pages and filters; no password or token ever reaches the log or the rows.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, register, uniqueEmail, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'
import { ROOT } from '../helpers/paths.js'

const CLI = resolve(ROOT, 'dist/cli/main.js')
const ADMIN_EMAIL = 'audit-admin@example.com'
const ADMIN_PASSWORD = 'audit admin password 1'
const AGENT = 'audit-test-agent/1.0'

interface AuditEvent {
  id: number
  at: string
  type: string
  reason: string | null
  actor_id: string | null
  target_id: string | null
  ip: string | null
  user_agent: string | null
  request_id: string | null
  details: Record<string, unknown> | null
}

describe('audit log', () => {
  let server: RunningServer
  let admin: Account
  /** Every password and token the run used: none may appear in the log or the audit rows. */
  const secrets = new Set<string>([ADMIN_PASSWORD])
  const keep = <T extends Account>(account: T): T => {
    secrets.add(account.password)
    secrets.add(account.accessToken)
    secrets.add(account.refreshToken)
    return account
  }
  const call = (path: string, options: Parameters<typeof api>[2] = {}) => api(server.url, path, { ...options, headers: { 'user-agent': AGENT, ...options.headers } })

  async function events(query = ''): Promise<AuditEvent[]> {
    const response = await api(server.url, `/admin/audit?per_page=100${query}`, { token: admin.accessToken })
    assert.equal(response.status, 200, response.text)
    return response.body.data as AuditEvent[]
  }

  /** The newest event of `type` about `targetId`, checked for the request's address and agent when it came from `call`. */
  async function eventOf(type: string, targetId: string | null): Promise<AuditEvent> {
    const found = (await events(`&type=${type}`)).find((event) => event.target_id === targetId)
    assert.ok(found, `no ${type} event for ${targetId}`)
    return found
  }

  before(async () => {
    server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD, REFRESH_REUSE_GRACE: '0', LOGIN_FAILURE_LIMIT: '3/15m' })
    admin = keep(await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD))
  })
  after(() => server.stop())

  it('records registration and login, successful and failed, with address and user agent', async () => {
    const email = uniqueEmail('audit')
    const password = 'alice audit password'
    secrets.add(password)
    const registered = await call('/auth/register', { body: { email, password } })
    assert.equal(registered.status, 201)
    secrets.add(registered.body.access_token).add(registered.body.refresh_token)
    const id = registered.body.user.id as string

    const event = await eventOf('user.registered', id)
    assert.equal(event.actor_id, id)
    assert.equal(event.ip, '127.0.0.1')
    assert.equal(event.user_agent, AGENT)
    assert.equal(event.reason, null)
    assert.ok(event.request_id)

    assertProblem(await call('/auth/login', { body: { email, password: 'not alice password' } }), 401, 'invalid_credentials')
    const failed = await eventOf('login.failed', id)
    assert.equal(failed.reason, 'invalid_credentials')
    assert.equal(failed.actor_id, null, 'nobody was authenticated')
    assert.equal(failed.user_agent, AGENT)

    const ok = await call('/auth/login', { body: { email, password } })
    assert.equal(ok.status, 200)
    secrets.add(ok.body.access_token).add(ok.body.refresh_token)
    const succeeded = await eventOf('login.succeeded', id)
    assert.equal(succeeded.actor_id, id)
  })

  it('records a failed login for an unknown account without naming anyone', async () => {
    const before = (await events('&type=login.failed')).length
    assertProblem(await call('/auth/login', { body: { email: uniqueEmail('nobody'), password: 'whatever password' } }), 401, 'invalid_credentials')
    const after = await events('&type=login.failed')
    assert.equal(after.length, before + 1)
    assert.equal(after[0]!.target_id, null)
    assert.equal(after[0]!.reason, 'invalid_credentials')
  })

  it('records a login refused for a disabled account and a rate-limit trip', async () => {
    const carol = keep(await register(server.url))
    for (let i = 0; i < 3; i++) assertProblem(await call('/auth/login', { body: { email: carol.email, password: `wrong password ${i}` } }), 401, 'invalid_credentials')
    assertProblem(await call('/auth/login', { body: { email: carol.email, password: carol.password } }), 429, 'rate_limited')
    const tripped = await eventOf('rate_limit.tripped', carol.user.id)
    assert.equal(tripped.reason, 'rate_limited')
    assert.equal((tripped.details as { route: string }).route, 'POST /auth/login')

    const dave = keep(await register(server.url))
    assert.equal((await api(server.url, `/admin/users/${dave.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })).status, 200)
    assertProblem(await call('/auth/login', { body: { email: dave.email, password: dave.password } }), 403, 'account_disabled')
    assert.equal((await eventOf('login.failed', dave.user.id)).reason, 'account_disabled')
  })

  it('records refresh-token reuse, password change and logout with the user as actor and target', async () => {
    const erin = keep(await register(server.url))
    const first = await call('/auth/refresh', { body: { refresh_token: erin.refreshToken } })
    assert.equal(first.status, 200)
    secrets.add(first.body.access_token).add(first.body.refresh_token)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assertProblem(await call('/auth/refresh', { body: { refresh_token: erin.refreshToken } }), 401, 'refresh_token_reused')
    const reuse = await eventOf('refresh_token.reuse_detected', erin.user.id)
    assert.equal(reuse.reason, 'refresh_token_reused')

    const fresh = keep(await login(server.url, erin.email, erin.password))
    const newPassword = 'erin has a new password'
    secrets.add(newPassword)
    const changed = await call('/auth/password', { method: 'PUT', token: fresh.accessToken, body: { current_password: erin.password, new_password: newPassword } })
    assert.equal(changed.status, 204)
    const passwordEvent = await eventOf('password.changed', erin.user.id)
    assert.equal(passwordEvent.actor_id, erin.user.id)

    const loggedOut = await call('/auth/logout', { token: fresh.accessToken, body: { scope: 'all' } })
    assert.equal(loggedOut.status, 204)
    const logout = await eventOf('logout', erin.user.id)
    assert.equal(logout.actor_id, erin.user.id)
    assert.deepEqual(logout.details, { scope: 'all' })
  })

  it('records admin actions with the admin as actor and the user as target, and refused admin access', async () => {
    const email = uniqueEmail('bob')
    const password = 'bob has a password'
    secrets.add(password)
    const created = await call('/admin/users', { token: admin.accessToken, body: { email, password } })
    assert.equal(created.status, 201)
    const bob = created.body.id as string
    const expectAdminEvent = async (type: string) => {
      const event = await eventOf(type, bob)
      assert.equal(event.actor_id, admin.user.id, `${type}: actor`)
      assert.equal(event.user_agent, AGENT)
      return event
    }
    await expectAdminEvent('admin.user_created')

    const changedPassword = 'bob gets another password'
    secrets.add(changedPassword)
    assert.equal((await call(`/admin/users/${bob}`, { method: 'PATCH', token: admin.accessToken, body: { roles: ['editor'], password: changedPassword } })).status, 200)
    const updated = await expectAdminEvent('admin.user_updated')
    assert.deepEqual(updated.details, { fields: ['password', 'roles'] }, 'field names only, never values')

    assert.equal((await call(`/admin/users/${bob}/logout`, { method: 'POST', token: admin.accessToken })).status, 204)
    await expectAdminEvent('admin.user_logged_out')
    assert.equal((await call(`/admin/users/${bob}`, { method: 'DELETE', token: admin.accessToken })).status, 204)
    await expectAdminEvent('admin.user_deleted')

    const mallory = keep(await register(server.url))
    assertProblem(await call('/admin/users', { token: mallory.accessToken }), 403, 'forbidden')
    const denied = (await events('&type=admin.access_denied')).find((event) => event.actor_id === mallory.user.id)
    assert.ok(denied, 'no admin.access_denied event for the non-admin')
    assert.equal(denied.reason, 'forbidden')
  })

  it('records changes made with the CLI, marked as such', async () => {
    const email = uniqueEmail('cli')
    // Not spawnSync: the server runs in this process, and a blocked event loop would stall it (its revocation polls go stale).
    const child = spawn(process.execPath, [CLI, 'users', 'create', '--email', email, '--password-stdin', '--json'], {
      env: { PATH: process.env.PATH ?? '', ...server.env },
      cwd: server.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    child.stdin.end('a cli password here\n')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve))
    assert.equal(status, 0, stderr)
    const id = JSON.parse(stdout).id as string
    const event = await eventOf('admin.user_created', id)
    assert.equal(event.actor_id, null)
    assert.deepEqual(event.details, { via: 'cli' })
  })

  it('pages, filters by type, actor, target and time, and newest come first', async () => {
    const all = await events()
    assert.ok(all.length >= 10)
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.at >= all[i]!.at, 'newest first')

    const page2 = await api(server.url, '/admin/audit?per_page=2&page=2', { token: admin.accessToken })
    assert.equal(page2.status, 200)
    assert.equal(page2.body.page, 2)
    assert.equal(page2.body.per_page, 2)
    assert.ok(page2.body.total >= all.length)
    assert.deepEqual(page2.body.data.map((event: AuditEvent) => event.id), all.slice(2, 4).map((event) => event.id))

    const byActor = await events(`&actor_id=${admin.user.id}`)
    assert.ok(byActor.length > 0 && byActor.every((event) => event.actor_id === admin.user.id))
    const target = all.find((event) => event.target_id !== null)!.target_id!
    const byTarget = await events(`&target_id=${target}`)
    assert.ok(byTarget.length > 0 && byTarget.every((event) => event.target_id === target))

    const future = new Date(Date.now() + 60_000).toISOString()
    assert.equal((await events(`&since=${encodeURIComponent(future)}`)).length, 0)
    assert.equal((await events(`&until=${encodeURIComponent(future)}`)).length, Math.min(100, page2.body.total))
  })

  it('refuses bad filters with 400 and anyone but an admin', async () => {
    assertProblem(await api(server.url, '/admin/audit?since=yesterday', { token: admin.accessToken }), 400, 'validation_failed')
    assertProblem(await api(server.url, '/admin/audit?actor_id=1%20or%201=1', { token: admin.accessToken }), 400, 'validation_failed')
    assertProblem(await api(server.url, '/admin/audit?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z', { token: admin.accessToken }), 400, 'validation_failed')
    assertProblem(await api(server.url, '/admin/audit'), 401, 'authorization_required')
    const user = keep(await register(server.url))
    assertProblem(await api(server.url, '/admin/audit', { token: user.accessToken }), 403, 'forbidden')
  })

  it('never stores or logs a password or a token', async () => {
    const rows: AuditEvent[] = []
    for (let page = 1; ; page++) {
      const response = await api(server.url, `/admin/audit?per_page=100&page=${page}`, { token: admin.accessToken })
      rows.push(...(response.body.data as AuditEvent[]))
      if (rows.length >= response.body.total) break
    }
    assert.ok(rows.length >= 15, `only ${rows.length} events`)
    const everything = `${JSON.stringify(rows)}\n${server.output.join('\n')}`
    assert.ok(secrets.size >= 20, `only ${secrets.size} secrets collected`)
    for (const secret of secrets) assert.ok(!everything.includes(secret), `a secret reached the audit log or the server log: ${secret.slice(0, 12)}…`)
  })
})
