import { statSync } from 'node:fs'
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

/** Ticks with an empty WAL after which the worker thread exits (it costs 8–10 MB resident, issue 19). */
const IDLE_EXIT_TICKS = 30

/**
 * SQLite checkpoints the WAL into the database file (with an fsync) on the
 * connection that happens to commit past 1,000 pages; with better-sqlite3 that
 * is the event loop, stalled for tens of milliseconds under write load
 * (docs/performance.md). The main connection therefore sets
 * `wal_autocheckpoint = 0`, and this worker thread checkpoints every second
 * from a connection of its own.
 *
 * The thread exists only while there is something to checkpoint: it exits after
 * IDLE_EXIT_TICKS seconds with an empty WAL, and a once-a-second look at the -wal
 * file's size (one stat, no database access) starts it again after the next write.
 */
export function startCheckpointer(file: string): Checkpointer {
  let worker: Worker | undefined
  let stopped = false

  /** Whether the running thread has opened its connection (it says so once); before that, stop() need not wait for it. */
  let ready = false
  const spawn = (): Worker => {
    const started = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), {
      workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS, walSizeLimit: WAL_SIZE_LIMIT_BYTES, idleExitTicks: IDLE_EXIT_TICKS },
    })
    ready = false
    started.unref()
    started.once('message', () => {
      if (worker === started) ready = true
    })
    // A failed checkpointer leaves SQLite's WAL growing, not the server down; and it is not started
    // again, so a thread that cannot work does not cost a start every second.
    started.on('error', () => {
      stopped = true
    })
    started.once('exit', () => {
      if (worker === started) worker = undefined
    })
    return started
  }

  const watch = setInterval(() => {
    if (worker || stopped) return
    let size = 0
    try {
      size = statSync(`${file}-wal`).size
    } catch {
      return // no -wal file (yet): nothing to checkpoint
    }
    if (size > 0) worker = spawn()
  }, CHECKPOINT_INTERVAL_MS)
  // The first look, a second after the start, finds what the migrations wrote. Not at once: a thread
  // is a new isolate and a native module to load (tens of ms of CPU), and a storage closed within the
  // second (a CLI command, a test's server) then needs none.
  watch.unref()

  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true
        clearInterval(watch)
        const running = worker
        if (!running) return resolve()
        const done = () => resolve()
        // Still starting: it has checkpointed nothing, and the main connection's close checkpoints
        // what the WAL holds, so it is ended rather than waited for (its start took ~85 ms).
        if (!ready) return void running.terminate().then(done, done)
        running.once('message', done)
        running.once('exit', done)
        running.postMessage('stop')
        setTimeout(() => void running.terminate().then(done, done), 2000).unref()
      }),
  }
}
