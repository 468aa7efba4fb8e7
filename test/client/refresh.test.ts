// Token handling against a real server with 2 s access tokens and no reuse grace (so presenting
// one refresh token twice is caught as refresh_token_reused and kills the session): one refresh
// and one retry after token_expired, and single-flight refresh for 50 concurrent calls. @see issue 20
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTesseraClient, type TesseraClient } from '../../src/client/index.js'
import { PASSWORD, register } from '../helpers/client.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { inspectableStorage, recordingFetch, sleep, type RecordedRequest } from './fixtures.js'

const TTL_MS = 2_000
/**
 * A clock that stands still (a device that slept, a tab whose timers were frozen): the client
 * believes its token is valid, and only the server's token_expired tells it otherwise.
 */
function stoppedClock(): () => number {
  const at = Date.now()
  return () => at
}

const refreshes = (requests: RecordedRequest[]) => requests.filter((request) => request.path === '/auth/refresh')

/** Waits until the server has certainly seen the access token expire. */
async function pastExpiry(client: TesseraClient): Promise<void> {
  await sleep(Math.max(0, client.expiresAt - Date.now()) + 300)
}

describe('refresh and retry', () => {
  let server: RunningServer

  before(async () => {
    server = await startServer({ ACCESS_TOKEN_TTL: `${TTL_MS / 1000}s`, REFRESH_REUSE_GRACE: '0s' })
  })
  after(async () => {
    await server?.stop()
  })

  async function signedInClient(options: { now?: () => number; autoRefresh?: boolean } = {}) {
    const account = await register(server.url)
    const recorder = recordingFetch()
    const storage = inspectableStorage()
    const client = createTesseraClient({ baseUrl: server.url, fetch: recorder.fetch, storage, autoRefresh: false, ...options })
    await client.login({ email: account.email, password: PASSWORD })
    recorder.requests.length = 0
    return { client, requests: recorder.requests, storage }
  }

  it('a call that meets token_expired refreshes once and is retried once', async () => {
    const { client, requests } = await signedInClient({ now: stoppedClock() })
    await sleep(TTL_MS + 300)
    assert.ok((await client.me()).id)
    assert.deepEqual(
      requests.map((request) => `${request.method} ${request.path} ${request.status}${request.code ? ` ${request.code}` : ''}`),
      ['GET /auth/me 401 token_expired', 'POST /auth/refresh 200', 'GET /auth/me 200'],
    )
  })

  it('fetch() for the app\'s API does the same', async () => {
    const { client, requests } = await signedInClient({ now: stoppedClock() })
    await sleep(TTL_MS + 300)
    const response = await client.fetch('/auth/sessions')
    assert.equal(response.status, 200)
    assert.deepEqual(requests.map((request) => `${request.path} ${request.status}`), ['/auth/sessions 401', '/auth/refresh 200', '/auth/sessions 200'])
    assert.notEqual(requests[2]!.authorization, requests[0]!.authorization, 'the retry carries the new token')
  })

  it('50 concurrent calls that all meet token_expired cause exactly one refresh, and no reuse', async () => {
    const { client, requests } = await signedInClient({ now: stoppedClock() })
    await sleep(TTL_MS + 300)
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? client.me() : client.fetch('/auth/me').then((response) => response.status))))
    assert.deepEqual(results.filter((result) => result.status === 'rejected'), [])
    assert.ok(results.every((result) => result.status === 'fulfilled' && (result.value === 200 || typeof result.value === 'object')))
    assert.equal(refreshes(requests).length, 1, 'one refresh for 50 callers')
    assert.equal(requests.filter((request) => request.code === 'refresh_token_reused').length, 0)
    assert.equal(requests.filter((request) => request.code === 'token_expired').length, 50, 'all 50 really met the expiry')
    assert.ok((await client.me()).id, 'the session is alive')
  })

  it('50 concurrent calls just past expiry (correct clock): the client refreshes first, once', async () => {
    const { client, requests } = await signedInClient()
    await pastExpiry(client)
    const results = await Promise.all(Array.from({ length: 50 }, () => client.fetch('/auth/me').then((response) => response.status)))
    assert.deepEqual(new Set(results), new Set([200]))
    assert.equal(refreshes(requests).length, 1)
    assert.equal(requests.filter((request) => request.status === 401).length, 0, 'no call was sent with the expired token')
  })

  it('calls spread across two expiries with the refresh timer on: every call answered, no refresh token presented twice', async () => {
    const { client, requests } = await signedInClient({ autoRefresh: true })
    const calls: Array<Promise<number>> = []
    for (let index = 0; index < 50; index++) {
      calls.push(client.fetch('/auth/me').then((response) => response.status))
      await sleep((2.2 * TTL_MS) / 50)
    }
    assert.deepEqual(new Set(await Promise.all(calls)), new Set([200]))
    const presented = refreshes(requests).map((request) => JSON.parse(request.body).refresh_token as string)
    assert.ok(presented.length >= 2, `the timer refreshed before each expiry (${presented.length} refreshes)`)
    assert.equal(new Set(presented).size, presented.length, 'each refresh token presented once')
    assert.ok(refreshes(requests).every((request) => request.status === 200))
    client.close()
  })

  it('a stale refresh token is caught by the server as reuse, and the client signs out (elsewhere)', async () => {
    const { client, storage } = await signedInClient()
    const first = storage.token()!
    await client.refresh()
    storage.put(first) // as if another copy of the app had rotated it without telling us
    const signedOut = new Promise((resolve) => client.on('signed-out', resolve))
    await assert.rejects(client.refresh(), { code: 'refresh_token_reused' })
    assert.deepEqual(await signedOut, { reason: 'elsewhere', code: 'refresh_token_reused' })
    assert.equal(client.signedIn, false)
    assert.equal(storage.token(), null)
  })
})
