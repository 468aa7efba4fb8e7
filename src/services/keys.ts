import { randomBytes } from 'node:crypto'
import type { Config } from '../config.js'
import type { SettingQueries } from '../storage/settings.js'

export interface SigningKey {
  algorithm: 'HS256'
  key: Uint8Array
}

/** The public half of every signing key, as RFC 7517 publishes it. */
export interface JwksDocument {
  keys: Array<Record<string, string>>
}

const SECRET_SETTING = 'jwt_hs256_secret'

/**
 * The HS256 key: `JWT_SECRET` when given, otherwise 32 random bytes made on the
 * first start and kept in the database, so tokens survive restarts and every
 * instance on the same database agrees.
 */
export async function loadSigningKey(config: Config, settings: SettingQueries): Promise<SigningKey> {
  if (config.jwtSecret !== undefined) return { algorithm: 'HS256', key: new TextEncoder().encode(config.jwtSecret) }
  const stored = await settings.getOrInsert(SECRET_SETTING, randomBytes(32).toString('base64url'))
  return { algorithm: 'HS256', key: Buffer.from(stored, 'base64url') }
}

/** HS256 keys are secret: nothing to publish. */
export function jwksDocument(_key: SigningKey): JwksDocument {
  return { keys: [] }
}
