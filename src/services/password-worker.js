// @ts-check
// Piscina worker (see passwords.ts): argon2id, and the legacy formats of legacy-hashes.js, synchronous
// here because this thread does nothing else, at a lowered priority so the event loop always wins
// the CPU. Plain JavaScript on purpose: a worker entry must load the same way from src/ (unit tests
// under tsx, which worker threads do not inherit) and from dist/ (tsc copies it with allowJs). For
// the same reason the one module of ours it imports, legacy-hashes.js, is plain JavaScript too.
// The argon2 options arrive with each task.
import { hashSync, verifySync } from '@node-rs/argon2'
import { spawnSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { verifyLegacyHash, argon2Parameters } from './legacy-hashes.js'

lowerToIdleScheduling()

/**
 * Moves this thread to Linux's SCHED_IDLE class (below nice 19), with util-linux's `chrt`, once at
 * start. On a kernel without wake-up preemption of niced threads (EEVDF), a request woken at nice 0
 * can wait 6–26 ms for a core behind a nice-19 hash; a SCHED_IDLE thread gives the core up as soon
 * as a normal thread wants it (docs/performance.md). Unprivileged: a thread may always lower its
 * own class. Where `chrt` or /proc is missing, the thread stays at nice 19 (set by Piscina).
 */
function lowerToIdleScheduling() {
  if (process.platform !== 'linux') return
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').pop() ?? ''
    if (/^\d+$/.test(tid)) spawnSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5000 })
  } catch {
    // no /proc or no chrt: nice 19 it is
  }
}

/** @param {{ password: string, options: import('@node-rs/argon2').Options }} task */
export function hash({ password, options }) {
  return hashSync(password, options)
}

/**
 * `password` arrives as passwords.ts prepared it for this hash's format: NFC for argon2 (ours),
 * exactly as typed for the legacy formats (Python hashed the raw UTF-8).
 *
 * @param {{ passwordHash: string, password: string }} task
 */
export function verify({ passwordHash, password }) {
  // argon2 beyond the bounds of argon2Parameters is refused like any other hostile row.
  if (!argon2Parameters(passwordHash)) return verifyLegacyHash(passwordHash, password)
  try {
    return verifySync(passwordHash, password)
  } catch {
    return false // a malformed stored hash never verifies
  }
}
