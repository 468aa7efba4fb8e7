import type { Config } from '../../config.js'
import type { Storage } from '../../storage/index.js'
import { createKeyEncryption, type KeyEncryption } from './key-encryption.js'
import { ensureActiveKey, importStoredKey, verifiesUntil } from './key-store.js'
import { jwksDocument, loadPinnedKey, type JwksDocument, type LoadedKey } from './keys.js'

/** A key that may verify tokens, with the instant (epoch ms) it stops doing so. */
export interface VerifyingKey {
  key: LoadedKey
  verifiesUntil: number
}

/**
 * Every key that signs or verifies access tokens, kept in memory. Lookups are
 * synchronous and never touch the database, so the hot path stays as fast as
 * with one key; the ring reloads from the database when the keys' version
 * changes (polled every second) and when a token names a kid it does not know.
 */
export interface KeyRing {
  /** True when the environment pins the key (JWT_SECRET, JWT_PRIVATE_KEY_FILE): nothing to reload or rotate. */
  readonly pinned: boolean
  /** The key new tokens are signed with. */
  active(): LoadedKey
  /** The key named by `kid` (undefined: the legacy key for kid-less tokens) while it still verifies. */
  find(kid: string | undefined): VerifyingKey | undefined
  /** As find, after reloading the ring first if it was not reloaded in the last second. */
  findAfterReload(kid: string): Promise<VerifyingKey | undefined>
  /** The public keys of every asymmetric key still verifying. */
  jwks(): JwksDocument
  /** Reads the database again now (after a rotation made by this process). */
  reload(): Promise<void>
  stop(): void
}

/** How often instances look for key changes made elsewhere, and the least time between reloads forced by unknown kids. */
export const KEY_POLL_INTERVAL_MS = 1000

export interface KeyRingOptions {
  config: Config
  storage: Storage
  now: () => number
  onError: (error: unknown) => void
}

/** `KEY_ENCRYPTION_SECRET` as a KeyEncryption, or undefined when it is not set. */
export function keyEncryptionFor(config: Config): Promise<KeyEncryption | undefined> {
  return config.keyEncryptionSecret === undefined ? Promise.resolve(undefined) : createKeyEncryption(config.keyEncryptionSecret)
}

/**
 * The key ring `config` asks for: the pinned key alone, or the database's keys
 * (made on the first start, rotated when JWT_ALGORITHM changed).
 *
 * @throws ConfigError naming KEY_ENCRYPTION_SECRET when stored keys cannot be decrypted.
 */
export async function createKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const pinned = await loadPinnedKey(options.config)
  if (pinned !== undefined) return createPinnedKeyRing(pinned)
  const encryption = await keyEncryptionFor(options.config)
  await ensureActiveKey(options.config, options.storage, encryption, options.now)
  return databaseRing(options, encryption)
}

/** A ring of one key pinned by the environment: nothing to reload, nothing to rotate. */
export function createPinnedKeyRing(key: LoadedKey): KeyRing {
  const entry: VerifyingKey = { key, verifiesUntil: Number.POSITIVE_INFINITY }
  const find = (kid: string | undefined) => (kid === key.kid || (kid === undefined && key.legacy) ? entry : undefined)
  return {
    pinned: true,
    active: () => key,
    find,
    findAfterReload: async (kid) => find(kid),
    jwks: () => jwksDocument([key]),
    reload: async () => {},
    stop: () => {},
  }
}

async function databaseRing({ config, storage, now, onError }: KeyRingOptions, encryption: KeyEncryption | undefined): Promise<KeyRing> {
  let version = ''
  let entries = new Map<string, VerifyingKey>()
  let active: LoadedKey | undefined
  let legacy: VerifyingKey | undefined
  /** Imported keys by kid, so a reload imports only keys it has not seen (imports cost a little CPU each). */
  let imported = new Map<string, LoadedKey>()
  let lastLoad = 0
  let loading: Promise<void> | undefined

  async function load(): Promise<void> {
    const nextVersion = await storage.signingKeys.version()
    const records = await storage.signingKeys.list()
    const nextEntries = new Map<string, VerifyingKey>()
    const nextImported = new Map<string, LoadedKey>()
    let nextActive: LoadedKey | undefined
    let nextLegacy: VerifyingKey | undefined
    for (const record of records) {
      const until = verifiesUntil(config, record.retiredAt)
      if (until <= now()) continue
      const key = imported.get(record.kid) ?? (await importStoredKey(record, encryption))
      nextImported.set(record.kid, key)
      const entry = { key, verifiesUntil: until }
      nextEntries.set(record.kid, entry)
      if (record.retiredAt === null) nextActive = key
      if (key.legacy) nextLegacy = entry
    }
    if (nextActive === undefined) throw new Error('no active signing key in the database')
    ;[version, entries, imported, active, legacy] = [nextVersion, nextEntries, nextImported, nextActive, nextLegacy]
  }

  /** One reload at a time; callers arriving meanwhile share it. */
  function reload(): Promise<void> {
    lastLoad = now()
    loading ??= load().finally(() => (loading = undefined))
    return loading
  }

  const alive = (entry: VerifyingKey | undefined) => (entry !== undefined && entry.verifiesUntil > now() ? entry : undefined)
  const find = (kid: string | undefined) => alive(kid === undefined ? legacy : entries.get(kid))

  await reload()
  const poll = setInterval(() => {
    storage.signingKeys.version().then((current) => (current === version ? undefined : reload())).catch(onError)
  }, KEY_POLL_INTERVAL_MS)
  poll.unref()

  return {
    pinned: false,
    active: () => active!,
    find,
    async findAfterReload(kid) {
      // At most one reload a second, so tokens with made-up kids cannot hammer the database.
      if (now() - lastLoad >= KEY_POLL_INTERVAL_MS) await reload().catch(onError)
      else if (loading) await loading.catch(() => {})
      return find(kid)
    },
    jwks: () => jwksDocument([...entries.values()].filter((entry) => alive(entry)).map((entry) => entry.key)),
    reload,
    stop: () => clearInterval(poll),
  }
}
