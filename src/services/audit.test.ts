import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { openStorage, type Storage } from '../storage/index.js'
import { createAuditLog } from './audit.js'

describe('audit log service (real SQLite)', () => {
  let storage: Storage
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const now = () => clock
  const errors: unknown[] = []

  before(async () => (storage = await openStorage('sqlite::memory:')))
  after(() => storage.close())

  it('queues events and writes them in one batch; list() writes first, newest first', async () => {
    const audit = createAuditLog({ storage, retentionSeconds: 0, now, onError: (error) => errors.push(error) })
    audit.record({ type: 'login.failed', reason: 'invalid_credentials', targetId: 'u1', ip: '10.0.0.1' })
    clock += 1000
    audit.record({ type: 'login.succeeded', actorId: 'u1', targetId: 'u1', details: { via: 'test' } })
    assert.equal((await storage.auditEvents.list({ limit: 10, offset: 0 })).total, 0, 'nothing written on the request path')
    const { events, total } = await audit.list({ limit: 10, offset: 0 })
    assert.equal(total, 2)
    assert.deepEqual(events.map((event) => event.type), ['login.succeeded', 'login.failed'])
    assert.deepEqual(events[0]!.details, { via: 'test' })
    assert.equal(events[1]!.reason, 'invalid_credentials')
    assert.equal(events[1]!.ip, '10.0.0.1')
    await audit.stop()
  })

  it('filters by type, actor, target and time', async () => {
    const audit = createAuditLog({ storage, retentionSeconds: 0, now, onError: (error) => errors.push(error) })
    const start = clock
    audit.record({ type: 'logout', actorId: 'u2', targetId: 'u2' })
    clock += 1000
    audit.record({ type: 'admin.user_deleted', actorId: 'admin', targetId: 'u2' })
    await audit.flush()
    assert.equal((await audit.list({ type: 'logout', limit: 10, offset: 0 })).total, 1)
    assert.equal((await audit.list({ actorId: 'admin', limit: 10, offset: 0 })).total, 1)
    assert.equal((await audit.list({ targetId: 'u2', limit: 10, offset: 0 })).total, 2)
    assert.equal((await audit.list({ since: start + 1, limit: 10, offset: 0 })).total, 1)
    assert.equal((await audit.list({ targetId: 'u2', until: start + 1, limit: 10, offset: 0 })).total, 1)
    await audit.stop()
  })

  it('prunes events older than AUDIT_RETENTION, and keeps everything with 0', async () => {
    const keepAll = createAuditLog({ storage, retentionSeconds: 0, now, onError: (error) => errors.push(error) })
    clock += 365 * 86400_000
    assert.equal(await keepAll.prune(), 0)
    const audit = createAuditLog({ storage, retentionSeconds: 86400, now, onError: (error) => errors.push(error) })
    audit.record({ type: 'login.succeeded', actorId: 'recent' })
    await audit.flush()
    const before = (await audit.list({ limit: 100, offset: 0 })).total
    const pruned = await audit.prune()
    assert.equal(pruned, before - 1, 'every event older than a day went')
    const left = await audit.list({ limit: 100, offset: 0 })
    assert.deepEqual(left.events.map((event) => event.actorId), ['recent'])
    await Promise.all([keepAll.stop(), audit.stop()])
    assert.deepEqual(errors, [])
  })

  it('keeps events through a failed write and bounds the queue, counting what it drops', async () => {
    const broken = await openStorage('sqlite::memory:')
    await broken.close()
    const failures: unknown[] = []
    const audit = createAuditLog({ storage: broken, retentionSeconds: 0, now, onError: (error) => failures.push(error) })
    for (let i = 0; i < 10_005; i++) audit.record({ type: 'rate_limit.tripped' })
    await audit.flush()
    assert.ok(failures.length > 0, 'the failed write was reported')
    assert.ok(audit.dropped >= 5, `dropped ${audit.dropped}`)
    await audit.stop()
  })
})
