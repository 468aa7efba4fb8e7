import { randomUUID } from 'node:crypto'
import { Piscina } from 'piscina'
import { AppError } from '../errors.js'

/** OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export interface PasswordHasherOptions {
  /** Hashes computed at once, one worker thread each. */
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
  close(): Promise<void>
}

/**
 * How far below the event loop the hashing threads run: nice 19, the lowest priority on Linux.
 * A login flood then takes only the CPU the event loop leaves over, so
 * authenticated requests keep their latency (issue 3, `storm`).
 */
const HASH_THREAD_NICENESS = 19

const WORKER = new URL('./password-worker.js', import.meta.url).href

/**
 * Password hashing with argon2id in a Piscina pool of worker threads at a
 * lowered priority, never on the event loop, behind a bounded queue (Piscina's
 * `maxQueue`): beyond it, 503 `service_unavailable` with `Retry-After`.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const pool = new Piscina({
    filename: WORKER,
    minThreads: options.concurrency,
    maxThreads: options.concurrency,
    niceIncrement: HASH_THREAD_NICENESS,
    idleTimeout: 60_000,
  })

  // Hashes running or waiting. Counting them here (not catching Piscina's queue-full error,
  // which only its message identifies) keeps the bound exact: concurrency + queueLimit.
  let inFlight = 0
  async function run<T>(name: 'hash' | 'verify', task: unknown): Promise<T> {
    if (inFlight >= options.concurrency + options.queueLimit) {
      throw new AppError('service_unavailable', 'Too many password checks in progress; try again shortly', { headers: { 'retry-after': '1' } })
    }
    inFlight++
    try {
      return (await pool.run(task, { name })) as T
    } finally {
      inFlight--
    }
  }

  let dummyHash: Promise<string> | undefined
  // A real hash of a random password, made once, so a dummy verification costs what a real one does.
  const getDummyHash = () => (dummyHash ??= run<string>('hash', { password: randomUUID(), options: ARGON2_OPTIONS }))

  return {
    hash: (password) => run<string>('hash', { password: password.normalize('NFC'), options: ARGON2_OPTIONS }),
    verify: (passwordHash, password) => run<boolean>('verify', { passwordHash, password: password.normalize('NFC') }),
    async dummyVerify(password) {
      const passwordHash = await getDummyHash()
      await run<boolean>('verify', { passwordHash, password: password.normalize('NFC') })
    },
    get load() {
      return inFlight
    },
    close: () => pool.destroy(),
  }
}

/** Length in code points after NFC normalisation, as API.md counts password characters. */
export function passwordLength(password: string): number {
  return [...password.normalize('NFC')].length
}
