import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../config.js'
import { createServices, type Services } from '../services/index.js'
import { openStorage, type Storage } from '../storage/index.js'
import type { Mapping } from './mapping.js'
import { runImport } from './run-import.js'
import type { Source, SourceRow } from './source.js'

const BCRYPT = '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'
const MAPPING: Mapping = { email: 'email', username: 'username', password: 'password', full_name: null, admin: null, active: null, created_at: null }

function source(rows: Iterable<SourceRow>): Source {
  return { description: 'test rows', columns: ['email', 'username', 'password'], rows, close: async () => undefined }
}

describe('runImport over real storage', () => {
  let storage: Storage
  let services: Services
  before(async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789', PASSWORD_HASH_CONCURRENCY: '1' })
    storage = await openStorage(config.databaseUrl, config)
    services = await createServices(config, storage)
  })
  after(async () => {
    await services.stop()
    await storage.close()
  })

  it('a user registered between the duplicate check and the write is skipped as a duplicate, and the rest of its batch is still imported', async () => {
    async function registerMeanwhile() {
      await storage.users.insert({ id: crypto.randomUUID(), email: 'race@example.com', username: null, fullName: null, passwordHash: BCRYPT, roles: [], active: true, now: 1 })
    }
    const pending: Promise<void>[] = []
    function* rows(): Generator<SourceRow> {
      yield { email: 'race@example.com', username: 'racer', password: BCRYPT }
      // The first row has passed its duplicate check; someone registers its email before the batch is written.
      pending.push(registerMeanwhile())
      yield { email: 'calm@example.com', username: 'calm', password: BCRYPT }
    }
    const iterable = { [Symbol.iterator]: rows }
    const report = await runImport(services, source(iterable), { mapping: MAPPING, passwords: 'hashes', dryRun: false })
    await Promise.all(pending)
    assert.equal(report.imported, 1)
    assert.equal(report.skippedDuplicate, 1)
    assert.deepEqual(report.skipped.map((row) => [row.row, row.status]), [[1, 'skipped_duplicate']])
    assert.equal((await storage.users.findByEmail('race@example.com'))!.username, null, 'the user registered meanwhile is left as it was')
    assert.equal((await storage.users.findByEmail('calm@example.com'))!.username, 'calm')
  })

  it('hashes plaintext passwords with argon2id on the worker pool, and writes nothing on a dry run', async () => {
    const rows = [{ email: 'plain@example.com', username: 'plain', password: 'a plaintext password' }]
    const dry = await runImport(services, source(rows), { mapping: MAPPING, passwords: 'plaintext', dryRun: true })
    assert.equal(dry.plaintextHashed, 1)
    assert.equal(await storage.users.findByEmail('plain@example.com'), undefined)

    const report = await runImport(services, source(rows), { mapping: MAPPING, passwords: 'plaintext', dryRun: false, batchSize: 1 })
    assert.deepEqual(report.formats, { plaintext: 1 })
    const stored = await storage.users.findByEmail('plain@example.com')
    assert.match(stored!.passwordHash, /^\$argon2id\$/)
    assert.equal(await services.passwords.verify(stored!.passwordHash, 'a plaintext password'), true)
  })
})
