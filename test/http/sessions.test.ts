// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { startServer, type RunningServer } from '../helpers/server.js'
import { api, login, PASSWORD, register, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

const ENV = { RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m' }
const DAY_MS = 24 * 60 * 60 * 1000

const sidOf = (account: Account) => decodeJwt(account.accessToken).sid as string

/** Registers with one User-Agent, then logs in again with another: two sessions of one user. */
async function userWithTwoSessions(url: string): Promise<{ first: Account; second: Account }> {
  const email = uniqueEmail('sess')
  const registered = await api(url, '/auth/register', { body: { email, password: PASSWORD }, headers: { 'user-agent': 'TesseraTest/1.0 (laptop)' } })
  assert.equal(registered.status, 201, registered.text)
  const loggedIn = await api(url, '/auth/login', { body: { email, password: PASSWORD }, headers: { 'user-agent': 'TesseraTest/2.0 (phone)' } })
  assert.equal(loggedIn.status, 200, loggedIn.text)
  const toAccount = (r: ApiResponse): Account => ({ email, password: PASSWORD, accessToken: r.body.access_token, refreshToken: r.body.refresh_token, user: r.body.user })
  return { first: toAccount(registered), second: toAccount(loggedIn) }
}

async function listSessions(url: string, token: string): Promise<Array<Record<string, any>>> {
  const response = await api(url, '/auth/sessions', { token })
  assert.equal(response.status, 200, response.text)
  return response.body.data
}

describe('GET /auth/sessions', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(ENV)
  })
  after(() => server.stop())

  it('lists the live sessions with ip, user_agent and exactly one current', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    const response = await api(server.url, '/auth/sessions', { token: second.accessToken })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(Object.keys(response.body), ['data'])
    const sessions = response.body.data as Array<Record<string, any>>
    assert.equal(sessions.length, 2)
    assert.deepEqual(sessions.map((s) => s.id).sort(), [sidOf(first), sidOf(second)].sort())

    const current = sessions.filter((s) => s.current === true)
    assert.equal(current.length, 1)
    assert.equal(current[0]!.id, sidOf(second))
    assert.equal(current[0]!.user_agent, 'TesseraTest/2.0 (phone)')

    const other = sessions.find((s) => s.id === sidOf(first))!
    assert.equal(other.current, false)
    assert.equal(other.user_agent, 'TesseraTest/1.0 (laptop)')

    for (const session of sessions) {
      assert.deepEqual(Object.keys(session).sort(), ['created_at', 'current', 'expires_at', 'id', 'ip', 'last_used_at', 'user_agent'])
      assert.match(session.ip, /^(::ffff:)?127\.0\.0\.1$/)
      for (const key of ['created_at', 'last_used_at', 'expires_at']) {
        assert.match(session[key], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, `${key} is ISO 8601 UTC`)
      }
      const created = Date.parse(session.created_at)
      assert.ok(Math.abs(created - Date.now()) < 60_000)
      assert.ok(Date.parse(session.last_used_at) >= created)
      // REFRESH_TOKEN_TTL defaults to 30 days.
      assert.ok(Math.abs(Date.parse(session.expires_at) - created - 30 * DAY_MS) < 60_000)
    }
  })

  it('marks as current the session of whichever token asks', async () => {
    const { first } = await userWithTwoSessions(server.url)
    const sessions = await listSessions(server.url, first.accessToken)
    assert.deepEqual(
      sessions.filter((s) => s.current).map((s) => s.id),
      [sidOf(first)],
    )
  })

  it('keeps the User-Agent of the request that started the session, not of later requests', async () => {
    const { first } = await userWithTwoSessions(server.url)
    const response = await api(server.url, '/auth/sessions', { token: first.accessToken, headers: { 'user-agent': 'SomethingElse/9.9' } })
    assert.equal(response.status, 200, response.text)
    const own = (response.body.data as Array<Record<string, any>>).find((s) => s.id === sidOf(first))!
    assert.equal(own.user_agent, 'TesseraTest/1.0 (laptop)')
  })

  it('lists only the caller\'s own sessions', async () => {
    const mine = await userWithTwoSessions(server.url)
    const theirs = await userWithTwoSessions(server.url)
    const ids = (await listSessions(server.url, mine.first.accessToken)).map((s) => s.id)
    assert.equal(ids.includes(sidOf(theirs.first)), false)
    assert.equal(ids.includes(sidOf(theirs.second)), false)
  })

  it('keeps one session across refreshes, and a refreshed token is still current', async () => {
    const account = await register(server.url)
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assert.equal(refreshed.status, 200, refreshed.text)
    const sessions = await listSessions(server.url, refreshed.body.access_token)
    assert.equal(sessions.length, 1)
    assert.equal(sessions[0]!.id, sidOf(account))
    assert.equal(sessions[0]!.current, true)
  })

  it('no longer lists a logged-out session', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: first.accessToken })).status, 204)
    const sessions = await listSessions(server.url, second.accessToken)
    assert.deepEqual(sessions.map((s) => s.id), [sidOf(second)])
  })

  it('without a token needs authorization', async () => {
    assertProblem(await api(server.url, '/auth/sessions'), 401, 'authorization_required')
  })

  it('with a refresh token as Bearer is wrong_token_type', async () => {
    const account = await register(server.url)
    assertProblem(await api(server.url, '/auth/sessions', { token: account.refreshToken }), 401, 'wrong_token_type')
  })

  it('with a revoked session\'s token is token_revoked', async () => {
    const account = await register(server.url)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: account.accessToken })).status, 204)
    assertProblem(await api(server.url, '/auth/sessions', { token: account.accessToken }), 401, 'token_revoked')
  })
})

describe('DELETE /auth/sessions/{id}', () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(ENV)
  })
  after(() => server.stop())

  const end = (token: string | undefined, id: string) => api(server.url, `/auth/sessions/${id}`, { method: 'DELETE', token })

  it('ends another own session: 204, its access and refresh tokens are token_revoked', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    const response = await end(second.accessToken, sidOf(first))
    assert.equal(response.status, 204, response.text)
    assert.equal(response.text, '')
    assertProblem(await api(server.url, '/auth/me', { token: first.accessToken }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: first.refreshToken } }), 401, 'token_revoked')
    // The caller's session goes on, and is the only one listed.
    assert.equal((await api(server.url, '/auth/me', { token: second.accessToken })).status, 200)
    assert.deepEqual((await listSessions(server.url, second.accessToken)).map((s) => s.id), [sidOf(second)])
  })

  it('ends the current session too, and its tokens stop working', async () => {
    const account = await register(server.url)
    assert.equal((await end(account.accessToken, sidOf(account))).status, 204)
    assertProblem(await api(server.url, '/auth/me', { token: account.accessToken }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } }), 401, 'token_revoked')
  })

  it('ends a session whose token was refreshed, including the newest refresh token', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: first.refreshToken } })
    assert.equal(refreshed.status, 200, refreshed.text)
    assert.equal((await end(second.accessToken, sidOf(first))).status, 204)
    assertProblem(await api(server.url, '/auth/me', { token: refreshed.body.access_token }), 401, 'token_revoked')
    assertProblem(await api(server.url, '/auth/refresh', { body: { refresh_token: refreshed.body.refresh_token } }), 401, 'token_revoked')
  })

  it('another user\'s session is session_not_found and stays alive', async () => {
    const mine = await register(server.url)
    const theirs = await register(server.url)
    assertProblem(await end(mine.accessToken, sidOf(theirs)), 404, 'session_not_found')
    assert.equal((await api(server.url, '/auth/me', { token: theirs.accessToken })).status, 200)
    assert.equal((await listSessions(server.url, theirs.accessToken)).length, 1)
  })

  it('an already ended session is session_not_found', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    assert.equal((await end(second.accessToken, sidOf(first))).status, 204)
    assertProblem(await end(second.accessToken, sidOf(first)), 404, 'session_not_found')
  })

  it('a random uuid is session_not_found', async () => {
    const account = await register(server.url)
    assertProblem(await end(account.accessToken, randomUUID()), 404, 'session_not_found')
  })

  it('a user id is not a session id: session_not_found', async () => {
    const account = await register(server.url)
    assertProblem(await end(account.accessToken, account.user.id), 404, 'session_not_found')
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).status, 200)
  })

  it('a non-uuid id is validation_failed', async () => {
    const account = await register(server.url)
    const response = await end(account.accessToken, 'abc')
    assertProblem(response, 400, 'validation_failed')
    assert.ok(Array.isArray(response.body.errors))
    assert.equal(response.body.errors[0].path, '/id')
  })

  it('without a token needs authorization', async () => {
    assertProblem(await end(undefined, randomUUID()), 401, 'authorization_required')
  })

  it('without a token needs authorization even for a non-uuid id', async () => {
    assertProblem(await end(undefined, 'abc'), 401, 'authorization_required')
  })

  it('with a revoked token is token_revoked and ends nothing', async () => {
    const { first, second } = await userWithTwoSessions(server.url)
    assert.equal((await api(server.url, '/auth/logout', { method: 'POST', token: first.accessToken })).status, 204)
    assertProblem(await end(first.accessToken, sidOf(second)), 401, 'token_revoked')
    assert.equal((await api(server.url, '/auth/me', { token: second.accessToken })).status, 200)
  })

  it('a second login after ending a session starts a new, listed session', async () => {
    const account = await register(server.url)
    assert.equal((await end(account.accessToken, sidOf(account))).status, 204)
    const again = await login(server.url, account.email)
    assert.notEqual(sidOf(again), sidOf(account))
    assert.deepEqual((await listSessions(server.url, again.accessToken)).map((s) => s.id), [sidOf(again)])
  })
})
