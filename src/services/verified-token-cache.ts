/**
 * Remembers tokens whose signature and claims were already verified, keyed by
 * the exact token text, so a client presenting the same access token again
 * skips the HMAC (jose's WebCrypto path costs more than a whole bare HTTP
 * request). Safe because:
 * - an entry is only made after a full `jwtVerify` (algorithm allow-list,
 *   `typ`, `iss`, `aud`, expiry);
 * - an entry never outlives the token's own `exp` (+ leeway);
 * - revocation is not cached: callers check it on every request.
 * Bounded: past `maxEntries` the oldest entry is dropped (insertion order).
 */
export interface VerifiedTokenCache<T> {
  get(token: string, nowMs: number): T | undefined
  set(token: string, value: T, validUntilMs: number): void
  readonly size: number
}

export function createVerifiedTokenCache<T>(maxEntries: number): VerifiedTokenCache<T> {
  const entries = new Map<string, { value: T; validUntilMs: number }>()
  return {
    get(token, nowMs) {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (entry.validUntilMs <= nowMs) {
        entries.delete(token)
        return undefined
      }
      return entry.value
    },
    set(token, value, validUntilMs) {
      if (maxEntries <= 0) return
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value
        if (oldest !== undefined) entries.delete(oldest)
      }
      entries.set(token, { value, validUntilMs })
    },
    get size() {
      return entries.size
    },
  }
}
