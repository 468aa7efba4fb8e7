/**
 * Storage conflicts that a second attempt resolves: a deadlock the database broke by rolling
 * one transaction back, a lock wait that ran out, a serialization failure, SQLite's busy
 * database past its busy timeout. They are retried here, a bounded number of times, so that
 * they never reach a client as a 500 (issue 14, finding 7: MariaDB's deadlocks between
 * concurrent refreshes of one token did).
 */
export function isTransientConflict(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null
  return (
    e?.code === '40P01' || // PostgreSQL deadlock_detected
    e?.code === '40001' || // PostgreSQL serialization_failure
    e?.code === '55P03' || // PostgreSQL lock_not_available
    e?.errno === 1213 || // MySQL/MariaDB ER_LOCK_DEADLOCK
    e?.errno === 1205 || // MySQL/MariaDB ER_LOCK_WAIT_TIMEOUT
    e?.code === 'SQLITE_BUSY' ||
    e?.code === 'SQLITE_BUSY_SNAPSHOT'
  )
}

/** Attempts in all: enough for a few unlucky collisions, few enough that a real fault still surfaces quickly. */
const ATTEMPTS = 5

/**
 * Runs `work` (one whole transaction: a retry must start it anew) and runs it again when it
 * fails with a transient conflict, after a short random pause so that the colliding
 * transactions do not meet again in lockstep. Other errors, and the last conflict, are thrown.
 */
export async function withConflictRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransientConflict(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
    }
  }
}
