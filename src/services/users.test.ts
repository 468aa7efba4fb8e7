// The last-admin rule and one account per email, on real SQLite storage; the races use two
// connections to one file, as two processes would. @see issue 14 (finding 9), issue 15
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { loadConfig } from '../config.js'
import { AppError } from '../errors.js'
import { openStorage, type Storage } from '../storage/index.js'
import { createServices, type Services } from './index.js'

const T0 = Date.UTC(2026, 11, 1)
let counter = 0

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'ok'
}

describe('users: last admin and one account per email, two connections to one SQLite file', () => {
  const clock = { value: T0 }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-users-'))
  const config = loadConfig({ JWT_SECRET: 'k'.repeat(32) })
  const storages: Storage[] = []
  const services: Services[] = []

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const storage = await openStorage(`sqlite:${join(dir, 'tessera.db')}`)
      // Both connections live in this one thread: while one waits for the other's write lock,
      // SQLite's busy wait blocks the event loop the lock holder needs to commit, so the waiter
      // always waits out its whole busy_timeout (5 s) before SQLITE_BUSY and the retry. The race
      // is the same with a short wait; only the time every trial spends frozen is not.
      await sql`pragma busy_timeout = 100`.execute(storage.db)
      storages.push(storage)
      services.push(await createServices(config, storage, { now: () => clock.value }))
    }
  })
  after(async () => {
    for (const service of services) await service.stop()
    for (const storage of storages) await storage.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** An admin inserted directly (no hashing: these tests are not about passwords). */
  async function admin(active = true): Promise<string> {
    const id = `01900000-0000-7000-8000-${String(++counter).padStart(12, '0')}`
    await storages[0]!.users.insert({ id, email: `admin-${counter}@example.test`, username: null, fullName: null, passwordHash: 'x', roles: ['admin'], active, now: clock.value })
    return id
  }

  /** Leaves exactly `keep` as the active admins. */
  async function onlyAdmins(...keep: string[]): Promise<void> {
    const { users } = await storages[0]!.users.list({ role: 'admin', active: true, limit: 1000, offset: 0 })
    for (const user of users) if (!keep.includes(user.id)) await storages[0]!.users.update(user.id, { roles: [] }, clock.value)
  }

  it('the last active admin cannot be deleted, deactivated or demoted; with a second admin each is allowed', async () => {
    const a = await admin()
    await onlyAdmins(a)
    const [one] = services as [Services]
    assert.equal(await codeOf(one.users.adminDelete(a)), 'last_admin')
    assert.equal(await codeOf(one.users.adminUpdate(a, { active: false })), 'last_admin')
    assert.equal(await codeOf(one.users.adminUpdate(a, { roles: ['editor'] })), 'last_admin')
    assert.equal((await storages[0]!.users.findById(a))?.active, true)
    // Changes that keep it an active admin are fine.
    assert.equal(await codeOf(one.users.adminUpdate(a, { roles: ['admin', 'editor'], fullName: 'A' })), 'ok')
    const b = await admin()
    assert.equal(await codeOf(one.users.adminUpdate(a, { roles: [] })), 'ok')
    assert.equal(await codeOf(one.users.adminDelete(b)), 'last_admin')
  })

  it('an inactive admin does not count, and a non-admin is never guarded', async () => {
    const a = await admin()
    const dormant = await admin(false)
    await onlyAdmins(a)
    assert.equal(await codeOf(services[0]!.users.adminUpdate(a, { active: false })), 'last_admin')
    assert.equal(await codeOf(services[0]!.users.adminDelete(dormant)), 'ok')
  })

  for (const [name, removal] of [
    ['delete', (s: Services, id: string) => s.users.adminDelete(id)],
    ['deactivate', (s: Services, id: string) => s.users.adminUpdate(id, { active: false })],
    ['demote', (s: Services, id: string) => s.users.adminUpdate(id, { roles: [] })],
  ] as const) {
    it(`two connections each ${name} the other of the last two admins at once: exactly one succeeds (10 trials)`, async () => {
      for (let trial = 0; trial < 10; trial++) {
        const a = await admin()
        const b = await admin()
        await onlyAdmins(a, b)
        const codes = await Promise.all([codeOf(removal(services[0]!, b)), codeOf(removal(services[1]!, a))])
        assert.deepEqual([...codes].sort(), ['last_admin', 'ok'], `trial ${trial}`)
        assert.equal(await storages[1]!.users.countActiveAdmins(), 1, `trial ${trial}`)
      }
    })
  }

  it('two concurrent registrations of one email: exactly one account', async () => {
    const email = 'twice@example.test'
    const codes = await Promise.all(
      services.map((s) => codeOf(s.users.register({ email, password: 'correct horse battery' }, { ip: null, userAgent: null }))),
    )
    assert.deepEqual([...codes].sort(), ['ok', 'user_exists'])
    assert.ok(await storages[0]!.users.findByEmail(email))
  })
})
