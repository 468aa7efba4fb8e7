// runs-on: every-database
/**
 * Hostile input on the public endpoints, after the OWASP cheat sheets on mass
 * assignment, injection and input validation: every body is checked against its
 * schema before anything else happens, and data is never code.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

/** A problem response with this status and code (and, for validation failures, an entry for `path` when given). */
const registerRaw = (url: string, rawBody: string) =>
  api(url, '/auth/register', { method: 'POST', rawBody, headers: { 'content-type': 'application/json' } })

const loginRaw = (url: string, rawBody: string) => api(url, '/auth/login', { method: 'POST', rawBody, headers: { 'content-type': 'application/json' } })

/** The email was never registered: a clean registration of it succeeds, without any role. */
async function assertNotCreated(url: string, email: string): Promise<void> {
  const attempt = await api(url, '/auth/login', { body: { email, password: PASSWORD } })
  assert.equal(attempt.status, 401, `the rejected registration created a user: ${attempt.text}`)
  const clean = await api(url, '/auth/register', { body: { email, password: PASSWORD } })
  assert.equal(clean.status, 201, clean.text)
  assert.deepEqual(clean.body.user.roles, [])
  assert.equal(clean.body.user.active, true)
}

describe('mass assignment on register', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  // The brief fixes the error path for `__proto__`; for `constructor` only the status and code are fixed.
  const cases: Array<{ name: string; extra: (email: string) => string; path?: string }> = [
    { name: 'roles ["admin"]', extra: () => '"roles":["admin"]', path: '/roles' },
    { name: 'active false', extra: () => '"active":false', path: '/active' },
    { name: 'an id', extra: () => '"id":"01890000-0000-7000-8000-000000000000"', path: '/id' },
    { name: 'created_at', extra: () => '"created_at":"2000-01-01T00:00:00.000Z"', path: '/created_at' },
    { name: 'password_hash', extra: () => '"password_hash":"$argon2id$v=19$m=65536,t=3,p=4$x$y"', path: '/password_hash' },
    { name: '__proto__ with roles', extra: () => '"__proto__":{"roles":["admin"]}', path: '/__proto__' },
    { name: 'constructor.prototype with roles', extra: () => '"constructor":{"prototype":{"roles":["admin"]}}' },
    { name: 'a plain constructor field', extra: () => '"constructor":"Object"', path: '/constructor' },
  ]
  for (const c of cases) {
    it(`a registration with ${c.name} is 400 validation_failed and creates no user`, async () => {
      const email = uniqueEmail('mass')
      const response = await registerRaw(server.url, `{"email":${JSON.stringify(email)},"password":${JSON.stringify(PASSWORD)},${c.extra(email)}}`)
      assertProblem(response, 400, 'validation_failed', c.path)
      await assertNotCreated(server.url, email)
    })
  }

  it('a __proto__ attempt does not pollute later users: a new user has no roles', async () => {
    await registerRaw(server.url, `{"__proto__":{"roles":["admin"],"active":false},"email":"${uniqueEmail('proto')}","password":"${PASSWORD}"}`)
    const account = await register(server.url)
    assert.deepEqual(account.user.roles, [])
    const me = await api(server.url, '/auth/me', { token: account.accessToken })
    assert.deepEqual(me.body.roles, [])
    assert.equal((await api(server.url, '/admin/users', { token: account.accessToken })).status, 403)
  })
})

describe('NoSQL-style operator objects', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url, { username: 'victim_user' })
  })
  after(() => server.stop())

  const operators = [{ $gt: '' }, { $ne: null }, { $regex: '.*' }]
  for (const operator of operators) {
    const shown = JSON.stringify(operator)
    const cases: Array<{ name: string; path: string; body: () => Record<string, unknown>; field: string }> = [
      { name: `register with email ${shown}`, path: '/auth/register', body: () => ({ email: operator, password: PASSWORD }), field: '/email' },
      { name: `register with password ${shown}`, path: '/auth/register', body: () => ({ email: uniqueEmail('nosql'), password: operator }), field: '/password' },
      {
        name: `register with username ${shown}`,
        path: '/auth/register',
        body: () => ({ email: uniqueEmail('nosql'), password: PASSWORD, username: operator }),
        field: '/username',
      },
      { name: `login with email ${shown}`, path: '/auth/login', body: () => ({ email: operator, password: PASSWORD }), field: '/email' },
      { name: `login with password ${shown}`, path: '/auth/login', body: () => ({ email: account.email, password: operator }), field: '/password' },
      { name: `login with username ${shown}`, path: '/auth/login', body: () => ({ username: operator, password: PASSWORD }), field: '/username' },
      { name: `login with username and password ${shown}`, path: '/auth/login', body: () => ({ username: 'victim_user', password: operator }), field: '/password' },
    ]
    for (const c of cases) {
      it(`${c.name} is 400 validation_failed`, async () => {
        const response = await api(server.url, c.path, { body: c.body() })
        assertProblem(response, 400, 'validation_failed', c.field)
        assert.equal(response.body.access_token, undefined)
      })
    }
  }
})

describe('SQL metacharacters are data, not code', () => {
  const ADMIN_EMAIL = 'sql-admin@example.com'
  const ADMIN_PASSWORD = 'admin password 1234'
  let server: RunningServer
  let admin: Account
  let victim: Account
  before(async () => {
    // Many failed logins on purpose: the limits must not turn them into 429s.
    server = await startServer({ ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_AUTH: '1000/1m', LOGIN_FAILURE_LIMIT: '1000/1m' })
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    victim = await register(server.url, { username: 'admin_victim' })
  })
  after(() => server.stop())

  const injections = ["' OR '1'='1", "admin'--", '; DROP TABLE users;--', "' OR 1=1 --", '" OR ""="', "') OR ('a'='a", "x'; DELETE FROM sessions; --"]

  for (const injection of injections) {
    const loginCases: Array<{ name: string; body: () => Record<string, string> }> = [
      { name: `email ${JSON.stringify(injection)}`, body: () => ({ email: injection, password: PASSWORD }) },
      { name: `email ${JSON.stringify(`${injection}@example.com`)}`, body: () => ({ email: `${injection}@example.com`, password: PASSWORD }) },
      { name: `username ${JSON.stringify(injection)}`, body: () => ({ username: injection, password: PASSWORD }) },
      { name: `the victim's email with password ${JSON.stringify(injection.padEnd(8, ' '))}`, body: () => ({ email: victim.email, password: injection.padEnd(8, ' ') }) },
      { name: `the victim's username with password ${JSON.stringify(injection.padEnd(8, ' '))}`, body: () => ({ username: 'admin_victim', password: injection.padEnd(8, ' ') }) },
    ]
    for (const c of loginCases) {
      it(`login with ${c.name} fails with invalid_credentials or validation_failed`, async () => {
        const response = await api(server.url, '/auth/login', { body: c.body() })
        assert.ok(
          (response.status === 401 && response.body.code === 'invalid_credentials') || (response.status === 400 && response.body.code === 'validation_failed'),
          `${response.status} ${response.text}`,
        )
        assert.equal(response.body.access_token, undefined)
      })
    }

    it(`register with username ${JSON.stringify(injection)} is 400 validation_failed`, async () => {
      assertProblem(await api(server.url, '/auth/register', { body: { email: uniqueEmail('sqlu'), password: PASSWORD, username: injection } }), 400, 'validation_failed', '/username')
    })

    it(`the admin search q=${JSON.stringify(injection)} matches nothing and lists no user`, async () => {
      const response = await api(server.url, `/admin/users?q=${encodeURIComponent(injection)}`, { token: admin.accessToken })
      assert.equal(response.status, 200, response.text)
      assert.equal(response.body.total, 0)
      assert.deepEqual(response.body.data, [])
    })
  }

  it('register with an email whose local part has a quote works, and the email round-trips', async () => {
    const email = `o'brien-${Date.now()}@example.com`
    const created = await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.body.user.email, email)
    const me = await api(server.url, '/auth/me', { token: created.body.access_token })
    assert.equal(me.body.email, email)
    const again = await login(server.url, email)
    assert.equal(again.user.id, created.body.user.id)
    const found = await api(server.url, `/admin/users?q=${encodeURIComponent("o'brien-")}`, { token: admin.accessToken })
    assert.equal(found.status, 200, found.text)
    assert.ok(found.body.data.some((user: { email: string }) => user.email === email), found.text)
    assert.ok(found.body.data.every((user: { email: string }) => user.email.includes("o'brien-")), found.text)
  })

  it("an email with the quote attack in its local part (admin'--@...) is a distinct, working account", async () => {
    const email = `admin'--${Date.now()}@example.com`
    const created = await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })
    assert.equal(created.status, 201, created.text)
    assert.deepEqual(created.body.user.roles, [])
    assert.equal((await login(server.url, email)).user.email, email)
  })

  it('a full name and a password made of SQL round-trip as data', async () => {
    const password = "'; DROP TABLE users;--"
    const fullName = "Robert'); DROP TABLE users;--"
    const email = uniqueEmail('bobby')
    const created = await api(server.url, '/auth/register', { body: { email, password, full_name: fullName } })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.body.user.full_name, fullName)
    const again = await login(server.url, email, password)
    assert.equal(again.user.full_name, fullName)
    const wrong = await api(server.url, '/auth/login', { body: { email, password: "' OR '1'='1" } })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body.code, 'invalid_credentials')
  })

  it('LIKE wildcards in q are data: "%" and "_" match only users whose fields contain them', async () => {
    for (const q of ['%', '_', '%%']) {
      const response = await api(server.url, `/admin/users?q=${encodeURIComponent(q)}`, { token: admin.accessToken })
      assert.equal(response.status, 200, response.text)
      for (const user of response.body.data as Array<{ email: string; username: string | null; full_name: string | null }>) {
        const haystack = [user.email, user.username ?? '', user.full_name ?? ''].join('\n').toLowerCase()
        assert.ok(haystack.includes(q), `q=${q} listed ${user.email}`)
      }
    }
  })

  it('the users table still works afterwards: register, login, list and count', async () => {
    const account = await register(server.url)
    assert.equal((await login(server.url, account.email)).user.id, account.user.id)
    assert.equal((await login(server.url, victim.email)).user.id, victim.user.id)
    const list = await api(server.url, '/admin/users?per_page=100', { token: admin.accessToken })
    assert.equal(list.status, 200, list.text)
    assert.ok(list.body.total >= 4, list.text)
    assert.ok(list.body.data.some((user: { id: string }) => user.id === account.user.id))
    assert.ok(list.body.data.some((user: { id: string }) => user.id === victim.user.id))
    assert.equal((await api(server.url, '/auth/me', { token: victim.accessToken })).status, 200)
  })
})

describe('size limits', () => {
  let server: RunningServer
  let account: Account
  before(async () => {
    server = await startServer()
    account = await register(server.url)
  })
  after(() => server.stop())

  it('a 70 KiB register body is 413 payload_too_large', async () => {
    const response = await api(server.url, '/auth/register', { body: { email: uniqueEmail('big'), password: PASSWORD, full_name: 'x'.repeat(70 * 1024) } })
    assertProblem(response, 413, 'payload_too_large')
  })

  it('a 70 KiB login body is 413 payload_too_large', async () => {
    assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: 'p'.repeat(70 * 1024) } }), 413, 'payload_too_large')
  })

  const passwords = [
    { name: '129 characters', value: 'a'.repeat(129) },
    { name: '10 KB', value: 'b'.repeat(10 * 1024) },
    { name: '7 characters', value: 'c'.repeat(7) },
    { name: '129 characters of 4-byte emoji', value: '\u{1F511}'.repeat(129) },
  ]
  for (const p of passwords) {
    it(`a register password of ${p.name} is 400 validation_failed`, async () => {
      const email = uniqueEmail('pw')
      assertProblem(await api(server.url, '/auth/register', { body: { email, password: p.value } }), 400, 'validation_failed', '/password')
      const attempt = await api(server.url, '/auth/login', { body: { email, password: PASSWORD } })
      assert.equal(attempt.status, 401, attempt.text)
    })

    // The 8-character minimum is for setting a password: a short one at login is checked, and wrong (@see issue 17).
    it(`a login password of ${p.name} is ${p.value.length < 8 ? '401 invalid_credentials' : '400 validation_failed'}`, async () => {
      const attempt = await api(server.url, '/auth/login', { body: { email: account.email, password: p.value } })
      if (p.value.length < 8) assertProblem(attempt, 401, 'invalid_credentials')
      else assertProblem(attempt, 400, 'validation_failed', '/password')
    })
  }

  it('an empty login password is 400 validation_failed', async () => {
    assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: '' } }), 400, 'validation_failed', '/password')
  })

  it('a password of exactly 128 characters is accepted', async () => {
    const password = 'z'.repeat(128)
    const created = await api(server.url, '/auth/register', { body: { email: uniqueEmail('pw128'), password } })
    assert.equal(created.status, 201, created.text)
  })
})

describe('malformed bodies and content types', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  const invalidJson = ['{"email":', '{email: "a@b.co"}', "{'email':'a@b.co'}", '{"email":"a@b.co",}', 'nul', '{"a":1}}']
  for (const raw of invalidJson) {
    it(`register with ${JSON.stringify(raw)} is 400 invalid_json`, async () => {
      assertProblem(await registerRaw(server.url, raw), 400, 'invalid_json')
    })
    it(`login with ${JSON.stringify(raw)} is 400 invalid_json`, async () => {
      assertProblem(await loginRaw(server.url, raw), 400, 'invalid_json')
    })
  }

  const form = () => {
    const data = new FormData()
    data.set('email', uniqueEmail('form'))
    data.set('password', PASSWORD)
    return data
  }
  const contentTypes: Array<{ name: string; init: () => RequestInit }> = [
    {
      name: 'text/plain',
      init: () => ({ body: JSON.stringify({ email: uniqueEmail('txt'), password: PASSWORD }), headers: { 'content-type': 'text/plain' } }),
    },
    {
      name: 'application/x-www-form-urlencoded',
      init: () => ({ body: new URLSearchParams({ email: uniqueEmail('url'), password: PASSWORD }) }),
    },
    { name: 'multipart/form-data', init: () => ({ body: form() }) },
    {
      name: 'application/xml',
      init: () => ({ body: '<user><email>x@example.com</email></user>', headers: { 'content-type': 'application/xml' } }),
    },
  ]
  for (const path of ['/auth/register', '/auth/login']) {
    for (const c of contentTypes) {
      it(`${path} with ${c.name} is 415 unsupported_media_type`, async () => {
        const response = await fetch(new URL(path, server.url), { method: 'POST', ...c.init() })
        const text = await response.text()
        assert.equal(response.status, 415, text)
        assert.equal(JSON.parse(text).code, 'unsupported_media_type')
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      })
    }
  }
})

describe('Unicode passwords are normalised to NFC', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.stop())

  const nfc = 'Pässwörd Ünïcödé ñ Å'.normalize('NFC')
  const nfd = nfc.normalize('NFD')

  it('the test passwords really differ byte for byte', () => {
    assert.notEqual(nfc, nfd)
    assert.equal(nfd.normalize('NFC'), nfc)
  })

  it('a password registered in NFD form logs in with its NFC form', async () => {
    const email = uniqueEmail('nfd')
    const created = await api(server.url, '/auth/register', { body: { email, password: nfd } })
    assert.equal(created.status, 201, created.text)
    assert.equal((await api(server.url, '/auth/login', { body: { email, password: nfc } })).status, 200)
    assert.equal((await api(server.url, '/auth/login', { body: { email, password: nfd } })).status, 200)
  })

  it('a password registered in NFC form logs in with its NFD form', async () => {
    const email = uniqueEmail('nfc')
    const created = await api(server.url, '/auth/register', { body: { email, password: nfc } })
    assert.equal(created.status, 201, created.text)
    assert.equal((await api(server.url, '/auth/login', { body: { email, password: nfd } })).status, 200)
  })

  it('a different accent is still a wrong password', async () => {
    const email = uniqueEmail('accent')
    assert.equal((await api(server.url, '/auth/register', { body: { email, password: nfc } })).status, 201)
    const wrong = await api(server.url, '/auth/login', { body: { email, password: nfc.replace('ä', 'á') } })
    assertProblem(wrong, 401, 'invalid_credentials')
  })
})
