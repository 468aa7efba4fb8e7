import type { Config } from '../../config.js'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import { keyEncryptionFor, type KeyRing } from './keyring.js'
import { describeKey, ensureActiveKey, rotateKey, type KeyInfo } from './key-store.js'
import { isKeyPinned, loadPinnedKey } from './keys.js'

/** What operators do with signing keys, from the CLI (`tessera keys ...`) or `/admin/keys`. */
export interface SigningKeys {
  /** Every key in the database, oldest first, or the pinned key alone. */
  list(): Promise<KeyInfo[]>
  /** Creates the first key when there is none; `created` false when one was already active. */
  generate(): Promise<{ created: boolean; key: KeyInfo }>
  /** Adds a new active key and retires the previous one. */
  rotate(): Promise<KeyInfo>
}

/** Says how to leave a pinned key, for the refusals of generate and rotate. */
function pinnedRefusal(config: Config): AppError {
  const variable = config.jwtAlgorithm === 'HS256' ? 'JWT_SECRET' : 'JWT_PRIVATE_KEY_FILE'
  return new AppError(
    'forbidden',
    `The signing key is pinned by ${variable}; keys cannot be rotated. To keep keys in the database instead, unset ${variable} and restart: a key is generated, and tokens signed with the pinned key stop verifying (clients refresh).`,
  )
}

export function createSigningKeys(options: { config: Config; storage: Storage; now: () => number; keys?: KeyRing }): SigningKeys {
  const { config, storage, now, keys } = options

  async function list(): Promise<KeyInfo[]> {
    if (isKeyPinned(config)) {
      const key = (await loadPinnedKey(config))!
      return [{ kid: key.kid, algorithm: key.algorithm, state: 'active', createdAt: null, retiredAt: null, verifiesUntil: null, publicJwk: key.jwk ?? null }]
    }
    const at = now()
    return (await storage.signingKeys.list()).map((record) => describeKey(config, record, at))
  }

  return {
    list,

    async generate() {
      if (isKeyPinned(config)) throw pinnedRefusal(config)
      const before = (await list()).find((key) => key.state === 'active')
      if (before !== undefined) return { created: false, key: before }
      await ensureActiveKey(config, storage, await keyEncryptionFor(config), now)
      await keys?.reload()
      return { created: true, key: (await list()).find((key) => key.state === 'active')! }
    },

    async rotate() {
      if (isKeyPinned(config)) throw pinnedRefusal(config)
      const record = await rotateKey(config, storage, await keyEncryptionFor(config), now)
      // This instance signs with the new key at once; the others learn of it from their poll.
      await keys?.reload()
      return describeKey(config, record, now())
    },
  }
}
