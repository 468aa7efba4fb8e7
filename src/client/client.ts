import { readCsrfCookie } from './csrf.js'
import { TesseraError } from './errors.js'
import { Emitter, type ClientEventName, type ClientEvents } from './events.js'
import { isRefreshable, problemCode } from './retry.js'
import { SessionKeeper } from './session-keeper.js'
import { memoryStorage, type RefreshTokenStorage } from './storage.js'
import { authInit, call, type CallOptions, type ClientMode, type Transport } from './transport.js'
import type { LoginInput, MfaChallengeInput, Passkey, PasswordChange, ProfileChanges, RegisterInput, Session, TokenResponse, TotpEnrolment, User } from './types.js'

export interface TesseraClientOptions {
  /**
   * Where Tessera answers, e.g. `https://auth.example.com` (no trailing slash).
   * In a browser it defaults to the page's own origin; in Node it is required.
   */
  baseUrl?: string
  /** `tokens` (default): Bearer tokens held by the client. `cookies`: the server's AUTH_COOKIES=on mode, browsers only. */
  mode?: ClientMode
  /** Where the refresh token is kept in tokens mode (default `memoryStorage()`); unused in cookie mode. */
  storage?: RefreshTokenStorage
  /** Refresh shortly before the access token expires (default true). Off, a refresh happens only when a call needs one. */
  autoRefresh?: boolean
  /**
   * Share one sign-in among the tabs of this origin: a Web Lock around every refresh and a
   * BroadcastChannel for new tokens and logouts. Default: on in browsers, off in Node. A string
   * names the group (default `tessera:<baseUrl>`), for two clients of different APIs on one origin.
   */
  shareAcrossTabs?: boolean | string
  /**
   * Origins besides Tessera's own (and, in a browser, the page's) to which `client.fetch` may send
   * the access token. Any other origin is refused with a TypeError, so a token never leaks to a third party.
   */
  apiOrigins?: string[]
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch
  /** The clock in epoch milliseconds (default `Date.now`); tests inject a skewed one. */
  now?: () => number
}

type PlatformLocation = { location?: { origin?: string; href?: string } }

function pageLocation(): { origin?: string; href?: string } | undefined {
  return (globalThis as PlatformLocation).location
}

/**
 * A Tessera client. Create it once per app with `createTesseraClient()`.
 * Every method throws a `TesseraError` on failure.
 */
export class TesseraClient {
  readonly #transport: Transport
  readonly #emitter = new Emitter()
  readonly #keeper: SessionKeeper
  readonly #storage: RefreshTokenStorage
  readonly #tokenOrigins: Set<string>

  constructor(options: TesseraClientOptions = {}) {
    const baseUrl = (options.baseUrl ?? pageLocation()?.origin ?? '').replace(/\/+$/, '')
    if (baseUrl === '') throw new TypeError('createTesseraClient(): baseUrl is required outside a browser')
    const base = new URL(baseUrl) // a TypeError now for a malformed URL, not at the first request
    const mode = options.mode ?? 'tokens'
    if (mode !== 'tokens' && mode !== 'cookies') throw new TypeError(`createTesseraClient(): mode must be 'tokens' or 'cookies', not ${String(mode)}`)
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#transport = { baseUrl, mode, fetch: fetchImpl }
    const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined'
    const share = options.shareAcrossTabs ?? inBrowser
    this.#storage = options.storage ?? memoryStorage()
    this.#keeper = new SessionKeeper({
      transport: this.#transport,
      storage: this.#storage,
      emitter: this.#emitter,
      autoRefresh: options.autoRefresh ?? true,
      now: options.now ?? Date.now,
      shareName: share === false ? undefined : typeof share === 'string' ? share : `tessera:${base.origin}${base.pathname}`,
    })
    this.#tokenOrigins = new Set([base.origin, ...(options.apiOrigins ?? []).map((origin) => new URL(origin).origin)])
    const page = pageLocation()?.origin
    if (page !== undefined && page !== 'null') this.#tokenOrigins.add(page)
  }

  /** The signed-in user as last seen, or null. */
  get user(): User | null {
    return this.#keeper.user
  }

  get signedIn(): boolean {
    return this.#keeper.signedIn
  }

  /** Epoch milliseconds at which the current access token expires; 0 when signed out. */
  get expiresAt(): number {
    return this.#keeper.expiresAt
  }

  /** How many refresh requests this client has sent (diagnostics; the tests count with it). */
  get refreshCount(): number {
    return this.#keeper.refreshCount
  }

  /** Listens for `signed-in`, `refreshed` or `signed-out`; returns the function that stops listening. */
  on<K extends ClientEventName>(name: K, listener: (event: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(name, listener)
  }

  /**
   * Picks up a session that outlived the page: in tokens mode from the stored refresh token,
   * in cookie mode from the browser's cookies. One refresh; resolves with the user, or null.
   */
  async restore(): Promise<User | null> {
    if (this.signedIn) return this.user
    // No CSRF cookie, no session: it lives exactly as long as the refresh cookie. Saves a request per page load.
    if (this.#transport.mode === 'cookies' && readCsrfCookie() === undefined) return null
    try {
      await this.#keeper.refresh(this.#keeper.epoch)
      return this.user
    } catch (error) {
      if (error instanceof TesseraError && error.status === 401) return null
      throw error
    }
  }

  /** `POST /auth/register`: creates the account and signs in. */
  async register(input: RegisterInput): Promise<User> {
    return this.#keeper.signIn(await call<TokenResponse>(this.#transport, '/auth/register', { body: input }))
  }

  /**
   * `POST /auth/login` by email or username. An account with a second factor answers 401
   * `mfa_required`; the error's `problem.mfa_token` and `problem.methods` go to `completeMfaChallenge`.
   */
  async login(input: LoginInput): Promise<User> {
    return this.#keeper.signIn(await call<TokenResponse>(this.#transport, '/auth/login', { body: input }))
  }

  /** `POST /auth/mfa/challenge`: the second step of a login. Needs a server with second factors (API.md). */
  async completeMfaChallenge(input: MfaChallengeInput): Promise<User> {
    return this.#keeper.signIn(await call<TokenResponse>(this.#transport, '/auth/mfa/challenge', { body: input }))
  }

  /**
   * `POST /auth/passkeys/login` with the JSON of a WebAuthn assertion (`credential.toJSON()`),
   * from options of `passkeyLoginOptions()`. Needs a server with passkeys (API.md).
   */
  async signInWithPasskey(credential: unknown): Promise<User> {
    return this.#keeper.signIn(await call<TokenResponse>(this.#transport, '/auth/passkeys/login', { body: { credential } }))
  }

  /** `POST /auth/passkeys/login/options`: request options for `PublicKeyCredential.parseRequestOptionsFromJSON`. Needs a server with passkeys. */
  async passkeyLoginOptions(input: { mfa_token?: string } = {}): Promise<unknown> {
    return call<unknown>(this.#transport, '/auth/passkeys/login/options', { body: input })
  }

  /** Refreshes now (single-flight with every other caller and tab). Normally not needed: the client refreshes by itself. */
  async refresh(): Promise<User> {
    await this.#keeper.refresh(this.#keeper.epoch)
    return this.user!
  }

  /**
   * `POST /auth/logout`: ends this session (or, with `scope: 'all'`, every session of the user)
   * and signs out here and in the other tabs. Signed out locally even when the server says
   * the session had already ended.
   */
  async logout(options: { scope?: 'session' | 'all' } = {}): Promise<void> {
    const scope = options.scope ?? 'session'
    let failure: unknown
    try {
      if (this.#transport.mode === 'cookies') await call(this.#transport, '/auth/logout', { body: { scope } })
      else {
        // The refresh token works even after the access token has expired.
        const refreshToken = await this.#storedRefreshToken()
        if (refreshToken !== null) await call(this.#transport, '/auth/logout', { body: { scope, refresh_token: refreshToken } })
        else if (this.#keeper.accessToken !== undefined) await call(this.#transport, '/auth/logout', { body: { scope }, bearer: this.#keeper.accessToken })
      }
    } catch (error) {
      if (!(error instanceof TesseraError && error.status === 401)) failure = error
    }
    await this.#keeper.end('logout', undefined, true)
    if (failure !== undefined) throw failure
  }

  /** `GET /auth/me`. */
  async me(): Promise<User> {
    const user = await this.#authed<User>('/auth/me')
    this.#keeper.setUser(user)
    return user
  }

  /** `PATCH /auth/me`. */
  async updateProfile(changes: ProfileChanges): Promise<User> {
    const user = await this.#authed<User>('/auth/me', { method: 'PATCH', body: changes })
    this.#keeper.setUser(user)
    return user
  }

  /** `PUT /auth/password`: needs a fresh token (a password login, not a refresh); ends every other session. */
  async changePassword(input: PasswordChange): Promise<void> {
    await this.#authed('/auth/password', { method: 'PUT', body: input })
  }

  /** `DELETE /auth/me`: needs a fresh token; deletes the account and signs out everywhere. */
  async deleteAccount(): Promise<void> {
    await this.#authed('/auth/me', { method: 'DELETE' })
    await this.#keeper.end('account_deleted', undefined, true)
  }

  /** `GET /auth/sessions`: the user's live sessions, newest first; `current` marks this one. */
  async listSessions(): Promise<Session[]> {
    return (await this.#authed<{ data: Session[] }>('/auth/sessions')).data
  }

  /** `DELETE /auth/sessions/{id}`: ends one of the user's sessions. */
  async revokeSession(id: string): Promise<void> {
    await this.#authed(`/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** `POST /auth/mfa/totp` (fresh token): starts TOTP enrolment; show `qr_svg`, then `confirmTotp()` with a first code. */
  async startTotpEnrolment(): Promise<TotpEnrolment> {
    return this.#authed<TotpEnrolment>('/auth/mfa/totp', { method: 'POST', body: {} })
  }

  /** `POST /auth/mfa/totp/confirm`: turns TOTP on; resolves with the 10 recovery codes, shown to the user once. */
  async confirmTotp(code: string): Promise<string[]> {
    return (await this.#authed<{ recovery_codes: string[] }>('/auth/mfa/totp/confirm', { method: 'POST', body: { code } })).recovery_codes
  }

  /** `DELETE /auth/mfa/totp` (fresh token): turns TOTP off and voids the recovery codes. */
  async disableTotp(): Promise<void> {
    await this.#authed('/auth/mfa/totp', { method: 'DELETE' })
  }

  /** `POST /auth/mfa/recovery-codes` (fresh token): replaces every recovery code. */
  async replaceRecoveryCodes(): Promise<string[]> {
    return (await this.#authed<{ recovery_codes: string[] }>('/auth/mfa/recovery-codes', { method: 'POST', body: {} })).recovery_codes
  }

  /** `POST /auth/passkeys/register/options` (fresh token): creation options for `PublicKeyCredential.parseCreationOptionsFromJSON`. */
  async passkeyRegistrationOptions(): Promise<unknown> {
    return this.#authed<unknown>('/auth/passkeys/register/options', { method: 'POST', body: {} })
  }

  /** `POST /auth/passkeys` with `credential.toJSON()` of `navigator.credentials.create()`. */
  async addPasskey(credential: unknown, name?: string): Promise<Passkey> {
    return this.#authed<Passkey>('/auth/passkeys', { method: 'POST', body: name === undefined ? { credential } : { credential, name } })
  }

  /** `GET /auth/passkeys`. */
  async listPasskeys(): Promise<Passkey[]> {
    return (await this.#authed<{ data: Passkey[] }>('/auth/passkeys')).data
  }

  /** `PATCH /auth/passkeys/{id}`: a name the user recognises. */
  async renamePasskey(id: string, name: string): Promise<Passkey> {
    return this.#authed<Passkey>(`/auth/passkeys/${encodeURIComponent(id)}`, { method: 'PATCH', body: { name } })
  }

  /** `DELETE /auth/passkeys/{id}` (fresh token). */
  async deletePasskey(id: string): Promise<void> {
    await this.#authed(`/auth/passkeys/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** `POST /auth/email/verify/request`: mails a verification link. Needs a server with the email flows (API.md). */
  async requestEmailVerification(): Promise<void> {
    await this.#authed('/auth/email/verify/request', { method: 'POST', body: {} })
  }

  /** `POST /auth/email/verify` with the token from the link. Needs a server with the email flows. */
  async verifyEmail(token: string): Promise<User> {
    const user = await call<User>(this.#transport, '/auth/email/verify', { body: { token } })
    this.#keeper.setUser(user)
    return user
  }

  /** `POST /auth/password/forgot`: the same answer whether or not the account exists. Needs a server with the email flows. */
  async forgotPassword(email: string): Promise<void> {
    await call(this.#transport, '/auth/password/forgot', { body: { email } })
  }

  /** `POST /auth/password/reset` with the token from the link. Needs a server with the email flows. */
  async resetPassword(input: { token: string; new_password: string }): Promise<void> {
    await call(this.#transport, '/auth/password/reset', { body: input })
  }

  /**
   * `fetch` for your own API: adds the access token (tokens mode) or the cookies and CSRF
   * header (cookie mode); after a 401 `token_expired`, refreshes once and retries once.
   * Answers come back as they are, errors included, as from `fetch`. The body must be
   * replayable (a string, `FormData`, `Blob`, ... not a stream) for the retry.
   */
  async fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const href = input instanceof Request ? input.url : new URL(input, pageLocation()?.href ?? `${this.#transport.baseUrl}/`).href
    const original = new Request(input instanceof Request ? input : href, init)
    const origin = new URL(original.url).origin
    if (!this.#tokenOrigins.has(origin)) throw new TypeError(`TesseraClient.fetch(): ${origin} is not Tessera's origin nor in apiOrigins; the access token is not sent there`)
    const seen = this.#keeper.epoch
    const attempt = async (): Promise<Response> => {
      const headers = new Headers(original.headers)
      // In cookie mode too: a refresh before a request that would only meet an expired cookie.
      const token = await this.#keeper.validAccessToken().catch(() => undefined)
      const bearer = this.#transport.mode === 'tokens' ? token : undefined
      const credentials = authInit(this.#transport.mode, original.method, headers, bearer)
      return this.#transport.fetch(new Request(original.clone(), { headers, credentials }))
    }
    const response = await attempt()
    if (response.status !== 401 || !this.signedIn) return response
    const code = await problemCode(response.clone())
    if (code === undefined || !isRefreshable(code, this.#transport.mode)) return response
    try {
      await this.#keeper.refresh(seen)
    } catch {
      return response
    }
    return attempt()
  }

  /** Stops the refresh timer and leaves the tabs' channel; the sign-in state is kept. */
  close(): void {
    this.#keeper.close()
  }

  async #storedRefreshToken(): Promise<string | null> {
    return this.#storage.get()
  }

  /** A Tessera endpoint that needs the access token: one refresh and one retry after `token_expired`. */
  async #authed<T>(path: string, options: CallOptions = {}): Promise<T> {
    const seen = this.#keeper.epoch
    const send = async () => {
      const token = await this.#keeper.validAccessToken()
      return call<T>(this.#transport, path, { ...options, bearer: this.#transport.mode === 'tokens' ? token : undefined })
    }
    try {
      return await send()
    } catch (error) {
      if (!(error instanceof TesseraError) || !isRefreshable(error.code, this.#transport.mode) || !this.signedIn) throw error
      await this.#keeper.refresh(seen)
      return send()
    }
  }
}
