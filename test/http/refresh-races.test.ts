// Concurrent refreshes of one refresh token, from two server processes on one database.
// With REFRESH_REUSE_GRACE=0 exactly one wins and every other is reuse; inside a grace window every
// repeat gets the session's one current successor, never a second live chain; no storage
// conflict ever surfaces as a 5xx (MariaDB's deadlocks did). @see issue 14 (findings 2, 3, 7)
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { createTestDatabase, testBackend, type TestDatabase } from '../helpers/databases.js'
import { startServerProcesses, type ServerProcess } from '../helpers/server.js'
import { api, login, register, type ApiResponse } from '../helpers/client.js'

/** One database for several servers: a SQLite file in a temp dir, or a fresh server database. */
async function sharedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const backend = testBackend()
  if (backend !== 'sqlite') return createTestDatabase(backend)
  const dir = mkdtempSync(join(tmpdir(), 'tessera-race-'))
  return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

/** Presents `refreshToken` from `count` racers at once, alternating between the servers. */
async function race(servers: ServerProcess[], refreshToken: string, count: number): Promise<ApiResponse[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => api(servers[i % servers.length]!.url, '/auth/refresh', { body: { refresh_token: refreshToken } })),
  )
}

const LOSING_CODES = ['refresh_token_reused', 'token_revoked']

function tally(responses: ApiResponse[]): string {
  return responses.map((r) => `${r.status}${r.body?.code ? ` ${r.body.code}` : ''}`).join(', ')
}

async function pairOnOneDatabase(database: TestDatabase | { url: string }, grace: string): Promise<ServerProcess[]> {
  const env = { DATABASE_URL: database.url, REFRESH_REUSE_GRACE: grace, RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m' }
  // The first server migrates alone; the second then finds the schema in place.
  const [first] = await startServerProcesses(env)
  const [second] = await startServerProcesses(env)
  return [first, second]
}

describe('refresh races with REFRESH_REUSE_GRACE=0', () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>
  let servers: ServerProcess[] = []
  let email: string

  before(async () => {
    database = await sharedDatabase()
    servers = await pairOnOneDatabase(database, '0')
    email = (await register(servers[0]!.url)).email
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  for (const [racers, trials] of [
    [2, 30],
    [20, 10],
  ] as const) {
    it(`of ${racers} concurrent refreshes of one token exactly one wins, the others are reuse (${trials} trials)`, async () => {
      const winners: number[] = []
      const odd: string[] = []
      const survivors: string[] = []
      for (let trial = 0; trial < trials; trial++) {
        const { refreshToken } = await login(servers[trial % 2]!.url, email)
        const responses = await race(servers, refreshToken, racers)
        // A loser is reuse; one that arrives after the reuse has ended the session finds it revoked.
        if (!responses.every((r) => r.status === 200 || (r.status === 401 && LOSING_CODES.includes(r.body.code)))) odd.push(`trial ${trial}: ${tally(responses)}`)
        const won = responses.filter((r) => r.status === 200)
        winners.push(won.length)
        // The losers' reuse ended the session, so the winner's new token is dead too: no live chain survives.
        for (const winner of won) {
          const next = await api(servers[0]!.url, '/auth/refresh', { body: { refresh_token: winner.body.refresh_token } })
          if (next.body.code !== 'token_revoked') survivors.push(`trial ${trial}: ${next.status} ${next.body.code ?? ''}`)
        }
      }
      console.log(`# ${testBackend()}: ${racers} racers, winners per trial: ${winners.join(' ')}`)
      assert.deepEqual(odd, [])
      assert.deepEqual(survivors, [])
      assert.deepEqual(winners, Array(trials).fill(1))
    })
  }
})

describe('refresh races inside the grace window', () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>
  let servers: ServerProcess[] = []
  let email: string

  before(async () => {
    database = await sharedDatabase()
    servers = await pairOnOneDatabase(database, '30s')
    email = (await register(servers[0]!.url)).email
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  it('twenty concurrent presentations of one token all get the same successor: one chain (10 trials)', async () => {
    const chains: number[] = []
    for (let trial = 0; trial < 10; trial++) {
      const { refreshToken } = await login(servers[trial % 2]!.url, email)
      const responses = await race(servers, refreshToken, 20)
      assert.ok(
        responses.every((r) => r.status === 200),
        `trial ${trial}: ${tally(responses)}`,
      )
      const successors = new Set(responses.map((r) => r.body.refresh_token as string))
      chains.push(successors.size)
      // Each repeat still gets its own access token, for the same session.
      const claims = responses.map((r) => decodeJwt(r.body.access_token as string))
      assert.equal(new Set(claims.map((c) => c.jti)).size, 20, `trial ${trial}: access tokens share a jti`)
      assert.equal(new Set(claims.map((c) => c.sid)).size, 1, `trial ${trial}: access tokens name different sessions`)
      assert.ok(claims.every((c) => c.fresh === false))
      // The one successor works once; the chain goes on from it.
      const [successor] = successors
      const next = await api(servers[1]!.url, '/auth/refresh', { body: { refresh_token: successor } })
      assert.equal(next.status, 200, `trial ${trial}: ${next.text}`)
    }
    console.log(`# ${testBackend()}: 20 racers inside the grace, live chains per trial: ${chains.join(' ')}`)
    assert.deepEqual(chains, Array(10).fill(1))
  })

  it('a repeat inside the grace gets the current tip of the chain, not a fork', async () => {
    const { refreshToken: r1 } = await login(servers[0]!.url, email)
    const r2 = (await api(servers[0]!.url, '/auth/refresh', { body: { refresh_token: r1 } })).body.refresh_token as string
    const r3 = (await api(servers[1]!.url, '/auth/refresh', { body: { refresh_token: r2 } })).body.refresh_token as string
    const repeat = await api(servers[1]!.url, '/auth/refresh', { body: { refresh_token: r1 } })
    assert.equal(repeat.status, 200, repeat.text)
    assert.equal(repeat.body.refresh_token, r3)
    // The tip moves on once; whoever presents the old tip later shares the chain, there is no second one.
    const r4 = await api(servers[0]!.url, '/auth/refresh', { body: { refresh_token: r3 } })
    assert.equal(r4.status, 200)
    const again = await api(servers[1]!.url, '/auth/refresh', { body: { refresh_token: r3 } })
    assert.equal(again.body.refresh_token, r4.body.refresh_token)
  })
})

describe('a replay after the grace window', () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>
  let servers: ServerProcess[] = []

  before(async () => {
    database = await sharedDatabase()
    servers = await pairOnOneDatabase(database, '1s')
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  it('revokes the session: the replayer gets refresh_token_reused, the victim token_revoked', async () => {
    const { refreshToken: r1 } = await register(servers[0]!.url)
    const victim = await api(servers[0]!.url, '/auth/refresh', { body: { refresh_token: r1 } })
    assert.equal(victim.status, 200)
    await new Promise((resolve) => setTimeout(resolve, 1500)) // past the 1 s grace (the unit tests move a clock instead)
    const replay = await api(servers[1]!.url, '/auth/refresh', { body: { refresh_token: r1 } })
    assert.equal(replay.status, 401)
    assert.equal(replay.body.code, 'refresh_token_reused')
    const afterwards = await api(servers[0]!.url, '/auth/refresh', { body: { refresh_token: victim.body.refresh_token } })
    assert.equal(afterwards.body.code, 'token_revoked')
    assert.equal((await api(servers[1]!.url, '/auth/me', { token: victim.body.access_token })).status, 401)
  })
})
