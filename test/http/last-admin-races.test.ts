// The last active admin cannot be deleted, deactivated or demoted, even when two processes on one
// database each remove the other of the last two admins at the same moment, or the CLI does it
// beside a server: the rule is one locked transaction in storage. @see issue 14 (finding 9)
// runs-on: every-database
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, testBackend } from '../helpers/databases.js'
import { startServerProcess, TEST_JWT_SECRET, type ServerProcess } from '../helpers/server.js'
import { api, login, uniqueEmail, type ApiResponse } from '../helpers/client.js'
import { tessera } from '../helpers/cli.js'

/** One database for several processes: a SQLite file in a temp dir, or a fresh server database. */
async function sharedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const backend = testBackend()
  if (backend !== 'sqlite') return createTestDatabase(backend)
  const dir = mkdtempSync(join(tmpdir(), 'tessera-race-'))
  return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

interface Admin {
  id: string
  email: string
  token: string
}

const PASSWORD = 'admin password 123'

type Removal = 'delete' | 'deactivate' | 'demote'

function remove(server: ServerProcess, actor: Admin, target: Admin, how: Removal): Promise<ApiResponse> {
  const path = `/admin/users/${target.id}`
  if (how === 'delete') return api(server.url, path, { method: 'DELETE', token: actor.token })
  return api(server.url, path, { method: 'PATCH', token: actor.token, body: how === 'deactivate' ? { active: false } : { roles: [] } })
}

describe('last admin, two servers and the CLI on one database', () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>
  const servers: ServerProcess[] = []
  const root = { email: uniqueEmail('root'), password: PASSWORD }
  /** An active admin after each test, to start the next from. */
  let survivor: Admin

  /** A new active admin, created by `by`, logged in on `server`. */
  async function newAdmin(by: Admin, server: ServerProcess): Promise<Admin> {
    const email = uniqueEmail('admin')
    const created = await api(servers[0]!.url, '/admin/users', { token: by.token, body: { email, password: PASSWORD, roles: ['admin'] } })
    assert.equal(created.status, 201, created.text)
    return { id: created.body.id, email, token: (await login(server.url, email, PASSWORD)).accessToken }
  }

  async function relogin(admin: Admin, server: ServerProcess): Promise<Admin> {
    return { ...admin, token: (await login(server.url, admin.email, PASSWORD)).accessToken }
  }

  async function activeAdminIds(by: Admin): Promise<string[]> {
    const listed = await api(servers[0]!.url, '/admin/users?role=admin&active=true&per_page=100', { token: by.token })
    assert.equal(listed.status, 200, listed.text)
    return (listed.body.data as Array<{ id: string }>).map((user) => user.id)
  }

  const succeeded = (r: ApiResponse) => r.status === 200 || r.status === 204
  const refused = (r: ApiResponse) => r.status === 409 && r.body.code === 'last_admin'
  /**
   * How the loser of a pair ends: refused by the guard, or, when the winner's removal (which ends
   * the loser's sessions) reached the loser's server first, its token revoked. On PostgreSQL the
   * revocation arrives by NOTIFY at once, whatever the poll interval, so a loaded machine sees both.
   */
  const lost = (r: ApiResponse) => refused(r) || (r.status === 401 && r.body.code === 'token_revoked')

  before(async () => {
    database = await sharedDatabase()
    const env = {
      DATABASE_URL: database.url,
      ADMIN_EMAIL: root.email,
      ADMIN_PASSWORD: root.password,
      RATE_LIMIT_AUTH: '100000/1m',
      // Slow polling: a loser's token stays valid on its own server, so its request reaches the guard.
      REVOCATION_POLL_INTERVAL: '60s',
    }
    servers.push(await startServerProcess(env)) // one by one: migrations and the admin bootstrap run once
    servers.push(await startServerProcess(env))
    const session = await login(servers[0]!.url, root.email, root.password)
    survivor = { id: session.user.id, email: root.email, token: session.accessToken }
  })
  after(async () => {
    for (const server of servers) await server.stop({ keepData: true })
    await database?.drop()
  })

  it('each of the last two admins removes the other at once on another server: exactly one succeeds, the other gets last_admin or, its sessions ended first, token_revoked (6 trials each of delete, deactivate, demote)', async () => {
    const [one, two] = servers as [ServerProcess, ServerProcess]
    let p = survivor
    let q = await newAdmin(p, two)
    const outcomes: Record<string, string[]> = {}
    for (const how of ['delete', 'deactivate', 'demote'] as const) {
      outcomes[how] = []
      for (let trial = 0; trial < 6; trial++) {
        const [byP, byQ] = await Promise.all([remove(one, p, q, how), remove(two, q, p, how)])
        outcomes[how].push(`${byP.status}/${byQ.status}`)
        assert.ok((succeeded(byP) && lost(byQ)) || (lost(byP) && succeeded(byQ)), `${how} trial ${trial}: ${byP.status} ${byP.text} / ${byQ.status} ${byQ.text}`)
        const winner = succeeded(byP) ? p : q
        assert.deepEqual(await activeAdminIds(winner), [winner.id], `${how} trial ${trial}: the active admins left`)
        // The next pair: the survivor acting through server one, a new admin through server two.
        p = await relogin(winner, one)
        q = await newAdmin(p, two)
      }
    }
    survivor = p
    console.log(`# ${testBackend()}: last admin, server against server (status by P / by Q): ${JSON.stringify(outcomes)}`)
  })

  it('the CLI beside a server cannot take away the last admin either (4 trials each of users deactivate and users set-role --none)', async () => {
    const [one] = servers as [ServerProcess]
    const cliEnv = { DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET }
    // Fire the HTTP side about when the CLI, started at the same moment, reaches its write.
    const started = performance.now()
    await tessera(['users', 'list'], cliEnv)
    const cliStartMs = (performance.now() - started) * 0.8
    const outcomes: string[] = []
    for (const command of ['deactivate', 'set-role'] as const) {
      for (let trial = 0; trial < 4; trial++) {
        // Two fresh admins, every other admin demoted: these two are the last.
        const a = await newAdmin(survivor, one)
        const b = await newAdmin(survivor, one)
        for (const id of await activeAdminIds(a)) {
          if (id === a.id || id === b.id) continue
          const demoted = await api(one.url, `/admin/users/${id}`, { method: 'PATCH', token: a.token, body: { roles: [] } })
          assert.equal(demoted.status, 200, demoted.text)
        }
        // The CLI removes b while b, through the server, removes a.
        const cliArgs = command === 'deactivate' ? ['users', 'deactivate', '--email', b.email] : ['users', 'set-role', '--email', b.email, '--none']
        const [cli, http] = await Promise.all([
          tessera(cliArgs, cliEnv),
          new Promise((resolve) => setTimeout(resolve, cliStartMs)).then(() => remove(one, b, a, command === 'deactivate' ? 'deactivate' : 'demote')),
        ])
        outcomes.push(`${command}: cli ${cli.code} / http ${http.status}`)
        const cliWon = cli.code === 0
        // A CLI that won first may already have ended b's sessions: then the server refuses b's token itself.
        assert.ok(cliWon ? refused(http) || http.body.code === 'token_revoked' : succeeded(http) && /last_admin/.test(cli.stderr + cli.stdout), `${command} trial ${trial}: cli ${cli.code} ${cli.stderr.trim()} / http ${http.status} ${http.text}`)
        survivor = await relogin(cliWon ? a : b, one)
        assert.deepEqual(await activeAdminIds(survivor), [survivor.id], `${command} trial ${trial}: the active admins left`)
      }
    }
    console.log(`# ${testBackend()}: last admin, CLI against server (HTTP sent ${Math.round(cliStartMs)} ms after the CLI started): ${outcomes.join(', ')}`)
  })
})
