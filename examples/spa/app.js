// A single-page app on Tessera's cookie mode (AUTH_COOKIES=on), same-origin with the API.
//
// The access and refresh tokens are httpOnly cookies: this script never sees them, never stores
// them (no localStorage, no sessionStorage), and ignores them in token answers. It reads exactly
// one cookie, the CSRF token, and echoes it as X-CSRF-Token on every POST, PATCH, PUT and DELETE.
// The access token is renewed silently shortly before it expires (scheduled from `expires_in`);
// a request that still meets an expired access token refreshes once and is retried.

const CSRF_COOKIES = ['__Host-tessera_csrf', 'tessera_csrf'] // over HTTPS, over http://localhost
const SAFE_METHODS = new Set(['GET', 'HEAD'])
/** Codes after which one refresh may help: the access cookie expired, or the browser already dropped it. */
const REFRESHABLE = new Set(['token_expired', 'authorization_required'])

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

/** A problem+json answer (docs/errors.md): branch on `code`, show `detail`. */
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`)
    this.status = status
    this.code = problem?.code ?? 'unknown'
  }
}

function csrfToken() {
  for (const pair of document.cookie.split(';')) {
    const [name, ...value] = pair.trim().split('=')
    if (CSRF_COOKIES.includes(name)) return decodeURIComponent(value.join('='))
  }
  return undefined
}

/** One request to the API, cookies included (same origin); the CSRF header on state changes. */
async function call(path, { method = 'GET', body } = {}) {
  const headers = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  const csrf = SAFE_METHODS.has(method) ? undefined : csrfToken()
  if (csrf) headers['x-csrf-token'] = csrf
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  const text = await response.text()
  const data = text ? JSON.parse(text) : null
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

/** An authenticated request: when the access cookie has expired, refresh once and retry. */
async function authed(path, options) {
  try {
    return await call(path, options)
  } catch (error) {
    if (!(error instanceof ApiError) || !REFRESHABLE.has(error.code)) throw error
    await refresh()
    return call(path, options)
  }
}

// ---- silent refresh -------------------------------------------------------------------------

let refreshTimer
let refreshing
let refreshCount = 0

/** One refresh at a time, however many requests ask for it (a rotated refresh token must not be replayed). */
function refresh() {
  refreshing ??= call('/auth/refresh', { method: 'POST' })
    .then((answer) => {
      refreshCount++
      $('refresh-count').textContent = String(refreshCount)
      signedIn(answer)
    })
    .catch((error) => {
      signedOut(`Your session has ended (${error.code}). Please log in again.`)
      throw error
    })
    .finally(() => {
      refreshing = undefined
    })
  return refreshing
}

/** Renew a little before expiry: a fifth of the lifetime early, between 1 s and a minute. */
function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer)
  const lead = Math.min(60, Math.max(1, expiresIn * 0.2))
  const delay = Math.max(0.5, expiresIn - lead)
  refreshTimer = setTimeout(() => refresh().catch(() => {}), delay * 1000)
  $('next-refresh').textContent = `at ${new Date(Date.now() + delay * 1000).toLocaleTimeString()}`
}

// ---- views -----------------------------------------------------------------------------------

function status(text, isError = false) {
  $('status').textContent = text
  $('status').classList.toggle('error', isError)
}

function showUser(user) {
  $('user-email').textContent = user.email
  $('user-id').textContent = user.id
  $('user-last-login').textContent = user.last_login_at ?? 'never'
}

/** A token answer (register, login, refresh). Its access_token and refresh_token are left alone: the cookies carry them. */
function signedIn(answer) {
  showUser(answer.user)
  scheduleRefresh(answer.expires_in)
  $('signed-out').hidden = true
  $('signed-in').hidden = false
  status(`Signed in. The access token lasts ${answer.expires_in} s and renews by itself.`)
}

function signedOut(message) {
  clearTimeout(refreshTimer)
  $('signed-in').hidden = true
  $('signed-out').hidden = false
  $('sessions').replaceChildren()
  $('next-refresh').textContent = 'not planned'
  status(message)
}

function showError(error) {
  status(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error), true)
}

async function listSessions() {
  const { data } = await authed('/auth/sessions')
  const rows = data.map((session) => {
    const row = document.createElement('tr')
    row.dataset.sessionId = session.id
    for (const [text, className] of [
      [new Date(session.created_at).toLocaleString(), ''],
      [new Date(session.last_used_at).toLocaleString(), ''],
      [session.user_agent ?? 'unknown', 'device'],
    ]) {
      const cell = document.createElement('td')
      cell.textContent = text // textContent, never innerHTML: user agents are attacker-controlled text
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
  status(`${data.length} live session${data.length === 1 ? '' : 's'}.`)
}

async function endSession(id) {
  await authed(`/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })
  await listSessions()
  status('Session ended.')
}

// ---- actions ---------------------------------------------------------------------------------

function credentials() {
  return { email: /** @type {HTMLInputElement} */ ($('email')).value, password: /** @type {HTMLInputElement} */ ($('password')).value }
}

$('auth-form').addEventListener('submit', (event) => {
  event.preventDefault()
  call('/auth/login', { method: 'POST', body: credentials() }).then(signedIn, showError)
})

$('signup').addEventListener('click', () => {
  const form = /** @type {HTMLFormElement} */ ($('auth-form'))
  if (!form.reportValidity()) return
  call('/auth/register', { method: 'POST', body: credentials() }).then(signedIn, showError)
})

$('reload-user').addEventListener('click', () => {
  authed('/auth/me').then((user) => {
    showUser(user)
    status('Profile reloaded.')
  }, showError)
})

$('load-sessions').addEventListener('click', () => listSessions().catch(showError))

$('logout').addEventListener('click', () => {
  // Logout works with the refresh cookie even once the access cookie has expired; either way the server expires the cookies.
  call('/auth/logout', { method: 'POST' }).then(
    () => signedOut('Logged out.'),
    (error) => signedOut(`Logged out (${error.code}).`),
  )
})

// On load: a CSRF cookie means a session may still be alive; one refresh tells, and plans the next.
if (csrfToken()) refresh().catch(() => {})
else signedOut('Not signed in.')
