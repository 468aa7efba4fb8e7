// @ts-check
// Piscina worker (see passwords.ts): argon2id, synchronous here because this thread does nothing
// else, at a lowered priority so the event loop always wins the CPU. Plain JavaScript on purpose:
// a worker entry must load the same way from src/ (unit tests under tsx, which worker threads do
// not inherit) and from dist/ (tsc copies it with allowJs). It imports nothing of ours: the
// argon2 options arrive with each task.
import { hashSync, verifySync } from '@node-rs/argon2'

/** @param {{ password: string, options: import('@node-rs/argon2').Options }} task */
export function hash({ password, options }) {
  return hashSync(password, options)
}

/** @param {{ passwordHash: string, password: string }} task */
export function verify({ passwordHash, password }) {
  try {
    return verifySync(passwordHash, password)
  } catch {
    return false // a malformed stored hash never verifies
  }
}
