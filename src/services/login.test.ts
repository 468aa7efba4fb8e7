// The login orchestration with LOGIN_FAILURE_LIMIT on a moved clock: the lockout counts, where its
// window ends, and what the right password gets while it lasts. Real SQLite storage and the real
// wiring of createServices(); only the argon2 cost is lowered (this is not about hashing).
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { loadConfig } from '../config.js'
import { AppError } from '../errors.js'
import { openStorage, type Storage } from '../storage/index.js'
import { createServices, type Services } from './index.js'
import type { ClientInfo } from './sessions.js'

const PASSWORD = 'correct horse battery staple'
const WRONG = 'not the password at all'
const WINDOW_SECONDS = 900
const FROM_A: ClientInfo = { ip: '192.0.2.1', userAgent: 'test' }
const FROM_B: ClientInfo = { ip: '192.0.2.2', userAgent: 'test' }

/** A rejection with `code` (and, when given, that Retry-After). */
const refusedWith = (code: string, retryAfter?: string) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error))
  assert.equal(error.code, code)
  if (retryAfter !== undefined) assert.equal(error.headers?.['retry-after'], retryAfter)
  return true
}

describe('login with LOGIN_FAILURE_LIMIT=3/15m', () => {
  let storage: Storage
  let services: Services
  let clock = Date.parse('2026-03-01T12:00:00Z')
  const now = () => clock
  let email: string
  let username: string

  before(async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOGIN_FAILURE_LIMIT: '3/15m', PASSWORD_HASH_CONCURRENCY: '1' })
    storage = await openStorage(config.databaseUrl, config)
    services = await createServices(config, storage, { now, passwordHashCost: { memoryCost: 8, timeCost: 1, parallelism: 1 } })
  })
  after(async () => {
    await services.stop()
    await storage.close()
  })
  beforeEach(async () => {
    // A fresh account per test, so the counts of one test never reach the next.
    const name = randomUUID().slice(0, 8)
    email = `${name}@example.com`
    username = `user_${name}`
    await services.users.register({ email, password: PASSWORD, username, fullName: null }, FROM_A)
  })

  const login = (password: string, client = FROM_A, by: 'email' | 'username' = 'email') =>
    services.login(by === 'email' ? { email, password } : { username, password }, client)
  async function fail(times: number, client = FROM_A) {
    for (let i = 0; i < times; i++) await assert.rejects(login(WRONG, client), refusedWith('invalid_credentials'))
  }

  it('answers the first three wrong passwords invalid_credentials and the fourth attempt rate_limited with the whole window as Retry-After', async () => {
    await fail(3)
    await assert.rejects(login(WRONG), refusedWith('rate_limited', String(WINDOW_SECONDS)))
  })

  it('refuses the right password during the lockout, without extending it', async () => {
    await fail(3)
    clock += 60_000
    await assert.rejects(login(PASSWORD), refusedWith('rate_limited', String(WINDOW_SECONDS - 60)))
    // The refused attempts were not counted: the window still ends 15 minutes after the first failure.
    clock += 60_000
    await assert.rejects(login(PASSWORD), refusedWith('rate_limited', String(WINDOW_SECONDS - 120)))
  })

  it('stays locked one second before the window ends, and lets the right password in when it ends', async () => {
    const firstFailure = clock
    await fail(3)
    clock = firstFailure + WINDOW_SECONDS * 1000 - 1000
    await assert.rejects(login(PASSWORD), refusedWith('rate_limited', '1'))
    clock = firstFailure + WINDOW_SECONDS * 1000
    const issued = await login(PASSWORD)
    assert.equal(issued.user.email, email)
  })

  it('counts a window from its first failure: failures spread over more than 15 minutes never lock', async () => {
    await fail(2)
    clock += WINDOW_SECONDS * 1000
    await fail(2) // a new window: two so far
    await login(PASSWORD)
  })

  it('starts the count again after a successful login', async () => {
    await fail(2)
    await login(PASSWORD)
    await fail(2)
    await login(PASSWORD)
  })

  it('shares one budget between email and username, and keeps another address apart', async () => {
    await fail(2)
    await assert.rejects(login(WRONG, FROM_A, 'username'), refusedWith('invalid_credentials'))
    await assert.rejects(login(PASSWORD, FROM_A, 'username'), refusedWith('rate_limited'))
    await assert.rejects(login(PASSWORD, FROM_A, 'email'), refusedWith('rate_limited'))
    // The same account from another address is not locked out by what the first one did.
    const issued = await login(PASSWORD, FROM_B)
    assert.equal(issued.user.email, email)
  })

  it('locks an unknown account exactly as a known one', async () => {
    const unknown = { email: `nobody-${randomUUID()}@example.com`, password: WRONG }
    for (let i = 0; i < 3; i++) await assert.rejects(services.login(unknown, FROM_A), refusedWith('invalid_credentials'))
    await assert.rejects(services.login(unknown, FROM_A), refusedWith('rate_limited', String(WINDOW_SECONDS)))
  })
})
