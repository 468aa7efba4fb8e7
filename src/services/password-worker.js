// @ts-check
// Piscina worker (see passwords.ts): argon2id, and the legacy formats of legacy-hashes.js, synchronous
// here because this thread does nothing else, at a lowered priority so the event loop always wins
// the CPU. Plain JavaScript on purpose: a worker entry must load the same way from src/ (unit tests
// under tsx, which worker threads do not inherit) and from dist/ (tsc copies it with allowJs). For
// the same reason the one module of ours it imports, legacy-hashes.js, is plain JavaScript too.
// The argon2 options arrive with each task.
import { hashSync, verifySync } from '@node-rs/argon2'
import { verifyLegacyHash, argon2Parameters } from './legacy-hashes.js'

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
