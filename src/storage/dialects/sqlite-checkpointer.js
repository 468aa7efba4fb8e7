// @ts-check
// Worker thread (see sqlite-checkpoint.ts): checkpoints a SQLite WAL file from its own connection,
// so the copy into the database file and its fsync never run on the event loop. Plain JavaScript
// for the same reason as services/password-worker.js: it must load from src/ and from dist/.
import { parentPort, workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'

/** @type {{ file: string, intervalMs: number }} */
const { file, intervalMs } = workerData
const db = new SQLite(file)
db.pragma('busy_timeout = 1000')

const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for readers or the writer, and never blocks them.
    db.pragma('wal_checkpoint(PASSIVE)')
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
