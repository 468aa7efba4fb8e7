/**
 * Where the refresh token is kept between page loads. The access token is never
 * stored: it lives in the client's memory only.
 *
 * Methods may be synchronous or return promises, so an app can plug in
 * IndexedDB, a native keychain or a file (Node).
 */
export interface RefreshTokenStorage {
  get(): string | null | Promise<string | null>
  set(token: string): void | Promise<void>
  clear(): void | Promise<void>
}

/**
 * The default: the refresh token lives as long as the page (or process). A reload signs the user
 * out unless another tab of the same origin is signed in and shares its tokens (see docs/client.md).
 *
 * @example
 * const tessera = createTesseraClient({ baseUrl, storage: memoryStorage() })
 */
export function memoryStorage(): RefreshTokenStorage {
  let token: string | null = null
  return {
    get: () => token,
    set: (value) => {
      token = value
    },
    clear: () => {
      token = null
    },
  }
}

/** The part of the Web Storage API this module uses. */
interface WebStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Keeps the refresh token in `localStorage`, so it survives reloads and is
 * shared by every tab of the origin. The trade-off: any script running on the
 * origin (an XSS bug, a compromised dependency) can read it and use it from
 * elsewhere for as long as it lives. Prefer cookie mode for browser apps that
 * can be served from the API's site; see docs/client.md.
 *
 * @example
 * const tessera = createTesseraClient({ baseUrl, storage: localStorageStorage() })
 */
export function localStorageStorage(key = 'tessera.refresh_token', storage?: WebStorage): RefreshTokenStorage {
  const store = storage ?? (globalThis as { localStorage?: WebStorage }).localStorage
  if (store === undefined) throw new TypeError('localStorageStorage(): there is no localStorage here; pass one, or use memoryStorage()')
  return {
    get: () => store.getItem(key),
    set: (value) => store.setItem(key, value),
    clear: () => store.removeItem(key),
  }
}
