// The client's sign-in state: the access token in memory, the refresh token in the chosen storage,
// the refresh before expiry, and the single-flight refresh.
//
// Single flight, in three layers:
// 1. in this client: one refresh promise at a time, and a refresh only when no new tokens have
//    arrived since the caller's request was sent (the epoch check), so 50 calls that all meet
//    `token_expired` cause one refresh;
// 2. across tabs: the refresh runs holding a Web Lock named for the API, so tabs take turns;
// 3. a tab that had to wait for the lock first looks whether the tab before it already rotated
//    (its BroadcastChannel message, posted before that tab released the lock), and uses those
//    tokens instead of presenting a refresh token that has just been used.
import { TesseraError } from './errors.js'
import type { Emitter, SignOutReason, TokenSource } from './events.js'
import { createRefreshLock, type RefreshLock } from './refresh-lock.js'
import type { RefreshTokenStorage } from './storage.js'
import { openTabChannel, type TabChannel, type TabMessage } from './tab-channel.js'
import { call, type Transport } from './transport.js'
import type { TokenResponse, User } from './types.js'

/** Refresh answers after which that refresh token can never work again, and what they mean for the user. */
const SESSION_ENDED: Readonly<Record<string, SignOutReason>> = {
  token_revoked: 'elsewhere',
  refresh_token_reused: 'elsewhere',
  token_expired: 'expired',
  token_invalid: 'expired',
  wrong_token_type: 'expired',
  // cookie mode: the browser holds no refresh cookie any more
  authorization_required: 'expired',
}

/**
 * How long a tab that waited for the lock waits for the previous holder's tokens to arrive.
 * The holder posts them before it lets go, but a message and a lock grant travel separately;
 * should the message be later still, this tab refreshes itself (inside the server's reuse grace).
 */
const SHARED_TOKENS_WAIT_MS = 2_000

/** How long the lock is kept after the new tokens were posted to the other tabs (see `refresh`). */
const BROADCAST_SETTLE_MS = 250

/** When to refresh ahead of expiry: a fifth of the lifetime early, between 1 s and 1 min. */
export function refreshLeadMs(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(1_000, lifetimeMs * 0.2))
}

export interface SessionKeeperOptions {
  transport: Transport
  storage: RefreshTokenStorage
  emitter: Emitter
  autoRefresh: boolean
  /** Name shared by the tabs that share one sign-in; undefined: this client shares with nobody. */
  shareName: string | undefined
  /** The clock, in epoch milliseconds (injected by tests; a device's clock may be off too). */
  now: () => number
}

export class SessionKeeper {
  readonly #transport: Transport
  readonly #storage: RefreshTokenStorage
  readonly #emitter: Emitter
  readonly #autoRefresh: boolean
  readonly #now: () => number
  readonly #lock: RefreshLock
  readonly #channel: TabChannel | undefined
  #accessToken: string | undefined
  #expiresAt = 0
  #user: User | null = null
  /** Bumped whenever the tokens change (new tokens, or signed out), here or from another tab. */
  #epoch = 0
  #inflight: Promise<void> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #waiters = new Set<() => void>()
  /** Refresh requests this client sent: for tests and diagnostics. */
  refreshCount = 0

  constructor(options: SessionKeeperOptions) {
    this.#transport = options.transport
    this.#storage = options.storage
    this.#emitter = options.emitter
    this.#autoRefresh = options.autoRefresh
    this.#now = options.now
    const shared = options.shareName
    this.#lock = createRefreshLock(shared === undefined ? `tessera:${Math.random()}` : `${shared}:refresh`, { useWebLocks: shared !== undefined })
    this.#channel = shared === undefined ? undefined : openTabChannel(`${shared}:tabs`, (message) => void this.#receive(message))
  }

  get user(): User | null {
    return this.#user
  }

  get signedIn(): boolean {
    return this.#user !== null
  }

  get epoch(): number {
    return this.#epoch
  }

  /** Epoch milliseconds at which the access token expires (0 when signed out). */
  get expiresAt(): number {
    return this.#expiresAt
  }

  /** The access token as it is now, possibly expired (tokens mode). */
  get accessToken(): string | undefined {
    return this.#accessToken
  }

  /** An access token that has not expired yet, refreshing first when needed; undefined when signed out. */
  async validAccessToken(): Promise<string | undefined> {
    if (!this.signedIn) return undefined
    if (this.#now() >= this.#expiresAt) await this.refresh(this.#epoch)
    return this.#accessToken
  }

  /** A token answer of register, login or an MFA/passkey step: signed in here and in the other tabs. */
  async signIn(answer: TokenResponse): Promise<User> {
    await this.#adopt(answer.access_token, answer.refresh_token, this.#now() + answer.expires_in * 1000, answer.user)
    this.#post(answer.refresh_token, true)
    this.#announce('signed-in', 'this-client')
    return answer.user
  }

  /**
   * Refreshes, unless new tokens arrived since `seenEpoch` (the epoch when the caller's failed
   * request was sent). Resolves once this client holds tokens newer than that.
   */
  refresh(seenEpoch = this.#epoch): Promise<void> {
    if (this.#epoch > seenEpoch) return this.signedIn ? Promise.resolve() : Promise.reject(notSignedIn())
    this.#inflight ??= new Promise<void>((resolve, reject) => {
      this.#lock
        .run(async (contended) => {
          try {
            await this.#refreshHoldingLock(seenEpoch, contended)
            resolve() // this tab's callers go on now; the lock is kept a moment longer for the others
          } catch (error) {
            reject(error)
            return
          }
          // A tab that asks for the lock right after we let it go would find it free and, if our
          // message had not reached it yet, refresh a second time. Holding the lock until the
          // message has surely arrived makes it wait, and then find our tokens.
          if (this.#channel !== undefined) await new Promise((settled) => setTimeout(settled, BROADCAST_SETTLE_MS))
        })
        .catch(reject)
    }).finally(() => (this.#inflight = undefined))
    return this.#inflight
  }

  async #refreshHoldingLock(seenEpoch: number, contended: boolean): Promise<void> {
    // Another tab held the lock: it has most likely just rotated our shared refresh token.
    if (this.#epoch === seenEpoch && contended && this.#channel !== undefined) await this.#newsAfter(seenEpoch, SHARED_TOKENS_WAIT_MS)
    if (this.#epoch > seenEpoch) {
      if (!this.signedIn) throw notSignedIn()
      return
    }
    const cookies = this.#transport.mode === 'cookies'
    const refreshToken = cookies ? undefined : await this.#storage.get()
    if (!cookies && !refreshToken) {
      await this.end('expired', undefined, false)
      throw notSignedIn()
    }
    let answer: TokenResponse
    this.refreshCount++
    try {
      answer = await call<TokenResponse>(this.#transport, '/auth/refresh', { method: 'POST', body: cookies ? {} : { refresh_token: refreshToken } })
    } catch (error) {
      const reason = error instanceof TesseraError ? SESSION_ENDED[error.code] : undefined
      if (reason !== undefined) await this.end(reason, (error as TesseraError).code, true)
      throw error
    }
    const wasSignedIn = this.signedIn
    // Stored and posted before the lock is released, so the next holder finds them.
    await this.#adopt(answer.access_token, answer.refresh_token, this.#now() + answer.expires_in * 1000, answer.user)
    this.#post(answer.refresh_token, false)
    this.#announce(wasSignedIn ? 'refreshed' : 'signed-in', 'this-client')
  }

  /** Signed out here; with `broadcast`, in the other tabs too. */
  async end(reason: SignOutReason, code: string | undefined, broadcast: boolean): Promise<void> {
    const wasSignedIn = this.signedIn
    clearTimeout(this.#timer)
    this.#accessToken = undefined
    this.#expiresAt = 0
    this.#user = null
    this.#epoch++
    this.#wake()
    if (this.#transport.mode === 'tokens') await this.#storage.clear()
    if (broadcast) this.#channel?.post({ type: 'signed-out', code })
    if (wasSignedIn) this.#emitter.emit('signed-out', code === undefined ? { reason } : { reason, code })
  }

  /** Replaces the cached user (after GET or PATCH /auth/me). */
  setUser(user: User): void {
    if (this.signedIn) this.#user = user
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#channel?.close()
  }

  async #adopt(accessToken: string | undefined, refreshToken: string | undefined, expiresAt: number, user: User): Promise<void> {
    // In cookie mode the answer's tokens are dropped unread: the browser holds them as HttpOnly cookies.
    if (this.#transport.mode === 'tokens') {
      this.#accessToken = accessToken
      if (refreshToken !== undefined) await this.#storage.set(refreshToken)
    }
    this.#expiresAt = expiresAt
    this.#user = user
    this.#epoch++
    this.#wake()
    this.#schedule()
  }

  /** Posted synchronously, while the caller still holds the lock. Cookie mode shares no token: there is none in JavaScript. */
  #post(refreshToken: string, signedIn: boolean): void {
    if (this.#channel === undefined || this.#user === null) return
    const tokens = this.#transport.mode === 'tokens'
    this.#channel.post({
      type: 'tokens',
      access_token: tokens ? this.#accessToken : undefined,
      refresh_token: tokens ? refreshToken : undefined,
      expires_at: this.#expiresAt,
      user: this.#user,
      signed_in: signedIn,
    })
  }

  async #receive(message: TabMessage): Promise<void> {
    if (message.type === 'signed-out') {
      if (this.signedIn) await this.end('elsewhere', message.code, false)
      return
    }
    // Messages from different tabs may cross: never step back to older tokens than we hold.
    if (message.expires_at < this.#expiresAt) return
    const wasSignedIn = this.signedIn
    await this.#adopt(message.access_token, message.refresh_token, message.expires_at, message.user)
    this.#announce(wasSignedIn && !message.signed_in ? 'refreshed' : 'signed-in', 'other-tab')
  }

  #announce(kind: 'signed-in' | 'refreshed', source: TokenSource): void {
    const user = this.#user!
    if (kind === 'signed-in') this.#emitter.emit('signed-in', { user, source })
    else this.#emitter.emit('refreshed', { user, source, expiresAt: this.#expiresAt })
  }

  /** Resolves when the epoch passes `seenEpoch`, or after `ms`. */
  #newsAfter(seenEpoch: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve()
      }
      const check = () => {
        if (this.#epoch > seenEpoch) done()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(check)
    })
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    if (!this.#autoRefresh || this.#user === null) return
    const lifetime = this.#expiresAt - this.#now()
    const delay = Math.max(0, lifetime - refreshLeadMs(lifetime))
    const epoch = this.#epoch
    // A failed background refresh is not an error anyone can handle here: a sign-out is
    // announced by `end`, and anything else (offline) is retried by the next call that needs a token.
    this.#timer = setTimeout(() => this.refresh(epoch).catch(() => undefined), delay)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }
}

function notSignedIn(): TesseraError {
  return new TesseraError('authorization_required', 401, 'Not signed in')
}
