// A single-page app on Tessera's client (tessera-auth/client), served by examples/protected-api at /app/.
//
// Everything about tokens is the client's job: sign-in, the refresh before expiry, one refresh
// and one retry after token_expired, one refresh at a time across every open tab, and signing
// every tab out when one logs out. This page only draws what the client tells it.
//
// Two modes, picked by the address:
//   /app/               cookie mode (server AUTH_COOKIES=on): no token in JavaScript at all;
//   /app/?mode=tokens   tokens mode: the access token in memory, the refresh token in
//                       localStorage so the tabs share it (the XSS trade-off: docs/client.md).
// `&auto_refresh=off` turns off the refresh before expiry (a refresh then happens only when a
// call needs one), which makes "one refresh per expiry" visible; the browser test uses it.

import { createTesseraClient, localStorageStorage, TesseraError } from '/app/client/index.js'
import { mountEmailPages } from '/app/email-pages.js'
import { mountMfaPages } from '/app/mfa-pages.js'
import { mountPasskeyPages } from '/app/passkey-pages.js'

const params = new URLSearchParams(location.search)
const mode = params.get('mode') === 'tokens' ? 'tokens' : 'cookies'
const tessera = createTesseraClient({
  mode,
  storage: mode === 'tokens' ? localStorageStorage() : undefined,
  autoRefresh: params.get('auto_refresh') !== 'off',
})

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

const SIGNED_OUT_MESSAGES = {
  logout: 'Logged out.',
  elsewhere: 'Signed out elsewhere (another tab, another device, or the session was ended). Please log in again.',
  expired: 'Your session has ended. Please log in again.',
  account_deleted: 'Account deleted.',
}

// ---- views -----------------------------------------------------------------------------------

function status(text, isError = false) {
  $('status').textContent = text
  $('status').classList.toggle('error', isError)
}

function showError(error) {
  status(error instanceof TesseraError ? `${error.code}: ${error.detail}` : String(error), true)
}

function showUser(user) {
  $('user-email').textContent = user.email ?? user.username ?? ''
  $('user-id').textContent = user.id
  $('user-last-login').textContent = user.last_login_at ?? 'never'
}

function showExpiry() {
  $('next-refresh').textContent = tessera.expiresAt ? `before ${new Date(tessera.expiresAt).toLocaleTimeString()}` : 'not planned'
}

function showSignedIn(user) {
  showUser(user)
  showExpiry()
  $('signed-out').hidden = true
  $('signed-in').hidden = false
  const seconds = Math.round((tessera.expiresAt - Date.now()) / 1000)
  status(`Signed in. The access token lasts ${seconds} s and renews by itself.`)
}

function showSignedOut(message) {
  $('signed-in').hidden = true
  $('signed-out').hidden = false
  $('sessions').replaceChildren()
  $('next-refresh').textContent = 'not planned'
  status(message)
}

// Two-step verification (mfa-pages.js): settings when signed in, the code step of a login.
const mfa = mountMfaPages(tessera, { status, showError, signedIn: $('signed-in'), signedOut: $('signed-out') })

let refreshCount = 0
tessera.on('signed-in', ({ user }) => showSignedIn(user))
tessera.on('refreshed', ({ user }) => {
  refreshCount++
  $('refresh-count').textContent = String(refreshCount)
  showUser(user)
  showExpiry()
})
tessera.on('signed-out', ({ reason }) => showSignedOut(SIGNED_OUT_MESSAGES[reason] ?? 'Signed out.'))

// ---- sessions --------------------------------------------------------------------------------

async function listSessions() {
  const sessions = await tessera.listSessions()
  const rows = sessions.map((session) => {
    const row = document.createElement('tr')
    row.dataset.sessionId = session.id
    for (const [text, className] of [
      [new Date(session.created_at).toLocaleString(), ''],
      [new Date(session.last_used_at).toLocaleString(), ''],
      [session.user_agent ?? 'unknown', 'device'],
    ]) {
      const cell = document.createElement('td')
      cell.textContent = text // textContent, never innerHTML: user agents are text any client chose
      if (className) cell.className = className
      row.append(cell)
    }
    const action = document.createElement('td')
    if (session.current) action.textContent = 'this one'
    else {
      const end = document.createElement('button')
      end.type = 'button'
      end.className = 'end-session'
      end.textContent = 'End'
      end.addEventListener('click', () => endSession(session.id).catch(showError))
      action.append(end)
    }
    row.append(action)
    return row
  })
  $('sessions').replaceChildren(...rows)
  status(`${sessions.length} live session${sessions.length === 1 ? '' : 's'}.`)
}

async function endSession(id) {
  await tessera.revokeSession(id)
  await listSessions()
  status('Session ended.')
}

// ---- the app's own API -----------------------------------------------------------------------

/** 50 calls to this app's GET /secret at once: however many meet an expired token, one refresh serves them all. */
async function burst() {
  const result = $('burst-result')
  result.dataset.done = 'false'
  result.textContent = 'calling…'
  const statuses = await Promise.all(Array.from({ length: 50 }, () => tessera.fetch('/secret').then((response) => response.status, () => 0)))
  const tally = new Map()
  for (const code of statuses) tally.set(code, (tally.get(code) ?? 0) + 1)
  result.textContent = [...tally].sort().map(([code, count]) => `${count} × ${code}`).join(', ')
  result.dataset.done = 'true'
}

// ---- actions ---------------------------------------------------------------------------------

function credentials() {
  return { email: /** @type {HTMLInputElement} */ ($('email')).value, password: /** @type {HTMLInputElement} */ ($('password')).value }
}

$('auth-form').addEventListener('submit', (event) => {
  event.preventDefault()
  tessera.login(credentials()).catch((error) => mfa.onLoginError(error) || showError(error))
})

$('signup').addEventListener('click', () => {
  const form = /** @type {HTMLFormElement} */ ($('auth-form'))
  if (!form.reportValidity()) return
  tessera.register(credentials()).catch(showError)
})

$('reload-user').addEventListener('click', () => {
  tessera.me().then((user) => {
    showUser(user)
    status('Profile reloaded.')
  }, showError)
})

$('load-sessions').addEventListener('click', () => listSessions().catch(showError))
$('burst').addEventListener('click', () => burst().catch(showError))
// Logout works even once the access token has expired; the client signs out every tab.
$('logout').addEventListener('click', () => tessera.logout().catch(showError))

$('mode').textContent = mode === 'cookies' ? 'cookie mode: the tokens are httpOnly cookies this page cannot read' : 'tokens mode: the refresh token is in localStorage'

// On load: a session that outlived the page (the cookies, or the stored refresh token) is picked up with one refresh.
tessera
  .restore()
  .then(
    (user) => {
      if (user === null) showSignedOut('Not signed in.')
    },
    (error) => {
      showSignedOut('Not signed in.')
      showError(error)
    },
  )
  // Forgot password, and the pages of the links in the mails (email-pages.js).
  .then(() => mountEmailPages(tessera, { status, showError, signedOut: $('signed-out') }))
  // Passkeys: sign in with one, add, rename, remove (passkey-pages.js).
  .then(() => mountPasskeyPages(tessera, { status, showError, signedOut: $('signed-out'), signedIn: $('signed-in') }))
