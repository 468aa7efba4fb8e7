// runs-on: every-database
/**
 * Durability: whatever the server acknowledged before a crash (SIGKILL, no
 * shutdown hooks) holds after a restart on the same data: registrations exist,
 * and logged-out sessions stay revoked.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, login, register, type Account, type ApiResponse } from '../helpers/client.js'

/** Long enough that no access token in these tests expires: a refusal can only mean revocation. */
const ENV = { ACCESS_TOKEN_TTL: '1h' }

function assertUnauthorized(response: ApiResponse, code: string): void {
  assert.equal(response.status, 401, `expected 401 ${code}, got ${response.status} ${response.text}`)
  assert.equal(response.body.code, code, response.text)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
}

const me = (url: string, token: string) => api(url, '/auth/me', { token })
const refresh = (url: string, refreshToken: string) => api(url, '/auth/refresh', { body: { refresh_token: refreshToken } })

describe('a logout acknowledged just before a crash', () => {
  let first: ServerProcess
  let restarted: ServerProcess | undefined
  let account: Account
  let loggedOut: Account
  let kept: Account
  before(async () => {
    first = await startServerProcess(ENV)
    account = await register(first.url)
    kept = await login(first.url, account.email)
    loggedOut = await login(first.url, account.email)
    assert.equal((await me(first.url, loggedOut.accessToken)).status, 200)
    const logout = await api(first.url, '/auth/logout', { method: 'POST', token: loggedOut.accessToken })
    assert.equal(logout.status, 204, logout.text)
    await first.kill()
    restarted = await startServerProcess(ENV, { dir: first.dir })
  })
  after(async () => {
    await restarted?.stop()
    await first.kill()
    rmSync(first.dir, { recursive: true, force: true })
  })

  it('the first server really died by SIGKILL', () => {
    assert.equal(first.process.signalCode, 'SIGKILL')
  })

  it('the user registered before the crash logs in after the restart', async () => {
    const again = await login(restarted!.url, account.email)
    assert.equal(again.user.id, account.user.id)
  })

  it("the logged-out session's access token is still token_revoked after the restart", async () => {
    assertUnauthorized(await me(restarted!.url, loggedOut.accessToken), 'token_revoked')
  })

  it("the logged-out session's refresh token still fails after the restart", async () => {
    assertUnauthorized(await refresh(restarted!.url, loggedOut.refreshToken), 'token_revoked')
  })

  it('a session that was not logged out survives the restart', async () => {
    assert.equal((await me(restarted!.url, kept.accessToken)).status, 200)
    assert.equal((await me(restarted!.url, account.accessToken)).status, 200)
    const rotated = await refresh(restarted!.url, kept.refreshToken)
    assert.equal(rotated.status, 200, rotated.text)
  })
})

describe('a registration acknowledged just before a crash', () => {
  let first: ServerProcess
  let restarted: ServerProcess | undefined
  let account: Account
  before(async () => {
    first = await startServerProcess(ENV)
    account = await register(first.url)
    await first.kill()
    restarted = await startServerProcess(ENV, { dir: first.dir })
  })
  after(async () => {
    await restarted?.stop()
    await first.kill()
    rmSync(first.dir, { recursive: true, force: true })
  })

  it('the user logs in after the restart', async () => {
    const again = await login(restarted!.url, account.email)
    assert.equal(again.user.id, account.user.id)
    assert.equal(again.user.email, account.email)
  })

  it('the tokens issued by the registration still work after the restart', async () => {
    const response = await me(restarted!.url, account.accessToken)
    assert.equal(response.status, 200, response.text)
    assert.equal(response.body.id, account.user.id)
    assert.equal((await refresh(restarted!.url, account.refreshToken)).status, 200)
  })

  it('the same email cannot be registered again after the restart', async () => {
    const again = await api(restarted!.url, '/auth/register', { body: { email: account.email, password: account.password } })
    assert.equal(again.status, 409, again.text)
    assert.equal(again.body.code, 'user_exists')
  })
})

describe('a registration and a logout acknowledged just before a second crash', () => {
  let servers: ServerProcess[] = []
  let dir: string
  let early: Account
  let late: Account
  let loggedOut: Account
  before(async () => {
    const first = await startServerProcess(ENV)
    dir = first.dir
    servers.push(first)
    early = await register(first.url)
    await first.kill()
    // Second life: register and log out, then crash again straight after the acknowledgements.
    const second = await startServerProcess(ENV, { dir })
    servers.push(second)
    loggedOut = await login(second.url, early.email)
    late = await register(second.url)
    const logout = await api(second.url, '/auth/logout', { method: 'POST', token: loggedOut.accessToken })
    assert.equal(logout.status, 204, logout.text)
    await second.kill()
    servers.push(await startServerProcess(ENV, { dir }))
  })
  after(async () => {
    const last = servers.at(-1)
    await last?.stop()
    for (const server of servers) await server.kill()
    servers = []
    rmSync(dir, { recursive: true, force: true })
  })

  it('both users, from before each crash, log in after the second restart', async () => {
    const url = servers.at(-1)!.url
    assert.equal((await login(url, early.email)).user.id, early.user.id)
    assert.equal((await login(url, late.email)).user.id, late.user.id)
  })

  it('the session logged out in the second life stays revoked (access and refresh)', async () => {
    const url = servers.at(-1)!.url
    assertUnauthorized(await me(url, loggedOut.accessToken), 'token_revoked')
    assertUnauthorized(await refresh(url, loggedOut.refreshToken), 'token_revoked')
  })
})
