// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN_EMAIL = 'root-admin@example.com'
const ADMIN_PASSWORD = 'admin password 123'
const NEW_PASSWORD = 'a brand new password 456'

/** Keys a user object must have (API.md "Conventions"). */
const USER_KEYS = ['id', 'email', 'username', 'full_name', 'roles', 'active', 'mfa', 'created_at', 'updated_at', 'last_login_at']

/** A user object has every documented key and nothing that looks like a secret. */
function assertUserObject(user: Record<string, unknown>): void {
  for (const key of USER_KEYS) assert.ok(key in user, `user object lacks "${key}": ${JSON.stringify(user)}`)
  for (const key of Object.keys(user)) assert.doesNotMatch(key, /pass|hash|secret|salt/i, `user object exposes "${key}"`)
  assert.doesNotMatch(JSON.stringify(user), /\$argon2|\$2[aby]\$|\$scrypt/, 'user object contains a password hash')
}

/** A string unlikely to occur in any other user's fields, for q= filters. */
function marker(): string {
  return `qz${randomBytes(4).toString('hex')}`
}

function refresh(url: string, refreshToken: string): Promise<ApiResponse> {
  return api(url, '/auth/refresh', { body: { refresh_token: refreshToken } })
}

describe('admin API', () => {
  let server: RunningServer
  let admin: Account
  let normal: Account

  /** Creates a user through the admin API and returns the user object. */
  async function createUser(fields: Record<string, unknown> = {}): Promise<any> {
    const response = await api(server.url, '/admin/users', {
      token: admin.accessToken,
      body: { email: uniqueEmail('created'), password: PASSWORD, ...fields },
    })
    assert.equal(response.status, 201, response.text)
    return response.body
  }

  async function listUsers(query: string): Promise<ApiResponse> {
    return api(server.url, `/admin/users?${query}`, { token: admin.accessToken })
  }

  before(async () => {
    server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    normal = await register(server.url)
  })
  after(() => server.stop())

  describe('who may call the admin routes', () => {
    let target: any
    before(async () => {
      target = await createUser()
    })

    type Caller = 'none' | 'user' | 'admin'
    interface RouteCase {
      route: string
      method: string
      /** Builds the path (and body) when the test runs; some need a fresh target user. */
      request: () => Promise<{ path: string; body?: unknown }>
      success: number
    }
    const routes: RouteCase[] = [
      { route: 'GET /admin/users', method: 'GET', request: async () => ({ path: '/admin/users' }), success: 200 },
      {
        route: 'POST /admin/users',
        method: 'POST',
        request: async () => ({ path: '/admin/users', body: { email: uniqueEmail('table'), password: PASSWORD } }),
        success: 201,
      },
      { route: 'GET /admin/users/{id}', method: 'GET', request: async () => ({ path: `/admin/users/${target.id}` }), success: 200 },
      {
        route: 'PATCH /admin/users/{id}',
        method: 'PATCH',
        request: async () => ({ path: `/admin/users/${target.id}`, body: { full_name: 'Patched By Table' } }),
        success: 200,
      },
      { route: 'DELETE /admin/users/{id}', method: 'DELETE', request: async () => ({ path: `/admin/users/${(await createUser()).id}` }), success: 204 },
      { route: 'POST /admin/users/{id}/logout', method: 'POST', request: async () => ({ path: `/admin/users/${target.id}/logout` }), success: 204 },
    ]
    const callers: Array<{ caller: Caller; status?: number; code?: string; outcome: string }> = [
      { caller: 'none', status: 401, code: 'authorization_required', outcome: 'is refused with 401 authorization_required without a token' },
      { caller: 'user', status: 403, code: 'forbidden', outcome: 'is refused with 403 forbidden for a user without the admin role' },
      { caller: 'admin', outcome: 'succeeds for an admin' },
    ]

    for (const route of routes) {
      for (const c of callers) {
        it(`${route.route} ${c.outcome}`, async () => {
          const { path, body } = await route.request()
          const token = c.caller === 'none' ? undefined : c.caller === 'user' ? normal.accessToken : admin.accessToken
          const response = await api(server.url, path, { method: route.method, token, body })
          if (c.status !== undefined) {
            assertProblem(response, c.status, c.code!)
            return
          }
          assert.equal(response.status, route.success, response.text)
          assert.match(response.headers.get('cache-control') ?? '', /no-store/)
          if (route.success === 204) assert.equal(response.text, '')
        })
      }
    }

    it('a refused DELETE by a normal user leaves the target in place', async () => {
      const victim = await createUser()
      const refused = await api(server.url, `/admin/users/${victim.id}`, { method: 'DELETE', token: normal.accessToken })
      assertProblem(refused, 403, 'forbidden')
      const still = await api(server.url, `/admin/users/${victim.id}`, { token: admin.accessToken })
      assert.equal(still.status, 200)
    })
  })

  describe('listing users', () => {
    it('paginates with page and per_page and reports the total of all matches', async () => {
      const m = marker()
      const created: string[] = []
      for (let i = 0; i < 5; i++) created.push((await createUser({ full_name: `Paged ${m} ${i}` })).id)

      const seen: string[] = []
      const expectedLengths = [2, 2, 1]
      for (let page = 1; page <= 3; page++) {
        const response = await listUsers(`q=${m}&per_page=2&page=${page}`)
        assert.equal(response.status, 200, response.text)
        assert.equal(response.body.page, page)
        assert.equal(response.body.per_page, 2)
        assert.equal(response.body.total, 5)
        assert.equal(response.body.data.length, expectedLengths[page - 1])
        for (const user of response.body.data) assertUserObject(user)
        seen.push(...response.body.data.map((user: any) => user.id))
      }
      assert.equal(new Set(seen).size, 5, 'pages overlap')
      assert.deepEqual([...seen].sort(), [...created].sort())

      const beyond = await listUsers(`q=${m}&per_page=2&page=4`)
      assert.equal(beyond.status, 200)
      assert.deepEqual(beyond.body.data, [])
      assert.equal(beyond.body.total, 5)
    })

    it('defaults to page 1 and per_page 20, and counts every user in total', async () => {
      const response = await listUsers('')
      assert.equal(response.status, 200)
      assert.equal(response.body.page, 1)
      assert.equal(response.body.per_page, 20)
      assert.ok(response.body.total >= 3, `total ${response.body.total}`)
      assert.ok(response.body.data.length <= 20)
      assert.equal(response.body.data.length, Math.min(20, response.body.total))
      const ids = response.body.data.map((user: any) => user.id)
      assert.ok(ids.includes(admin.user.id))
    })

    it('q matches a substring of email, username or full name, ignoring case', async () => {
      const m = marker()
      const byEmail = await createUser({ email: `mail-${m}-x@example.com` })
      const byUsername = await createUser({ username: `usr-${m}-y` })
      const byName = await createUser({ full_name: `Grace ${m} Hopper` })
      await createUser({ full_name: 'Someone Unrelated' })

      const all = await listUsers(`q=${m.toUpperCase()}`)
      assert.equal(all.status, 200)
      assert.deepEqual(all.body.data.map((user: any) => user.id).sort(), [byEmail.id, byUsername.id, byName.id].sort())
      assert.equal(all.body.total, 3)

      const cases = [
        { q: `MAIL-${m}`, expected: byEmail.id },
        { q: `Usr-${m.toUpperCase()}-Y`, expected: byUsername.id },
        { q: `grace ${m} HOPPER`, expected: byName.id },
      ]
      for (const c of cases) {
        const response = await listUsers(`q=${encodeURIComponent(c.q)}`)
        assert.equal(response.status, 200, response.text)
        assert.deepEqual(
          response.body.data.map((user: any) => user.id),
          [c.expected],
          `q=${c.q}`,
        )
      }
    })

    it('q treats "%" and "_" literally, not as wildcards', async () => {
      const m = marker()
      const percent = await createUser({ full_name: `${m} 50% off` })
      await createUser({ full_name: `${m} 50 percent off` })
      const underscore = await createUser({ username: `${m}_x` })
      await createUser({ username: `${m}ax` })

      const byPercent = await listUsers(`q=${encodeURIComponent(`${m} 50%`)}`)
      assert.equal(byPercent.status, 200)
      assert.deepEqual(byPercent.body.data.map((user: any) => user.id), [percent.id])

      const byUnderscore = await listUsers(`q=${encodeURIComponent(`${m}_x`)}`)
      assert.equal(byUnderscore.status, 200)
      assert.deepEqual(byUnderscore.body.data.map((user: any) => user.id), [underscore.id])

      const onlyPercent = await listUsers(`q=${encodeURIComponent('%')}&per_page=100`)
      assert.equal(onlyPercent.status, 200)
      for (const user of onlyPercent.body.data) {
        assert.ok(`${user.email} ${user.username ?? ''} ${user.full_name ?? ''}`.includes('%'), `"%" matched ${JSON.stringify(user)}`)
      }
    })

    it('active=false lists only inactive users and active=true leaves them out', async () => {
      const m = marker()
      const inactive = await createUser({ full_name: `Off ${m}`, active: false })
      const active = await createUser({ full_name: `On ${m}` })

      const off = await listUsers(`q=${m}&active=false`)
      assert.equal(off.status, 200)
      assert.deepEqual(off.body.data.map((user: any) => user.id), [inactive.id])
      assert.equal(off.body.total, 1)

      const on = await listUsers(`q=${m}&active=true`)
      assert.deepEqual(on.body.data.map((user: any) => user.id), [active.id])

      const everyInactive = await listUsers('active=false&per_page=100')
      assert.ok(everyInactive.body.data.length >= 1)
      for (const user of everyInactive.body.data) assert.equal(user.active, false)
    })

    it('role=admin lists only users holding the admin role', async () => {
      const editor = await createUser({ roles: ['editor'] })
      const response = await listUsers('role=admin&per_page=100')
      assert.equal(response.status, 200)
      const ids = response.body.data.map((user: any) => user.id)
      assert.ok(ids.includes(admin.user.id), 'the admin is missing')
      assert.ok(!ids.includes(normal.user.id), 'a normal user is listed')
      assert.ok(!ids.includes(editor.id), 'an editor is listed')
      for (const user of response.body.data) assert.ok(user.roles.includes('admin'))
      assert.equal(response.body.total, response.body.data.length)

      const editors = await listUsers('role=editor&per_page=100')
      assert.ok(editors.body.data.map((user: any) => user.id).includes(editor.id))
      for (const user of editors.body.data) assert.ok(user.roles.includes('editor'))
    })

    const badQueries = [
      { name: 'per_page=0', query: 'per_page=0' },
      { name: 'per_page=101', query: 'per_page=101' },
      { name: 'page=0', query: 'page=0' },
      { name: 'page=-1', query: 'page=-1' },
      { name: 'per_page=abc', query: 'per_page=abc' },
      { name: 'active=maybe', query: 'active=maybe' },
    ]
    for (const c of badQueries) {
      it(`rejects ${c.name} with 400 validation_failed`, async () => {
        const response = await listUsers(c.query)
        assertProblem(response, 400, 'validation_failed')
      })
    }

    it('accepts per_page at its bounds 1 and 100', async () => {
      for (const perPage of [1, 100]) {
        const response = await listUsers(`per_page=${perPage}`)
        assert.equal(response.status, 200, response.text)
        assert.equal(response.body.per_page, perPage)
        assert.ok(response.body.data.length <= perPage)
      }
    })
  })

  describe('creating users', () => {
    it('creates a user with roles and active=false, who then gets 403 account_disabled at login', async () => {
      const email = uniqueEmail('disabled')
      const response = await api(server.url, '/admin/users', {
        token: admin.accessToken,
        body: { email, password: PASSWORD, username: `dis_${marker()}`, full_name: 'Dee Sabled', roles: ['editor', 'support'], active: false },
      })
      assert.equal(response.status, 201, response.text)
      assertUserObject(response.body)
      assert.equal(response.body.email, email)
      assert.equal(response.body.full_name, 'Dee Sabled')
      assert.deepEqual([...response.body.roles].sort(), ['editor', 'support'])
      assert.equal(response.body.active, false)
      assert.equal(response.body.last_login_at, null)

      const right = await api(server.url, '/auth/login', { body: { email, password: PASSWORD } })
      assertProblem(right, 403, 'account_disabled')
      const wrong = await api(server.url, '/auth/login', { body: { email, password: 'not the password' } })
      assertProblem(wrong, 401, 'invalid_credentials')
    })

    it('a created user with defaults is active, has no roles, and can log in', async () => {
      const email = uniqueEmail('plain')
      const response = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD } })
      assert.equal(response.status, 201, response.text)
      assertUserObject(response.body)
      assert.equal(response.body.active, true)
      assert.deepEqual(response.body.roles, [])
      assert.equal(response.body.username, null)
      assert.equal(response.body.full_name, null)
      const account = await login(server.url, email)
      assert.equal(account.user.id, response.body.id)
    })

    it('a user created with the admin role can use the admin API', async () => {
      const email = uniqueEmail('second-admin')
      await createUser({ email, roles: ['admin'] })
      const account = await login(server.url, email)
      assert.deepEqual(decodeJwt(account.accessToken).roles, ['admin'])
      const response = await api(server.url, '/admin/users', { token: account.accessToken })
      assert.equal(response.status, 200)
    })

    it('rejects a duplicate email, in any case, with 409 user_exists', async () => {
      const email = uniqueEmail('dup')
      await createUser({ email })
      for (const candidate of [email, email.toUpperCase()]) {
        const response = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email: candidate, password: PASSWORD } })
        assertProblem(response, 409, 'user_exists')
      }
      const registered = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email: normal.email, password: PASSWORD } })
      assertProblem(registered, 409, 'user_exists')
    })

    it('rejects a duplicate username, in any case, with 409 user_exists', async () => {
      const username = `dupname_${marker()}`
      await createUser({ username })
      const response = await api(server.url, '/admin/users', {
        token: admin.accessToken,
        body: { email: uniqueEmail(), password: PASSWORD, username: username.toUpperCase() },
      })
      assertProblem(response, 409, 'user_exists')
    })

    const massAssignment = [
      { field: 'password_hash', value: '$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB' },
      { field: 'id', value: randomUUID() },
      { field: 'created_at', value: '2000-01-01T00:00:00.000Z' },
      { field: 'last_login_at', value: '2000-01-01T00:00:00.000Z' },
      { field: 'is_admin', value: true },
    ]
    for (const c of massAssignment) {
      it(`rejects an unknown field "${c.field}" on create with 400 validation_failed naming /${c.field}`, async () => {
        const email = uniqueEmail('mass')
        const response = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD, [c.field]: c.value } })
        assertProblem(response, 400, 'validation_failed')
        assert.ok(Array.isArray(response.body.errors))
        assert.ok(
          response.body.errors.some((error: any) => error.path === `/${c.field}`),
          `errors do not name /${c.field}: ${JSON.stringify(response.body.errors)}`,
        )
        const found = await listUsers(`q=${encodeURIComponent(email)}`)
        assert.equal(found.body.total, 0, 'the user was created anyway')
      })
    }

    const invalidBodies = [
      { name: 'a missing password', body: () => ({ email: uniqueEmail() }) },
      { name: 'a short password', body: () => ({ email: uniqueEmail(), password: 'short' }) },
      { name: 'a malformed email', body: () => ({ email: 'not-an-email', password: PASSWORD }) },
      { name: 'roles that is not an array', body: () => ({ email: uniqueEmail(), password: PASSWORD, roles: 'admin' }) },
      { name: 'active that is not a boolean', body: () => ({ email: uniqueEmail(), password: PASSWORD, active: 'no' }) },
    ]
    for (const c of invalidBodies) {
      it(`rejects ${c.name} on create with 400 validation_failed`, async () => {
        const response = await api(server.url, '/admin/users', { token: admin.accessToken, body: c.body() })
        assertProblem(response, 400, 'validation_failed')
      })
    }
  })

  describe('reading one user', () => {
    it('returns the user by id', async () => {
      const created = await createUser({ full_name: 'Read Me' })
      const response = await api(server.url, `/admin/users/${created.id}`, { token: admin.accessToken })
      assert.equal(response.status, 200)
      assertUserObject(response.body)
      assert.deepEqual(response.body, created)
    })

    const unknownId = randomUUID()
    const unknown = [
      { name: 'GET', method: 'GET', body: undefined },
      { name: 'PATCH', method: 'PATCH', body: { full_name: 'Nobody' } },
      { name: 'DELETE', method: 'DELETE', body: undefined },
      { name: 'POST .../logout', method: 'POST', body: undefined, suffix: '/logout' },
    ]
    for (const c of unknown) {
      it(`${c.name} of an unknown id answers 404 user_not_found`, async () => {
        const response = await api(server.url, `/admin/users/${unknownId}${c.suffix ?? ''}`, { method: c.method, token: admin.accessToken, body: c.body })
        assertProblem(response, 404, 'user_not_found')
      })
      it(`${c.name} of a non-uuid id answers 400 validation_failed`, async () => {
        const response = await api(server.url, `/admin/users/not-a-uuid${c.suffix ?? ''}`, { method: c.method, token: admin.accessToken, body: c.body })
        assertProblem(response, 400, 'validation_failed')
      })
    }
  })

  describe('editing users', () => {
    it('changes email, username and full_name, and the user logs in with the new email', async () => {
      const account = await register(server.url, { username: `before_${marker()}`, full_name: 'Before Name' })
      const newEmail = uniqueEmail('renamed').replace('@example.com', '@Example.COM')
      const newUsername = `after_${marker()}`
      const response = await api(server.url, `/admin/users/${account.user.id}`, {
        method: 'PATCH',
        token: admin.accessToken,
        body: { email: newEmail, username: newUsername, full_name: 'After Name' },
      })
      assert.equal(response.status, 200, response.text)
      assertUserObject(response.body)
      assert.equal(response.body.email, newEmail.toLowerCase())
      assert.equal(response.body.username, newUsername)
      assert.equal(response.body.full_name, 'After Name')

      const fetched = await api(server.url, `/admin/users/${account.user.id}`, { token: admin.accessToken })
      assert.equal(fetched.body.email, newEmail.toLowerCase())
      assert.equal(fetched.body.username, newUsername)

      const old = await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })
      assertProblem(old, 401, 'invalid_credentials')
      const renewed = await login(server.url, newEmail.toLowerCase())
      assert.equal(renewed.user.id, account.user.id)
    })

    it('profile edits alone leave the user signed in', async () => {
      const account = await register(server.url)
      const response = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { full_name: 'Just A Name' } })
      assert.equal(response.status, 200)
      const me = await api(server.url, '/auth/me', { token: account.accessToken })
      assert.equal(me.status, 200)
      assert.equal(me.body.full_name, 'Just A Name')
    })

    it('clears username and full_name when given null', async () => {
      const created = await createUser({ username: `clear_${marker()}`, full_name: 'To Clear' })
      const response = await api(server.url, `/admin/users/${created.id}`, { method: 'PATCH', token: admin.accessToken, body: { username: null, full_name: null } })
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.username, null)
      assert.equal(response.body.full_name, null)
    })

    it('rejects an email or username already taken by another user with 409 user_exists', async () => {
      const taken = await createUser({ username: `taken_${marker()}` })
      const other = await createUser()
      const byEmail = await api(server.url, `/admin/users/${other.id}`, { method: 'PATCH', token: admin.accessToken, body: { email: taken.email.toUpperCase() } })
      assertProblem(byEmail, 409, 'user_exists')
      const byUsername = await api(server.url, `/admin/users/${other.id}`, { method: 'PATCH', token: admin.accessToken, body: { username: taken.username.toUpperCase() } })
      assertProblem(byUsername, 409, 'user_exists')
      const unchanged = await api(server.url, `/admin/users/${other.id}`, { token: admin.accessToken })
      assert.equal(unchanged.body.email, other.email)
      assert.equal(unchanged.body.username, null)
    })

    it('setting a user\'s own email again is not a conflict', async () => {
      const created = await createUser()
      const response = await api(server.url, `/admin/users/${created.id}`, { method: 'PATCH', token: admin.accessToken, body: { email: created.email } })
      assert.equal(response.status, 200, response.text)
    })

    it('rejects an unknown field on patch with 400 validation_failed', async () => {
      const created = await createUser()
      const response = await api(server.url, `/admin/users/${created.id}`, { method: 'PATCH', token: admin.accessToken, body: { password_hash: 'x' } })
      assertProblem(response, 400, 'validation_failed')
      assert.ok(response.body.errors.some((error: any) => error.path === '/password_hash'))
    })

    it('changing roles revokes the user\'s access and refresh tokens at once', async () => {
      const account = await register(server.url)
      const before = await api(server.url, '/auth/me', { token: account.accessToken })
      assert.equal(before.status, 200)

      const response = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: ['editor'] } })
      assert.equal(response.status, 200, response.text)
      assert.deepEqual(response.body.roles, ['editor'])

      assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
      assertProblem(await refresh(server.url, account.refreshToken), 401, 'token_revoked')

      const again = await login(server.url, account.email)
      assert.deepEqual(decodeJwt(again.accessToken).roles, ['editor'])
      assert.deepEqual(again.user.roles, ['editor'])
    })

    it('deactivating revokes the user\'s tokens and login then gives 403 account_disabled', async () => {
      const account = await register(server.url)
      const response = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.active, false)

      assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
      assertProblem(await refresh(server.url, account.refreshToken), 401, 'token_revoked')
      assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }), 403, 'account_disabled')

      const reactivated = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: true } })
      assert.equal(reactivated.status, 200)
      assert.equal(reactivated.body.active, true)
      await login(server.url, account.email)
    })

    it('setting a password revokes old sessions; the old password fails and the new one logs in', async () => {
      const account = await register(server.url)
      const second = await login(server.url, account.email)
      const response = await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { password: NEW_PASSWORD } })
      assert.equal(response.status, 200, response.text)
      assertUserObject(response.body)

      for (const session of [account, second]) {
        assertProblem(await api(server.url, '/auth/me', { token: session.accessToken }), 401, 'token_revoked')
        assertProblem(await refresh(server.url, session.refreshToken), 401, 'token_revoked')
      }
      assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }), 401, 'invalid_credentials')
      const renewed = await login(server.url, account.email, NEW_PASSWORD)
      assert.equal((await api(server.url, '/auth/me', { token: renewed.accessToken })).status, 200)
    })

    it('rejects a password shorter than 8 characters with 400 validation_failed', async () => {
      const created = await createUser()
      const response = await api(server.url, `/admin/users/${created.id}`, { method: 'PATCH', token: admin.accessToken, body: { password: 'short' } })
      assertProblem(response, 400, 'validation_failed')
    })
  })

  describe('deleting users and ending their sessions', () => {
    it('delete revokes the user\'s tokens, and the user is gone afterwards', async () => {
      const account = await register(server.url)
      const response = await api(server.url, `/admin/users/${account.user.id}`, { method: 'DELETE', token: admin.accessToken })
      assert.equal(response.status, 204)
      assert.equal(response.text, '')

      assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
      assertProblem(await refresh(server.url, account.refreshToken), 401, 'token_revoked')
      assertProblem(await api(server.url, `/admin/users/${account.user.id}`, { token: admin.accessToken }), 404, 'user_not_found')
      assertProblem(await api(server.url, `/admin/users/${account.user.id}`, { method: 'DELETE', token: admin.accessToken }), 404, 'user_not_found')
      assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } }), 401, 'invalid_credentials')

      const again = await api(server.url, '/auth/register', { body: { email: account.email, password: PASSWORD } })
      assert.equal(again.status, 201, 'the email should be free again')
    })

    it('POST /admin/users/{id}/logout ends every session of that user but leaves the account usable', async () => {
      const first = await register(server.url)
      const second = await login(server.url, first.email)
      const response = await api(server.url, `/admin/users/${first.user.id}/logout`, { method: 'POST', token: admin.accessToken })
      assert.equal(response.status, 204)
      assert.equal(response.text, '')

      for (const session of [first, second]) {
        assertProblem(await api(server.url, '/auth/me', { token: session.accessToken }), 401, 'token_revoked')
        assertProblem(await refresh(server.url, session.refreshToken), 401, 'token_revoked')
      }
      const renewed = await login(server.url, first.email)
      assert.equal((await api(server.url, '/auth/me', { token: renewed.accessToken })).status, 200)
    })

    it('logging one user out leaves other users signed in', async () => {
      const target = await register(server.url)
      const bystander = await register(server.url)
      const response = await api(server.url, `/admin/users/${target.user.id}/logout`, { method: 'POST', token: admin.accessToken })
      assert.equal(response.status, 204)
      assert.equal((await api(server.url, '/auth/me', { token: bystander.accessToken })).status, 200)
      assert.equal((await api(server.url, '/admin/users', { token: admin.accessToken })).status, 200)
    })
  })

  it('no admin response contains a password or a hash', async () => {
    const created = await createUser({ username: `clean_${marker()}`, full_name: 'Clean Record' })
    const responses = [
      await listUsers('per_page=100'),
      await api(server.url, `/admin/users/${created.id}`, { token: admin.accessToken }),
      await api(server.url, `/admin/users/${created.id}`, { method: 'PATCH', token: admin.accessToken, body: { full_name: 'Still Clean' } }),
    ]
    for (const response of responses) {
      assert.equal(response.status, 200)
      assert.doesNotMatch(response.text, /password|hash|\$argon2/i)
    }
    for (const user of responses[0]!.body.data) assertUserObject(user)
    assertUserObject(responses[1]!.body)
    assertUserObject(responses[2]!.body)
    assertUserObject(created)
  })
})

describe('the last active admin', () => {
  let server: RunningServer
  let admin: Account

  before(async () => {
    server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })
  after(() => server.stop())

  const guarded = [
    { name: 'cannot be deleted', method: 'DELETE', body: undefined },
    { name: 'cannot be deactivated', method: 'PATCH', body: { active: false } },
    { name: 'cannot be demoted by removing every role', method: 'PATCH', body: { roles: [] } },
    { name: 'cannot be demoted to another role', method: 'PATCH', body: { roles: ['editor'] } },
  ]
  for (const c of guarded) {
    it(`${c.name} (409 last_admin) and stays signed in`, async () => {
      const response = await api(server.url, `/admin/users/${admin.user.id}`, { method: c.method, token: admin.accessToken, body: c.body })
      assertProblem(response, 409, 'last_admin')
      const self = await api(server.url, `/admin/users/${admin.user.id}`, { token: admin.accessToken })
      assert.equal(self.status, 200)
      assert.equal(self.body.active, true)
      assert.deepEqual(self.body.roles, ['admin'])
    })
  }

  it('cannot delete their own account through DELETE /auth/me either', async () => {
    const response = await api(server.url, '/auth/me', { method: 'DELETE', token: admin.accessToken })
    assertProblem(response, 409, 'last_admin')
  })

  it('an inactive second admin does not count', async () => {
    const response = await api(server.url, '/admin/users', {
      token: admin.accessToken,
      body: { email: uniqueEmail('inactive-admin'), password: PASSWORD, roles: ['admin'], active: false },
    })
    assert.equal(response.status, 201, response.text)
    const demote = await api(server.url, `/admin/users/${admin.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: [] } })
    assertProblem(demote, 409, 'last_admin')
  })

  it('keeping the admin role while adding another role is allowed', async () => {
    const response = await api(server.url, `/admin/users/${admin.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: ['admin', 'editor'] } })
    assert.equal(response.status, 200, response.text)
    assert.deepEqual([...response.body.roles].sort(), ['admin', 'editor'])
    // A roles change revokes the caller's own tokens too.
    assertProblem(await api(server.url, '/admin/users', { token: admin.accessToken }), 401, 'token_revoked')
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })

  it('after promoting a second admin, the first can be demoted, and the second is then the last', async () => {
    const second = await register(server.url)
    const promote = await api(server.url, `/admin/users/${second.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: ['admin'] } })
    assert.equal(promote.status, 200, promote.text)
    const secondAdmin = await login(server.url, second.email)

    const demote = await api(server.url, `/admin/users/${admin.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { roles: [] } })
    assert.equal(demote.status, 200, demote.text)
    assert.deepEqual(demote.body.roles, [])
    assertProblem(await api(server.url, '/admin/users', { token: admin.accessToken }), 401, 'token_revoked')

    const formerAdmin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    assertProblem(await api(server.url, '/admin/users', { token: formerAdmin.accessToken }), 403, 'forbidden')

    const admins = await api(server.url, '/admin/users?role=admin&active=true', { token: secondAdmin.accessToken })
    assert.deepEqual(admins.body.data.map((user: any) => user.id), [second.user.id])

    for (const body of [{ active: false }, { roles: [] }]) {
      const response = await api(server.url, `/admin/users/${second.user.id}`, { method: 'PATCH', token: secondAdmin.accessToken, body })
      assertProblem(response, 409, 'last_admin')
    }
    assertProblem(await api(server.url, `/admin/users/${second.user.id}`, { method: 'DELETE', token: secondAdmin.accessToken }), 409, 'last_admin')

    // With two admins again, one of them may be deleted.
    const repromote = await api(server.url, `/admin/users/${admin.user.id}`, { method: 'PATCH', token: secondAdmin.accessToken, body: { roles: ['admin'] } })
    assert.equal(repromote.status, 200)
    const removed = await api(server.url, `/admin/users/${admin.user.id}`, { method: 'DELETE', token: secondAdmin.accessToken })
    assert.equal(removed.status, 204)
  })
})
