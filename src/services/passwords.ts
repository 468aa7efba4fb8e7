import { hash, verify } from '@node-rs/argon2'
import { AppError } from '../errors.js'

/** OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export interface PasswordHasherOptions {
  /** Hashes computed at once (each one occupies a libuv thread). */
  concurrency: number
  /** Hashes allowed to wait; past it callers get 503 instead of an ever-growing backlog. */
  queueLimit: number
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(passwordHash: string, password: string): Promise<boolean>
  /** Spends the time of one verification, for logins of unknown users. */
  dummyVerify(password: string): Promise<void>
  /** Hashes running plus waiting, for /metrics. */
  readonly load: number
}

/**
 * Password hashing with argon2id off the event loop (@node-rs/argon2 runs on
 * libuv's thread pool), behind a bounded queue so that a login flood cannot
 * starve other requests or grow memory without limit.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  let running = 0
  const waiting: Array<() => void> = []

  async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= options.concurrency) {
      if (waiting.length >= options.queueLimit) {
        throw new AppError('service_unavailable', 'Too many password checks in progress; try again shortly', {
          headers: { 'retry-after': '1' },
        })
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    } else {
      running++
    }
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }

  // A real hash of a random password, made once, so a dummy verification costs what a real one does.
  let dummyHash: Promise<string> | undefined
  const getDummyHash = () => (dummyHash ??= hash(crypto.randomUUID(), ARGON2_OPTIONS))

  return {
    hash: (password) => withSlot(() => hash(password.normalize('NFC'), ARGON2_OPTIONS)),
    verify: (passwordHash, password) =>
      withSlot(async () => {
        try {
          return await verify(passwordHash, password.normalize('NFC'))
        } catch {
          return false // a malformed stored hash never verifies
        }
      }),
    async dummyVerify(password) {
      const stored = await getDummyHash()
      await withSlot(() => verify(stored, password.normalize('NFC')).catch(() => false))
    },
    get load() {
      return running + waiting.length
    },
  }
}

/** Length in code points after NFC normalisation, as API.md counts password characters. */
export function passwordLength(password: string): number {
  return [...password.normalize('NFC')].length
}
