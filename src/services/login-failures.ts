import { AppError } from '../errors.js'
import type { RateRule } from '../config.js'

/**
 * Failed logins per (account, client address) in a fixed window
 * (`LOGIN_FAILURE_LIMIT`). Past the limit every attempt gets 429 until the
 * window ends, even with the right password, so guessing stays bounded.
 * Unknown accounts are counted the same way, so the limit reveals nothing.
 */
export interface LoginFailures {
  /** Throws `rate_limited` with Retry-After when the key is locked. */
  assertAllowed(key: string): Promise<void>
  recordFailure(key: string): Promise<void>
  /**
   * Counts one attempt before it is checked, in one step: throws `rate_limited` when it would
   * pass the limit. Concurrent attempts cannot all slip in between a check and a count, which
   * matters where a check is cheap (a 6-digit code, unlike a password hash). `clear` on success.
   */
  reserveAttempt(key: string): Promise<void>
  clear(key: string): Promise<void>
}

export function lockedError(retryAfterSeconds: number): AppError {
  return new AppError('rate_limited', 'Too many failed logins; try again later', { headers: { 'retry-after': String(Math.max(1, retryAfterSeconds)) } })
}

/** Bound on tracked keys, so that a flood of distinct names cannot grow memory without limit. */
const MAX_KEYS = 100_000

/** In memory: one instance counts alone. */
export function createLoginFailures(rule: RateRule, now: () => number): LoginFailures {
  const windows = new Map<string, { count: number; resetAt: number }>()
  const windowMs = rule.windowSeconds * 1000

  function current(key: string) {
    const entry = windows.get(key)
    if (entry && entry.resetAt <= now()) {
      windows.delete(key)
      return undefined
    }
    return entry
  }

  return {
    async assertAllowed(key) {
      const entry = current(key)
      if (entry && entry.count >= rule.max) throw lockedError(Math.ceil((entry.resetAt - now()) / 1000))
    },
    async recordFailure(key) {
      const entry = current(key)
      if (entry) {
        entry.count++
        return
      }
      if (windows.size >= MAX_KEYS) {
        const oldest = windows.keys().next().value
        if (oldest !== undefined) windows.delete(oldest)
      }
      windows.set(key, { count: 1, resetAt: now() + windowMs })
    },
    async reserveAttempt(key) {
      // Synchronous from the check to the count: no other request runs in between.
      const entry = current(key)
      if (entry && entry.count >= rule.max) throw lockedError(Math.ceil((entry.resetAt - now()) / 1000))
      if (entry) entry.count++
      else {
        if (windows.size >= MAX_KEYS) {
          const oldest = windows.keys().next().value
          if (oldest !== undefined) windows.delete(oldest)
        }
        windows.set(key, { count: 1, resetAt: now() + windowMs })
      }
    },
    async clear(key) {
      windows.delete(key)
    },
  }
}
