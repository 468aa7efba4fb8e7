// The peers of the bench (bench/peers/): installed there on first use, apart from Tessera's own
// dependencies, and started like every other server of the bench (one process each, by pid).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const PEERS_DIR = resolve(import.meta.dirname, '../peers')

/** `npm ci` in bench/peers unless its node_modules is there; returns false (with the reason) when it cannot. */
export function ensurePeersInstalled() {
  if (existsSync(join(PEERS_DIR, 'node_modules/better-auth')) && existsSync(join(PEERS_DIR, 'node_modules/@fastify/jwt'))) return { ok: true }
  try {
    console.log('installing the bench peers in bench/peers (npm ci, once)')
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 'inherit', 'inherit'] })
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: `npm ci in bench/peers failed: ${error.message}` }
  }
}

/** Cookie header value from a response's Set-Cookie lines (name=value pairs only). */
export function cookieHeader(response) {
  return response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ')
}
