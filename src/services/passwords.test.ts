import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pbkdf2Sync } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { hashSync } from '@node-rs/argon2'
import { AppError } from '../errors.js'
import { createPasswordHasher, passwordLength } from './passwords.js'

describe('password hashing', () => {
  const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 8 })
  after(() => hasher.close())

  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hasher.hash('correct horse battery')
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await hasher.verify(hash, 'correct horse battery'), true)
    assert.equal(await hasher.verify(hash, 'correct horse batterY'), false)
  })

  it('normalises to NFC, so the same password typed in NFD verifies', async () => {
    const nfc = 'caf\u00e9 au lait'
    const nfd = 'cafe\u0301 au lait'
    const hash = await hasher.hash(nfc)
    assert.equal(await hasher.verify(hash, nfd), true)
    assert.equal(passwordLength(nfd), passwordLength(nfc))
  })

  it('never verifies against a malformed stored hash', async () => {
    assert.equal(await hasher.verify('plaintext', 'plaintext'), false)
  })

  it('verifies a legacy hash in the worker and asks for a rehash; a current argon2id hash needs none', async () => {
    const salt = 'aB3dE5gH7jK9mN1p'
    const werkzeug = `pbkdf2:sha256:1000$${salt}$${pbkdf2Sync('correct horse battery', salt, 1000, 32, 'sha256').toString('hex')}`
    assert.deepEqual(await hasher.check(werkzeug, 'correct horse battery'), { ok: true, needsRehash: true })
    assert.deepEqual(await hasher.check(werkzeug, 'correct horse batterY'), { ok: false, needsRehash: false })
    assert.equal(await hasher.verify(werkzeug, 'correct horse battery'), true)
    const current = await hasher.hash('correct horse battery')
    assert.deepEqual(await hasher.check(current, 'correct horse battery'), { ok: true, needsRehash: false })
    assert.deepEqual(await hasher.check('plaintext', 'plaintext'), { ok: false, needsRehash: false })
  })

  it('asks for a rehash of an argon2id hash weaker than ARGON2_OPTIONS', async () => {
    const weaker = hashSync('correct horse battery', { memoryCost: 4096, timeCost: 1, parallelism: 1 })
    assert.deepEqual(await hasher.check(weaker, 'correct horse battery'), { ok: true, needsRehash: true })
  })

  it('hashes at an injected cost (tests only), and a hash at that cost asks for no rehash there', async () => {
    const cheap = createPasswordHasher({ concurrency: 1, queueLimit: 8, cost: { memoryCost: 8, timeCost: 1, parallelism: 1 } })
    try {
      const hash = await cheap.hash('correct horse battery')
      assert.match(hash, /^\$argon2id\$v=19\$m=8,t=1,p=1\$/)
      assert.deepEqual(await cheap.check(hash, 'correct horse battery'), { ok: true, needsRehash: false })
      // The default hasher still finds it weaker than OWASP's parameters.
      assert.deepEqual(await hasher.check(hash, 'correct horse battery'), { ok: true, needsRehash: true })
    } finally {
      await cheap.close()
    }
  })

  it('gives a legacy hash the password as typed (Python never normalised it), argon2 the NFC form', async () => {
    const nfd = 'cafe\u0301 au lait'
    const salt = 'aB3dE5gH7jK9mN1p'
    const legacy = `pbkdf2:sha256:1000$${salt}$${pbkdf2Sync(nfd, salt, 1000, 32, 'sha256').toString('hex')}`
    assert.equal(await hasher.verify(legacy, nfd), true)
    assert.equal(await hasher.verify(legacy, nfd.normalize('NFC')), false)
  })

  it('answers 503 service_unavailable with Retry-After once the queue is full, instead of queueing without bound', async () => {
    const tiny = createPasswordHasher({ concurrency: 1, queueLimit: 1 })
    const results = await Promise.allSettled([tiny.hash('password-1'), tiny.hash('password-2'), tiny.hash('password-3')])
    const rejected = results.filter((r) => r.status === 'rejected')
    assert.equal(rejected.length, 1)
    const error = (rejected[0] as PromiseRejectedResult).reason
    assert.ok(error instanceof AppError && error.code === 'service_unavailable' && error.headers?.['retry-after'])
    assert.equal(tiny.load, 0)
    await tiny.close()
  })
})

/** Scheduling policy of each thread of this process (field 41 of /proc/self/task/<tid>/stat; 5 is SCHED_IDLE). */
function threadPolicies(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3])
  })
}

const SCHED_IDLE = 5
const noIdleScheduling =
  process.platform !== 'linux' ? 'not Linux' : !existsSync('/usr/bin/chrt') && !existsSync('/bin/chrt') ? 'util-linux chrt is not installed' : false

describe('hashing threads on demand', () => {
  it('exist only while there is hashing to do: none at start, started by a hash, gone after the idle time', async () => {
    const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 8, cost: { memoryCost: 8, timeCost: 1, parallelism: 1 }, idleThreadMs: 200 })
    try {
      assert.equal(hasher.threads, 0)
      await hasher.hash('correct horse battery')
      assert.ok(hasher.threads >= 1, `threads after a hash: ${hasher.threads}`)
      const deadline = Date.now() + 10_000
      while (hasher.threads > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      assert.equal(hasher.threads, 0)
      // and they come back for the next one
      assert.match(await hasher.hash('correct horse battery'), /^\$argon2id\$/)
    } finally {
      await hasher.close()
    }
  })
})

describe('hashing threads', { skip: noIdleScheduling }, () => {
  it('run under SCHED_IDLE, so a request woken on the event loop never waits behind a hash', async () => {
    const before = threadPolicies().filter((policy) => policy === SCHED_IDLE).length
    const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 8 })
    try {
      // Two at once, so both threads have started.
      await Promise.all([hasher.hash('first password 123'), hasher.hash('second password 123')])
      assert.equal(threadPolicies().filter((policy) => policy === SCHED_IDLE).length - before, 2)
    } finally {
      await hasher.close()
    }
  })
})
