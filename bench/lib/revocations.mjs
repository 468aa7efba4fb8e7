// Fills the revoked_sessions table directly, as a million logouts would have.
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'

export function insertRevokedSessions(file, count) {
  const db = new Database(file)
  const expiresAt = Date.now() + 15 * 60 * 1000
  const insert = db.prepare('insert into revoked_sessions (session_id, user_id, revoked_at, expires_at) values (?, ?, ?, ?)')
  const batch = db.transaction((n) => {
    for (let i = 0; i < n; i++) insert.run(randomUUID(), randomUUID(), Date.now(), expiresAt)
  })
  for (let done = 0; done < count; done += 100_000) batch(Math.min(100_000, count - done))
  db.close()
}
