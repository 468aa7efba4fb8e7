/**
 * The one normalisation of identifiers (API.md "Conventions", docs/identifiers.md):
 * NFC and NFD spellings are one account, look-alikes are refused, usernames
 * take Unicode letters, and control, format and replacement characters are a
 * 400 on every database alike, never a 500 (PostgreSQL cannot store NUL).
 * @see issue 14, findings 1 and 6
 */
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ADMIN_EMAIL = 'identifiers-admin@example.com'
const ADMIN_PASSWORD = 'identifiers admin password'
const ENV = { ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m' }

/** Characters no identifier or name may hold (Cc, Cf, U+FFFD), each inserted into otherwise valid values. */
const FORBIDDEN = [
  { name: 'NUL', char: '\u0000' },
  { name: 'a C0 control (ESC)', char: '\u001b' },
  { name: 'a C1 control', char: '\u0085' },
  { name: 'a zero-width space', char: '\u200b' },
  { name: 'a zero-width joiner', char: '\u200d' },
  { name: 'a right-to-left override', char: '\u202e' },
  { name: 'a byte-order mark', char: '\ufeff' },
  { name: 'U+FFFD', char: '\ufffd' },
]

let counter = 0
const uniqueName = (prefix: string) => `${prefix}_${process.pid % 10000}_${++counter}`

describe('identifiers and names', () => {
  let server: RunningServer
  let admin: Account

  before(async () => {
    server = await startServer(ENV)
    admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
  })
  after(() => server.stop())

  describe('control, format and replacement characters', () => {
    for (const { name, char } of FORBIDDEN) {
      it(`${name} in a registration's email, username or full name is 400 validation_failed`, async () => {
        const email = uniqueEmail('ctl')
        const [local, domain] = email.split('@') as [string, string]
        const cases = [
          { body: { email: `${local}${char}@${domain}`, password: PASSWORD }, path: '/email' },
          { body: { email, password: PASSWORD, username: `ab${char}cd${counter++}` }, path: '/username' },
          { body: { email, password: PASSWORD, full_name: `Ada${char} Lovelace` }, path: '/full_name' },
        ]
        for (const c of cases) assertProblem(await api(server.url, '/auth/register', { body: c.body }), 400, 'validation_failed', c.path)
        // Nothing was created by any of them: the clean registration still works.
        assert.equal((await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })).status, 201)
      })

      it(`a login with ${name} in the email or username is the ordinary 401 invalid_credentials`, async () => {
        const account = await register(server.url)
        const wrong = await api(server.url, '/auth/login', { body: { email: account.email, password: 'not the password at all' } })
        assertProblem(wrong, 401, 'invalid_credentials')
        const [local, domain] = account.email.split('@') as [string, string]
        for (const body of [
          { email: `${local}${char}@${domain}`, password: PASSWORD },
          { username: `someone${char}`, password: PASSWORD },
        ]) {
          const response = await api(server.url, '/auth/login', { body })
          assertProblem(response, 401, 'invalid_credentials')
          assert.deepEqual(response.body, wrong.body, 'the same body as any wrong login')
        }
        const basic = Buffer.from(`${local}${char}@${domain}:${PASSWORD}`).toString('base64')
        assertProblem(await api(server.url, '/auth/login', { method: 'POST', headers: { authorization: `Basic ${basic}` } }), 401, 'invalid_credentials')
      })

      it(`${name} in a profile change, an admin create or edit, or the admin q filter is 400 validation_failed`, async () => {
        const account = await register(server.url)
        for (const [field, value] of [['username', `ab${char}cd`], ['full_name', `Ada${char}`]] as const) {
          assertProblem(await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { [field]: value } }), 400, 'validation_failed', `/${field}`)
          assertProblem(await api(server.url, `/admin/users/${account.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { [field]: value } }), 400, 'validation_failed', `/${field}`)
        }
        assertProblem(await api(server.url, '/auth/me', { method: 'PATCH', token: account.accessToken, body: { email: `x${char}${account.email}` } }), 400, 'validation_failed', '/email')
        assertProblem(await api(server.url, '/admin/users', { token: admin.accessToken, body: { email: `x${char}${uniqueEmail()}`, password: PASSWORD } }), 400, 'validation_failed', '/email')
        assertProblem(await api(server.url, `/admin/users?q=${encodeURIComponent(`ab${char}`)}`, { token: admin.accessToken }), 400, 'validation_failed')
      })
    }

    it('a password may hold NUL and controls: it is only ever hashed', async () => {
      const password = 'pass\u0000word\u001b\u200b!'
      const account = await register(server.url, { password })
      assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password } })).status, 200)
      assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: 'password\u0000' } }), 401, 'invalid_credentials')
    })

    it('NUL in a refresh token, a logout, an introspected token or a session id never reaches the database as a 500', async () => {
      const account = await register(server.url)
      const nul = `tsr_0190${'\u0000'}0000-0000-7000-8000-000000000000.${'a'.repeat(43)}`
      assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: nul } }), 401, 'token_invalid')
      assertProblem(await api(server.url, '/auth/logout', { body: { refresh_token: nul } }), 401, 'token_invalid')
      const introspect = await api(server.url, '/oauth/introspect', { body: { token: `a\u0000.b.c` } })
      assert.ok(introspect.status < 500, introspect.text)
      assertProblem(await api(server.url, `/auth/sessions/${encodeURIComponent('\u0000')}`, { method: 'DELETE', token: account.accessToken }), 400, 'validation_failed')
      assertProblem(await api(server.url, `/admin/users/${encodeURIComponent('a\u0000b')}`, { token: admin.accessToken }), 400, 'validation_failed')
    })
  })

  describe('emails', () => {
    it('NFC and NFD spellings of one email are one account', async () => {
      const tag = uniqueName('jos')
      const nfc = `${tag}\u00e9@example.com` // é as one code point
      const nfd = `${tag}e\u0301@example.com` // e + combining acute
      const account = await register(server.url, { email: nfd })
      assert.equal(account.user.email, nfc, 'stored in NFC')
      assertProblem(await api(server.url, '/auth/register', { body: { email: nfc, password: PASSWORD } }), 409, 'user_exists')
      assert.equal((await api(server.url, '/auth/login', { body: { email: nfc.toUpperCase(), password: PASSWORD } })).status, 200)
      assert.equal((await api(server.url, '/auth/login', { body: { email: ` ${nfd} `, password: PASSWORD } })).status, 200)
    })

    it('look-alikes of an existing email are refused: Cyrillic or Greek letters mixed in, fullwidth letters, a zero-width space', async () => {
      const tag = uniqueName('admin')
      await register(server.url, { email: `${tag}@example.com` })
      const lookAlikes = [
        `\u0430${tag.slice(1)}@example.com`, // Cyrillic а in a Latin local part
        `${tag}@ex\u0430mple.com`, // Cyrillic а in a Latin domain label
        `${tag}@\u03bfexample.com`, // Greek ο
        `\uff41${tag.slice(1)}@example.com`, // fullwidth ａ
        `${tag}@example\uff0ecom`, // fullwidth full stop
        `${tag}\u200b@example.com`, // zero-width space
      ]
      for (const email of lookAlikes) {
        assertProblem(await api(server.url, '/auth/register', { body: { email, password: PASSWORD } }), 400, 'validation_failed', '/email')
      }
    })

    it('an email in one non-Latin script is an ordinary email', async () => {
      const email = `\u043f\u043e\u0447\u0442\u0430${++counter}${process.pid}@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444` // почта@пример.рф
      const account = await register(server.url, { email })
      assert.equal(account.user.email, email)
    })
  })

  describe('usernames (RFC 8265 UsernameCaseMapped)', () => {
    for (const base of ['José_004', 'müller', '山田', 'Δημήτρης', 'Иван']) {
      it(`"${base}" is a valid username, kept as written and found case-insensitively`, async () => {
        const username = `${base}${++counter}`
        const account = await register(server.url, { username })
        assert.equal(account.user.username, username)
        const byUpper = await api(server.url, '/auth/login', { body: { username: username.toUpperCase(), password: PASSWORD } })
        assert.equal(byUpper.status, 200, byUpper.text)
        assertProblem(await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, username: username.toLowerCase() } }), 409, 'user_exists')
      })
    }

    it('NFD, fullwidth and upper-case spellings of a username are the same username', async () => {
      const tag = `${++counter}${process.pid % 1000}`
      const account = await register(server.url, { username: `jos\u00e9${tag}` })
      const spellings = [`jose\u0301${tag}`, `JOS\u00c9${tag}`, `\uff4a\uff4f\uff53\u00e9${[...tag].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('')}`]
      for (const username of spellings) {
        assertProblem(await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, username } }), 409, 'user_exists')
        const response = await api(server.url, '/auth/login', { body: { username, password: PASSWORD } })
        assert.equal(response.status, 200, `${JSON.stringify(username)}: ${response.text}`)
        assert.equal(response.body.user.id, account.user.id)
      }
    })

    it('a fullwidth username is stored width-mapped', async () => {
      const account = await register(server.url, { username: `\uff21\uff44\uff41${++counter}` })
      assert.equal(account.user.username, `Ada${counter}`)
    })

    for (const [name, username] of [
      ['mixed Latin and Cyrillic', `p\u0430ypal${counter}`],
      ['a space', 'ada lovelace'],
      ['a symbol', 'ada\u2603'],
      ['an @', 'ada@home'],
      ['a leading dot', '.ada'],
      ['a ligature (compatibility character)', '\ufb01nance'],
      ['too short', 'ab'],
    ]) {
      it(`a username with ${name} is 400 validation_failed`, async () => {
        assertProblem(await api(server.url, '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, username } }), 400, 'validation_failed', '/username')
      })
    }
  })
})

/** A registration sent by node:http, which writes header values as latin1 bytes (obs-text, RFC 9110 §5.5). */
function registerWithHeaders(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url)
  const body = JSON.stringify({ email: uniqueEmail('hdr'), password: PASSWORD })
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: 'POST', path: '/auth/register', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('headers stored with a session', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ ...ENV, TRUST_PROXY: '1' })
  })
  after(() => server.stop())

  it('a user agent of bytes that are not UTF-8, or longer than the column, is stored, never a 500', async () => {
    for (const userAgent of ['Mozilla/5.0 \xff\xfe\x80 caf\xe9', `Agent/${'x'.repeat(2000)}`]) {
      const response = await registerWithHeaders(server.url, { 'user-agent': userAgent })
      assert.equal(response.status, 201, response.text)
    }
  })

  it('an X-Forwarded-For from a trusted proxy that is not an address, or too long for the column, is never a 500', async () => {
    for (const forwarded of ['not-an-address', `${'1'.repeat(100)}`, '\xff\xfe', '2001:db8::1, 10.0.0.1']) {
      const response = await registerWithHeaders(server.url, { 'x-forwarded-for': forwarded })
      assert.equal(response.status, 201, `${JSON.stringify(forwarded)}: ${response.text}`)
    }
  })
})

