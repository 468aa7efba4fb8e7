// The second-factor pages of the SPA example (issue 18): set up an authenticator app (TOTP) from
// a QR code, confirm it, keep the recovery codes, turn it off; and the second step of a login
// with a code or a recovery code. docs/mfa.md has the flow.
//
// Everything is built with DOM calls and textContent: the page's CSP allows no inline script or
// style. The QR code is the SVG the server made; it is parsed as SVG, checked to hold nothing
// but shapes, and adopted into the page (no innerHTML, no data: URL).

/**
 * @param {import('/app/client/index.js').TesseraClient} tessera
 * @param {{ status: (text: string, isError?: boolean) => void, showError: (error: unknown) => void, signedIn: HTMLElement, signedOut: HTMLElement }} view
 * @returns {{ onLoginError(error: unknown): boolean }} `onLoginError` shows the code form for `mfa_required` (true), or leaves the error to the caller (false)
 */
export function mountMfaPages(tessera, view) {
  const challenge = challengeSection(tessera, view)
  view.signedOut.prepend(challenge.section)
  const settings = settingsSection(tessera, view)
  view.signedIn.append(settings.section)
  tessera.on('signed-in', ({ user }) => {
    challenge.hide()
    settings.show(user)
  })
  return {
    onLoginError(error) {
      if (!(error && error.code === 'mfa_required')) return false
      challenge.ask(String(error.problem.mfa_token), /** @type {string[]} */ (error.problem.methods ?? []))
      return true
    },
  }
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  if (text !== undefined) node.textContent = text
  return node
}

/** The login's second step: one box for a 6-digit code or a recovery code. */
function challengeSection(tessera, view) {
  const section = element('section', { id: 'mfa-challenge', hidden: '' })
  const form = element('form')
  const label = element('label', {}, 'Code from your authenticator app, or a recovery code')
  const input = element('input', { id: 'mfa-code', name: 'code', autocomplete: 'one-time-code', inputmode: 'text', required: '', maxlength: '32' })
  label.append(input)
  const methods = element('p', { class: 'note', id: 'mfa-methods' })
  form.append(label, element('div', { class: 'buttons' }), methods)
  form.querySelector('.buttons').append(element('button', { id: 'mfa-submit', type: 'submit' }, 'Continue'))
  section.append(element('h2', {}, 'Two-step verification'), form)
  let mfaToken = ''

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const typed = input.value.trim()
    // Six digits are a TOTP code; anything else is taken as a recovery code.
    const answer = /^\d{3} ?\d{3}$/.test(typed) ? { mfa_token: mfaToken, code: typed.replace(' ', '') } : { mfa_token: mfaToken, recovery_code: typed }
    tessera.completeMfaChallenge(answer).catch((error) => {
      view.showError(error)
      input.select()
    })
  })

  return {
    section,
    ask(token, available) {
      mfaToken = token
      methods.textContent = `This account accepts: ${available.join(', ')}.`
      section.hidden = false
      input.value = ''
      input.focus()
      view.status('The password is right. Now enter the code from your authenticator app.')
    },
    hide() {
      section.hidden = true
      mfaToken = ''
    },
  }
}

/** Shapes are all a QR code needs; anything else (a script, an event handler, a link) refuses the SVG. */
const SVG_ELEMENTS = new Set(['svg', 'path', 'rect', 'g'])

function adoptSvg(text) {
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml')
  const root = parsed.documentElement
  if (root.localName !== 'svg' || parsed.querySelector('parsererror')) throw new Error('the QR code is not an SVG document')
  for (const node of [root, ...root.querySelectorAll('*')]) {
    if (!SVG_ELEMENTS.has(node.localName)) throw new Error(`unexpected <${node.localName}> in the QR code`)
    for (const attribute of node.attributes) if (/^on/i.test(attribute.name) || /href/i.test(attribute.name)) throw new Error('unexpected attribute in the QR code')
  }
  const svg = /** @type {SVGSVGElement} */ (document.importNode(root, true))
  svg.setAttribute('width', '200')
  svg.setAttribute('height', '200')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', 'QR code to scan with an authenticator app')
  return svg
}

/** Signed in: TOTP on or off, set it up, confirm, recovery codes, turn it off. */
function settingsSection(tessera, view) {
  const section = element('section', { id: 'mfa-settings' })
  const state = element('p', { id: 'totp-state' })
  const start = element('button', { id: 'totp-start', type: 'button' }, 'Set up an authenticator app')
  const disable = element('button', { id: 'totp-disable', type: 'button' }, 'Turn off two-step verification')
  const regenerate = element('button', { id: 'recovery-regenerate', type: 'button' }, 'New recovery codes')
  const buttons = element('div', { class: 'buttons' })
  buttons.append(start, regenerate, disable)

  const enrol = element('div', { id: 'totp-enrol', hidden: '' })
  const qr = element('div', { id: 'totp-qr' })
  const secret = element('code', { id: 'totp-secret' })
  const confirmForm = element('form', { id: 'totp-confirm-form' })
  const codeLabel = element('label', {}, 'The 6-digit code the app shows now')
  const code = element('input', { id: 'totp-code', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '\\d{3} ?\\d{3}', required: '' })
  codeLabel.append(code)
  confirmForm.append(codeLabel, element('button', { id: 'totp-confirm', type: 'submit' }, 'Turn on'))
  const manual = element('p', { class: 'note' }, 'Scan it with your authenticator app, or type this key: ')
  manual.append(secret)
  enrol.append(qr, manual, confirmForm)

  const codes = element('div', { id: 'recovery', hidden: '' })
  const list = element('ol', { id: 'recovery-codes' })
  codes.append(element('p', {}, 'Your recovery codes: each works once, if you lose the app. They are shown only now; keep them somewhere safe.'), list)
  section.append(element('h2', {}, 'Two-step verification'), state, buttons, enrol, codes)

  /** Tessera's own routes, through the client: it adds the token (or the cookies and the CSRF header). */
  async function call(path, method, body) {
    const response = await tessera.fetch(path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) })
    const text = await response.text()
    const parsed = text ? JSON.parse(text) : null
    if (!response.ok) throw Object.assign(new Error(parsed?.detail ?? `HTTP ${response.status}`), { code: parsed?.code })
    return parsed
  }

  function showCodes(recoveryCodes) {
    list.replaceChildren(...recoveryCodes.map((value) => element('li', {}, value)))
    codes.hidden = false
  }

  function show(user) {
    const on = Boolean(user?.mfa?.totp)
    state.textContent = on ? 'On: signing in asks for a code from your authenticator app.' : 'Off: your password alone signs you in.'
    state.dataset.totp = String(on)
    start.hidden = on
    disable.hidden = !on
    regenerate.hidden = !on
    enrol.hidden = true
  }

  const failed = (error) => view.status(error.code ? `${error.code}: ${error.message}` : String(error), true)

  start.addEventListener('click', () => {
    call('/auth/mfa/totp', 'POST').then((started) => {
      qr.replaceChildren(adoptSvg(started.qr_svg))
      secret.textContent = started.secret
      codes.hidden = true
      enrol.hidden = false
      code.value = ''
      code.focus()
      view.status('Scan the QR code, then enter the code the app shows.')
    }, failed)
  })

  confirmForm.addEventListener('submit', (event) => {
    event.preventDefault()
    call('/auth/mfa/totp/confirm', 'POST', { code: code.value.replace(' ', '') }).then(async (confirmed) => {
      show(await tessera.me())
      showCodes(confirmed.recovery_codes)
      view.status('Two-step verification is on.')
    }, failed)
  })

  regenerate.addEventListener('click', () => {
    call('/auth/mfa/recovery-codes', 'POST').then((replaced) => {
      showCodes(replaced.recovery_codes)
      view.status('New recovery codes; the old ones no longer work.')
    }, failed)
  })

  disable.addEventListener('click', () => {
    call('/auth/mfa/totp', 'DELETE').then(async () => {
      show(await tessera.me())
      codes.hidden = true
      view.status('Two-step verification is off.')
    }, failed)
  })

  return { section, show }
}
