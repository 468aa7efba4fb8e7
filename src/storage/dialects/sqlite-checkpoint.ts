import { Worker } from 'node:worker_threads'

/** How often the background connection checkpoints the WAL. */
const CHECKPOINT_INTERVAL_MS = 1000

/**
 * `journal_size_limit` of both connections: each time SQLite starts the WAL over from its
 * beginning it truncates a larger file down to this, so under steady load the -wal file
 * settles here; when writes stop, the idle checkpoint empties it (sqlite-checkpointer.js).
 */
export const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024

export interface Checkpointer {
  stop(): Promise<void>
}

/**
 * SQLite checkpoints the WAL into the database file (with an fsync) on the
 * connection that happens to commit past 1,000 pages; with better-sqlite3 that
 * is the event loop, stalled for tens of milliseconds under write load
 * (docs/performance.md). The main connection therefore sets
 * `wal_autocheckpoint = 0`, and this worker thread checkpoints every second
 * from a connection of its own.
 */
export function startCheckpointer(file: string): Checkpointer {
  const worker = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), { workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS, walSizeLimit: WAL_SIZE_LIMIT_BYTES } })
  worker.unref()
  worker.on('error', () => {}) // a failed checkpointer leaves SQLite's WAL growing, not the server down
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => resolve()
        worker.once('message', done)
        worker.once('exit', done)
        worker.postMessage('stop')
        setTimeout(() => void worker.terminate().then(done, done), 2000).unref()
      }),
  }
}
