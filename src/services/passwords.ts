import { randomUUID } from 'node:crypto'
import { Piscina } from 'piscina'
import { AppError } from '../errors.js'
import { argon2Parameters, passwordHashFormat } from './legacy-hashes.js'

/** OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

/** argon2id's cost: memory in KiB, passes, lanes. */
export interface Argon2Cost {
  memoryCost: number
  timeCost: number
  parallelism: number
}

export interface PasswordHasherOptions {
  /** Hashes computed at once, one worker thread each. */
  concurrency: number
  /** Hashes allowed to wait; past it callers get 503 instead of an ever-growing backlog. */
  queueLimit: number
  /**
   * argon2id cost of new hashes; ARGON2_OPTIONS unless given. Only tests lower it (test/helpers/server.ts),
   * so that tests not about hashing do not pay OWASP's cost on every register and login.
   */
  cost?: Argon2Cost
  /** How long a hashing thread with nothing to do stays before it exits (default 30 s). */
  idleThreadMs?: number
}

/** What a verification found: whether the password matched, and whether its stored hash should be replaced. */
export interface PasswordCheck {
  ok: boolean
  /** The password matched a hash older or weaker than argon2id at ARGON2_OPTIONS: store `hash(password)` instead. */
  needsRehash: boolean
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** Verifies against argon2 or any legacy format of legacy-hashes.js (imported users). */
  verify(passwordHash: string, password: string): Promise<boolean>
  /** As verify, and tells whether a matching hash should be upgraded (login does so). */
  check(passwordHash: string, password: string): Promise<PasswordCheck>
  /** Spends the time of one verification, for logins of unknown users. */
  dummyVerify(password: string): Promise<void>
  /** Hashes running plus waiting, for /metrics. */
  readonly load: number
  /** Hashing threads alive now: 0 on an idle server (they start with the first hash), for /metrics. */
  readonly threads: number
  close(): Promise<void>
}

/**
 * How far below the event loop the hashing threads run: nice 19, the lowest priority on Linux.
 * A login flood then takes only the CPU the event loop leaves over, so
 * authenticated requests keep their latency (issue 3, `storm`). On Linux each
 * thread then moves itself to SCHED_IDLE, below every nice level
 * (password-worker.js); nice 19 is what remains where that is not possible.
 */
const HASH_THREAD_NICENESS = 19

/** How long a hashing thread with nothing to do stays before it exits, unless told otherwise. */
const HASH_THREAD_IDLE_MS = 30_000

const WORKER = new URL('./password-worker.js', import.meta.url).href

/**
 * Password hashing with argon2id in a Piscina pool of worker threads at a
 * lowered priority, never on the event loop, behind a bounded queue (Piscina's
 * `maxQueue`): beyond it, 503 `service_unavailable` with `Retry-After`.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const cost = options.cost ?? ARGON2_OPTIONS
  const pool = new Piscina({
    filename: WORKER,
    // Threads exist only while there is hashing to do: each holds its own V8 heap (about 20 MB),
    // which an idle server should not pay for. The first hash after idleThreadMs of quiet
    // waits for a thread to start (tens of ms, the same for every account: it tells nothing apart).
    minThreads: 0,
    maxThreads: options.concurrency,
    niceIncrement: HASH_THREAD_NICENESS,
    idleTimeout: options.idleThreadMs ?? HASH_THREAD_IDLE_MS,
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
  const getDummyHash = () => (dummyHash ??= run<string>('hash', { password: randomUUID(), options: cost }))

  async function dummyVerify(password: string): Promise<void> {
    const passwordHash = await getDummyHash()
    await run<boolean>('verify', { passwordHash, password: password.normalize('NFC') })
  }

  async function check(passwordHash: string, password: string): Promise<PasswordCheck> {
    const format = passwordHashFormat(passwordHash)
    if (format === undefined) {
      // A row no verifier accepts costs what a wrong password does, so it tells nothing apart.
      await dummyVerify(password)
      return { ok: false, needsRehash: false }
    }
    // Our argon2 hashes are of the NFC form; Python hashed the raw UTF-8 of what was typed, so the
    // legacy formats get the password untouched (docs/password-formats.md).
    const prepared = format === 'argon2' ? password.normalize('NFC') : password
    const ok = await run<boolean>('verify', { passwordHash, password: prepared })
    // bcrypt reads only the first 72 bytes: past them, a different password sharing those bytes
    // verifies too, and upgrading would store argon2id of *that* password, locking the owner out
    // of theirs. Such a login is let in (as the old app did) but the hash stays (@see issue 17).
    if (format === 'bcrypt' && Buffer.byteLength(prepared, 'utf8') > BCRYPT_MAX_BYTES) return { ok, needsRehash: false }
    return { ok, needsRehash: ok && isWeakerThan(passwordHash, cost) }
  }

  return {
    hash: (password) => run<string>('hash', { password: password.normalize('NFC'), options: cost }),
    verify: async (passwordHash, password) => (await check(passwordHash, password)).ok,
    check,
    dummyVerify,
    get load() {
      return inFlight
    },
    get threads() {
      return pool.threads.length
    },
    close: () => pool.destroy(),
  }
}

/** bcrypt's input limit; longer passwords are truncated by every implementation. */
const BCRYPT_MAX_BYTES = 72

/** Anything but argon2id (v1.3) with at least `cost`'s memory and passes: legacy formats, argon2i/d, older parameters. */
function isWeakerThan(passwordHash: string, cost: Argon2Cost): boolean {
  const parameters = argon2Parameters(passwordHash)
  if (!parameters) return true
  return (
    parameters.variant !== 'id' ||
    parameters.version < 19 ||
    parameters.memoryCost < cost.memoryCost ||
    parameters.timeCost < cost.timeCost
  )
}

/** Length in code points after NFC normalisation, as API.md counts password characters. */
export function passwordLength(password: string): number {
  return [...password.normalize('NFC')].length
}
