import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const WRONG_PASSWORD = 'definitely not it'

/** 429 rate_limited with a Retry-After of whole seconds, no longer than the window. */
function assertRateLimited(response: ApiResponse, windowSeconds: number): void {
  assertProblem(response, 429, 'rate_limited')
  const retryAfter = response.headers.get('retry-after')
  assert.ok(retryAfter !== null, 'Retry-After is missing')
  assert.match(retryAfter, /^\d+$/, `Retry-After "${retryAfter}" is not whole seconds`)
  const seconds = Number(retryAfter)
  assert.ok(seconds > 0 && seconds <= windowSeconds, `Retry-After ${seconds} outside 1..${windowSeconds}`)
}

function basic(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`
}

describe('RATE_LIMIT_AUTH=5/1m', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer({ RATE_LIMIT_AUTH: '5/1m' })
  })
  after(() => server.stop())

  it('the 6th request across register, login and refresh from one address gets 429 rate_limited; logout is not counted', async () => {
    const email = uniqueEmail('limited')
    // 1: register
    const registered = await api(server.url, '/auth/register', { body: { email, password: PASSWORD } })
    assert.equal(registered.status, 201, registered.text)
    // 2: login
    const loggedIn = await api(server.url, '/auth/login', { body: { email, password: PASSWORD } })
    assert.equal(loggedIn.status, 200, loggedIn.text)
    // 3: refresh
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: registered.body.refresh_token } })
    assert.equal(refreshed.status, 200, refreshed.text)

    // Logouts of every kind do not count.
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: loggedIn.body.access_token })).status, 204)
    assert.equal((await api(server.url, '/auth/logout', { body: { refresh_token: refreshed.body.refresh_token } })).status, 204)
    assertProblem(await api(server.url, '/auth/logout', { method: 'POST' }), 401, 'authorization_required')
    assertProblem(await api(server.url, '/auth/logout', { method: 'POST', token: loggedIn.body.access_token }), 401, 'token_revoked')

    // 4: a failed login counts too
    assertProblem(await api(server.url, '/auth/login', { body: { email, password: WRONG_PASSWORD } }), 401, 'invalid_credentials')
    // 5: login
    const fifth = await api(server.url, '/auth/login', { body: { email, password: PASSWORD } })
    assert.equal(fifth.status, 200, fifth.text)

    // 6, 7, 8: every one of the three routes is now refused
    assertRateLimited(await api(server.url, '/auth/register', { body: { email: uniqueEmail('sixth'), password: PASSWORD } }), 60)
    assertRateLimited(await api(server.url, '/auth/login', { body: { email, password: PASSWORD } }), 60)
    assertRateLimited(await api(server.url, '/auth/refresh', { body: { refresh_token: fifth.body.refresh_token } }), 60)

    // Routes outside the budget still answer, and logout still works.
    const me = await api(server.url, '/auth/me', { token: fifth.body.access_token })
    assert.equal(me.status, 200, me.text)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: fifth.body.access_token })).status, 204)
  })

  it('a refused registration did not create the account', async () => {
    const email = uniqueEmail('refused')
    assertRateLimited(await api(server.url, '/auth/register', { body: { email, password: PASSWORD } }), 60)
    assertRateLimited(await api(server.url, '/auth/login', { body: { email, password: PASSWORD } }), 60)
  })
})

describe('LOGIN_FAILURE_LIMIT=3/1m', () => {
  let server: RunningServer
  let victim: Account
  let bystander: Account
  let lockedBody: any
  before(async () => {
    server = await startServer({ LOGIN_FAILURE_LIMIT: '3/1m' })
    victim = await register(server.url, { username: `victim_${randomBytes(4).toString('hex')}` })
    bystander = await register(server.url)
  })
  after(() => server.stop())

  it('after three wrong passwords even the right password gets 429 rate_limited with Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await api(server.url, '/auth/login', { body: { email: victim.email, password: WRONG_PASSWORD } })
      assertProblem(response, 401, 'invalid_credentials')
    }
    const locked = await api(server.url, '/auth/login', { body: { email: victim.email, password: PASSWORD } })
    assertRateLimited(locked, 60)
    lockedBody = locked.body
  })

  it('a further wrong password while locked also gets 429, not 401', async () => {
    assertRateLimited(await api(server.url, '/auth/login', { body: { email: victim.email, password: WRONG_PASSWORD } }), 60)
  })

  it('the lock holds for the same email in another case', async () => {
    assertRateLimited(await api(server.url, '/auth/login', { body: { email: victim.email.toUpperCase(), password: PASSWORD } }), 60)
  })

  it('the lock holds for HTTP Basic with the same email', async () => {
    const response = await api(server.url, '/auth/login', { method: 'POST', headers: { authorization: basic(victim.email, PASSWORD) } })
    assertRateLimited(response, 60)
  })

  it('the lock holds when the same account logs in by username', async () => {
    const response = await api(server.url, '/auth/login', { body: { username: victim.user.username, password: PASSWORD } })
    assertRateLimited(response, 60)
  })

  it('another account from the same address still logs in', async () => {
    const response = await api(server.url, '/auth/login', { body: { email: bystander.email, password: PASSWORD } })
    assert.equal(response.status, 200, response.text)
  })

  it('the locked account\'s existing session keeps working', async () => {
    const me = await api(server.url, '/auth/me', { token: victim.accessToken })
    assert.equal(me.status, 200)
  })

  it('an unknown email is limited the same way, with an identical status and code', async () => {
    assert.ok(lockedBody, 'the first test must have locked the victim')
    const unknown = uniqueEmail('nobody')
    for (let i = 0; i < 3; i++) {
      const response = await api(server.url, '/auth/login', { body: { email: unknown, password: WRONG_PASSWORD } })
      assertProblem(response, 401, 'invalid_credentials')
    }
    const locked = await api(server.url, '/auth/login', { body: { email: unknown, password: WRONG_PASSWORD } })
    assertRateLimited(locked, 60)
    assert.equal(locked.body.status, lockedBody.status)
    assert.equal(locked.body.code, lockedBody.code)
    assert.deepEqual(locked.body, lockedBody, 'the 429 body tells an unknown email apart from a real account')
  })

  it('fewer failures than the limit, then the right password, logs in', async () => {
    const account = await register(server.url)
    for (let i = 0; i < 2; i++) {
      assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: WRONG_PASSWORD } }), 401, 'invalid_credentials')
    }
    const response = await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })
    assert.equal(response.status, 200, response.text)
  })
})
