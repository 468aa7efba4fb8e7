// The lock that makes refreshes single-flight across tabs. Web Locks (navigator.locks) are held per
// origin by the browser, so two tabs asking for one name get it one after the other, and a tab that
// closes mid-refresh releases it. Without Web Locks (Node 20, old browsers) the lock is a queue in
// this process: the same guarantee for clients sharing a process, none across processes.

/** Runs `work` holding the lock; `contended` tells whether someone else held it when we asked. */
export type LockedWork<T> = (contended: boolean) => Promise<T>

export interface RefreshLock {
  run<T>(work: LockedWork<T>): Promise<T>
}

interface WebLocks {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>
  request(name: string, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>
}

function webLocks(): WebLocks | undefined {
  return (globalThis as { navigator?: { locks?: WebLocks } }).navigator?.locks
}

const NOT_AVAILABLE = Symbol('lock not available')

function createWebLock(locks: WebLocks, name: string): RefreshLock {
  return {
    async run<T>(work: LockedWork<T>): Promise<T> {
      // First without waiting, to learn whether another tab is refreshing right now.
      const first = await locks.request(name, { ifAvailable: true }, async (lock) => (lock === null ? NOT_AVAILABLE : work(false)))
      if (first !== NOT_AVAILABLE) return first as T
      return (await locks.request(name, async () => work(true))) as T
    },
  }
}

/** Per-process queues by name, so clients of one process with the same lock name share one. */
const localQueues = new Map<string, Promise<unknown>>()

function createLocalLock(name: string): RefreshLock {
  return {
    async run<T>(work: LockedWork<T>): Promise<T> {
      const previous = localQueues.get(name)
      const contended = previous !== undefined
      const mine = (previous ?? Promise.resolve()).catch(() => undefined).then(() => work(contended))
      const tail = mine.catch(() => undefined)
      localQueues.set(name, tail)
      try {
        return await mine
      } finally {
        if (localQueues.get(name) === tail) localQueues.delete(name)
      }
    },
  }
}

/** The lock named `name`: a Web Lock where the platform has them, else an in-process queue. */
export function createRefreshLock(name: string, options: { useWebLocks?: boolean } = {}): RefreshLock {
  const locks = options.useWebLocks === false ? undefined : webLocks()
  return locks === undefined ? createLocalLock(name) : createWebLock(locks, name)
}
