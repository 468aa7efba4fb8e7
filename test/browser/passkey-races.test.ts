// A passkey assertion presented to two server processes on one database at the same moment
// signs in exactly once: the challenge is consumed by one conditional DELETE, so a replay fails
// even across processes. Real Chromium and its virtual authenticator make the assertion.
// runs-on: every-database
// @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { api, register } from '../helpers/client.js'
import { createTestDatabase, testBackend } from '../helpers/databases.js'
import { startServerProcesses, type ServerProcess } from '../helpers/server.js'
import { launchChromium, skipWithoutChromium as skip } from './chromium.js'
import { freePort, openDevice } from './webauthn.js'

/** One database for both servers: a SQLite file in a temp dir, or a fresh server database. */
async function sharedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const backend = testBackend()
  if (backend !== 'sqlite') return createTestDatabase(backend)
  const dir = mkdtempSync(join(tmpdir(), 'tessera-passkey-race-'))
  return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

const RACERS = 6

describe('a passkey assertion raced across two processes', { skip }, () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>
  let servers: ServerProcess[]
  let browser: Browser
  let origin: string

  before(async () => {
    database = await sharedDatabase()
    const [portA, portB] = [await freePort(), await freePort()]
    origin = `http://localhost:${portA}`
    // Both instances serve one deployment: the same RP ID and page origin (the first's).
    const common = { DATABASE_URL: database.url, PUBLIC_URL: origin, RATE_LIMIT_AUTH: '100000/1m', LOGIN_FAILURE_LIMIT: '100000/1m' }
    // One after the other: the first migrates the new database.
    const [first] = await startServerProcesses({ ...common, PORT: String(portA) })
    const [second] = await startServerProcesses({ ...common, PORT: String(portB) })
    servers = [first, second]
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await Promise.all((servers ?? []).map((server) => server.stop()))
    await database?.drop()
  })

  it('signs in exactly once; every other copy is passkey_invalid', { timeout: 60_000 }, async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess]
    const phone = await openDevice(browser, `${origin}/health`)
    const account = await register(a.url)
    const options = await api(a.url, '/auth/passkeys/register/options', { token: account.accessToken, body: {} })
    const created = await api(b.url, '/auth/passkeys', { token: account.accessToken, body: { credential: await phone.create(options.body) } })
    assert.equal(created.status, 201, created.text)

    // Options from one instance, the assertion presented to both, several times each, at once.
    const loginOptions = await api(b.url, '/auth/passkeys/login/options', { body: {} })
    const credential = await phone.get(loginOptions.body)
    const answers = await Promise.all(Array.from({ length: RACERS }, (_, i) => api(servers[i % 2]!.url, '/auth/passkeys/login', { body: { credential } })))
    const tally = answers.map((answer) => `${answer.status} ${answer.body?.code ?? ''}`).join(', ')
    assert.equal(answers.filter((answer) => answer.status === 200).length, 1, tally)
    assert.ok(answers.every((answer) => answer.status === 200 || (answer.status === 400 && answer.body.code === 'passkey_invalid')), tally)
    await phone.close()
  })
})
