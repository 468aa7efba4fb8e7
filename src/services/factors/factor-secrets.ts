import { randomBytes } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import type { Config } from '../../config.js'
import type { SettingQueries } from '../../storage/settings.js'
import { createKeyEncryption, type KeyEncryption } from '../key-encryption.js'

/**
 * TOTP secrets at rest, through the mechanism that encrypts signing keys (key-encryption.ts:
 * compact JWE, `dir` + `A256GCM`, key derived with HKDF-SHA256). The JWE's authenticated
 * `kid` names the user, so a sealed secret cannot be moved to another account's row.
 *
 * With `KEY_ENCRYPTION_SECRET` the key comes from it and never touches the database. Without
 * it, a 32-byte secret generated on the first start is kept in `settings` (as the generated
 * JWT secret is): a dump of the factor table alone reveals nothing, but a dump of the whole
 * database does; docs/mfa.md tells production to set the variable. Secrets sealed under the
 * generated key stay readable after the variable is set, and are sealed again under it at
 * their next use.
 */
export interface FactorSecrets {
  seal(userId: string, secret: string): Promise<string>
  open(userId: string, sealed: string): Promise<string>
  /** True when `sealed` was made by the generated key while `KEY_ENCRYPTION_SECRET` is set now. */
  needsReseal(sealed: string): boolean
}

const GENERATED_SETTING = 'factor_encryption_secret'
/** The kid suffix of secrets sealed under the generated key. */
const GENERATED_SUFFIX = ':db'

export async function createFactorSecrets(config: Config, settings: SettingQueries): Promise<FactorSecrets> {
  const generated = await createKeyEncryption(await settings.getOrInsert(GENERATED_SETTING, randomBytes(32).toString('base64url')))
  const configured: KeyEncryption | undefined = config.keyEncryptionSecret === undefined ? undefined : await createKeyEncryption(config.keyEncryptionSecret)
  const kidOf = (userId: string, byGenerated: boolean) => `totp:${userId}${byGenerated ? GENERATED_SUFFIX : ''}`
  const sealedByGenerated = (sealed: string) => {
    const kid = decodeProtectedHeader(sealed).kid
    return typeof kid === 'string' && kid.endsWith(GENERATED_SUFFIX)
  }
  return {
    seal: (userId, secret) => (configured ? configured.encrypt(kidOf(userId, false), secret) : generated.encrypt(kidOf(userId, true), secret)),
    async open(userId, sealed) {
      if (sealedByGenerated(sealed)) return generated.decrypt(kidOf(userId, true), sealed)
      if (!configured) throw new Error('a TOTP secret is sealed under KEY_ENCRYPTION_SECRET, which is not set')
      return configured.decrypt(kidOf(userId, false), sealed)
    },
    needsReseal: (sealed) => configured !== undefined && sealedByGenerated(sealed),
  }
}
