import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { createLoginFailures } from './login-failures.js'

describe('login failure limit', () => {
  it('locks a key after max failures until the window ends, with Retry-After', () => {
    let now = 1_000_000
    const failures = createLoginFailures({ max: 3, windowSeconds: 60 }, () => now)
    for (let i = 0; i < 3; i++) {
      failures.assertAllowed('e:a@b.c|1.2.3.4')
      failures.recordFailure('e:a@b.c|1.2.3.4')
    }
    now += 10_000
    assert.throws(
      () => failures.assertAllowed('e:a@b.c|1.2.3.4'),
      (error: unknown) => error instanceof AppError && error.code === 'rate_limited' && error.headers?.['retry-after'] === '50',
    )
    failures.assertAllowed('e:other@b.c|1.2.3.4') // other accounts are unaffected
    now += 50_000
    failures.assertAllowed('e:a@b.c|1.2.3.4') // the window has ended
  })

  it('forgets failures after a successful login', () => {
    const failures = createLoginFailures({ max: 2, windowSeconds: 60 }, () => 0)
    failures.recordFailure('k')
    failures.clear('k')
    failures.recordFailure('k')
    failures.assertAllowed('k')
  })
})
