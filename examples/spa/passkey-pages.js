// Passkeys in the SPA example (issue 18): "Sign in with a passkey" (no username) on the signed-out
// view, and a "Passkeys" section when signed in: add one, rename, remove. The browser's own
// WebAuthn API does the ceremonies (PublicKeyCredential.parse*OptionsFromJSON and toJSON(), in
// Chrome, Edge, Firefox and Safari since 2024-2025); Tessera's client makes the calls, so cookie
// mode (CSRF header) and tokens mode both work.
//
// WebAuthn needs a secure context: serve the example as https://, or as http://localhost with
// PUBLIC_URL=http://localhost:3000 (the RP ID is PUBLIC_URL's host; browsers refuse an IP address).
//
// Built with DOM calls and textContent only: the page's CSP allows no inline script, and a passkey
// name is text the user chose.

/**
 * @param {import('/app/client/index.js').TesseraClient} tessera
 * @param {{ status: (text: string, isError?: boolean) => void, showError: (error: unknown) => void, signedOut: HTMLElement, signedIn: HTMLElement }} view
 */
export function mountPasskeyPages(tessera, view) {
  if (!window.PublicKeyCredential?.parseRequestOptionsFromJSON) {
    view.signedOut.append(paragraph('This browser cannot use passkeys here (no WebAuthn JSON API, or not a secure context).'))
    return
  }
  view.signedOut.append(signInSection(tessera, view))
  const section = managementSection(tessera, view)
  view.signedIn.append(section.element)
  tessera.on('signed-in', () => section.reload().catch(() => undefined))
  if (tessera.user) section.reload().catch(() => undefined)
}

function paragraph(text) {
  const p = document.createElement('p')
  p.textContent = text
  return p
}

function button(id, text, onClick) {
  const element = document.createElement('button')
  element.type = 'button'
  if (id) element.id = id
  element.textContent = text
  element.addEventListener('click', onClick)
  return element
}

/** JSON in and out through the client (Bearer or cookies with the CSRF header; one refresh on expiry). */
async function call(tessera, method, path, body) {
  const response = await tessera.fetch(path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  const data = response.status === 204 ? null : await response.json()
  if (!response.ok) throw new Error(`${data?.code ?? response.status}: ${data?.detail ?? 'request failed'}`)
  return data
}

function signInSection(tessera, view) {
  const section = document.createElement('section')
  section.id = 'passkey-sign-in'
  const heading = document.createElement('h2')
  heading.textContent = 'Or use a passkey'
  section.append(
    heading,
    button('passkey-login', 'Sign in with a passkey', () =>
      (async () => {
        const options = await tessera.passkeyLoginOptions({})
        const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) })
        await tessera.signInWithPasskey(credential.toJSON())
        view.status('Signed in with a passkey.')
      })().catch(view.showError),
    ),
  )
  return section
}

function managementSection(tessera, view) {
  const element = document.createElement('section')
  element.id = 'passkeys'
  const heading = document.createElement('h2')
  heading.textContent = 'Passkeys'
  const list = document.createElement('ul')
  list.id = 'passkey-list'

  async function reload() {
    const { data } = await call(tessera, 'GET', '/auth/passkeys')
    list.replaceChildren(...data.map((passkey) => item(passkey)))
  }

  function item(passkey) {
    const row = document.createElement('li')
    row.dataset.passkeyId = passkey.id
    const name = document.createElement('span')
    name.className = 'passkey-name'
    name.textContent = passkey.name
    const used = document.createElement('span')
    used.textContent = ` (added ${new Date(passkey.created_at).toLocaleDateString()}, ${passkey.last_used_at ? `last used ${new Date(passkey.last_used_at).toLocaleString()}` : 'never used'}) `
    const rename = button('', 'Rename', () =>
      (async () => {
        const next = prompt('New name for this passkey', passkey.name)
        if (!next) return
        await call(tessera, 'PATCH', `/auth/passkeys/${passkey.id}`, { name: next })
        await reload()
        view.status('Passkey renamed.')
      })().catch(view.showError),
    )
    rename.className = 'rename-passkey'
    const remove = button('', 'Remove', () =>
      (async () => {
        await call(tessera, 'DELETE', `/auth/passkeys/${passkey.id}`)
        await reload()
        view.status('Passkey removed.')
      })().catch(view.showError),
    )
    remove.className = 'remove-passkey'
    row.append(name, used, rename, remove)
    return row
  }

  const add = button('add-passkey', 'Add a passkey', () =>
    (async () => {
      // The options need a fresh token (from a login in the last ACCESS_TOKEN_TTL, not a refresh).
      const options = await call(tessera, 'POST', '/auth/passkeys/register/options', {})
      const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
      const passkey = await call(tessera, 'POST', '/auth/passkeys', { credential: credential.toJSON() })
      await reload()
      view.status(`Passkey "${passkey.name}" added.`)
    })().catch(view.showError),
  )
  element.append(heading, add, list)
  return { element, reload }
}
