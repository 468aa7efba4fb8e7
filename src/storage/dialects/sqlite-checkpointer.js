// @ts-check
// Worker thread (see sqlite-checkpoint.ts): checkpoints a SQLite WAL file from its own connection,
// so the copy into the database file and its fsync never run on the event loop. Plain JavaScript
// for the same reason as services/password-worker.js: it must load from src/ and from dist/.
import { parentPort, workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'

/** @type {{ file: string, intervalMs: number, walSizeLimit: number, idleExitTicks: number }} */
const { file, intervalMs, walSizeLimit, idleExitTicks } = workerData
const db = new SQLite(file)
db.pragma('busy_timeout = 1000')
db.pragma(`journal_size_limit = ${walSizeLimit}`)

// The parent waits for a 'stop' to be answered only once this is said (sqlite-checkpoint.ts).
parentPort?.postMessage('ready')

/** The WAL's frame count at the previous tick: unchanged and fully copied means nobody is writing. */
let lastFrames = -1
/** Ticks in a row with an empty WAL; at idleExitTicks the thread exits (the parent starts another after a write). */
let emptyTicks = 0

const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for readers or the writer, and never blocks them.
    const [result] = /** @type {Array<{ busy: number, log: number, checkpointed: number }>} */ (db.pragma('wal_checkpoint(PASSIVE)'))
    const idle = result !== undefined && result.log > 0 && result.log === result.checkpointed && result.log === lastFrames
    lastFrames = result?.log ?? -1
    // A PASSIVE checkpoint never shrinks the -wal file: after a burst it stays at its high-water
    // mark (136 MB after a 10k-cycle soak, issue 13). Once writes have stopped for a tick and every
    // frame is already in the database, TRUNCATE empties it; there is nothing left to copy, so it
    // holds the write lock only for the truncate itself.
    if (idle) {
      db.pragma('wal_checkpoint(TRUNCATE)')
      lastFrames = 0
    }
    emptyTicks = result !== undefined && result.log === 0 ? emptyTicks + 1 : 0
    if (emptyTicks >= idleExitTicks) {
      clearInterval(timer)
      db.close()
      process.exit(0) // in a worker thread: ends this thread only
    }
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs)

parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } finally {
    db.close()
    parentPort?.postMessage('stopped')
  }
})
