// The email pages of the SPA example (issue 16): "forgot password", and the two pages the links in
// Tessera's mails open. Point the links here when you start the server:
//
//   EMAIL_LINK_VERIFY='${PUBLIC_URL}/app/?action=verify-email&token={token}'
//   EMAIL_LINK_RESET='${PUBLIC_URL}/app/?action=reset-password&token={token}'
//
// The token is taken out of the address bar at once (history.replaceState), so it does not stay
// in the history or leak in a Referer. Everything is built with DOM calls and textContent: the
// page's CSP allows no inline script or style, and no text from the server is parsed as HTML.

/**
 * @param {import('/app/client/index.js').TesseraClient} tessera
 * @param {{ status: (text: string, isError?: boolean) => void, showError: (error: unknown) => void, signedOut: HTMLElement }} view
 */
export function mountEmailPages(tessera, view) {
  const params = new URLSearchParams(location.search)
  const action = params.get('action')
  const token = params.get('token')
  if (token !== null) {
    params.delete('token')
    params.delete('action')
    const rest = params.toString()
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}`)
  }

  view.signedOut.append(forgotSection(tessera, view))
  if (action === 'verify-email' && token) verify(tessera, view, token)
  if (action === 'reset-password' && token) view.signedOut.prepend(resetSection(tessera, view, token))
}

/** One labelled input. */
function field(label, attributes) {
  const wrapper = document.createElement('label')
  wrapper.textContent = label
  const input = document.createElement('input')
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value)
  wrapper.append(input)
  return { wrapper, input }
}

function button(id, text, type = 'submit') {
  const element = document.createElement('button')
  element.id = id
  element.type = type
  element.textContent = text
  return element
}

function heading(text) {
  const element = document.createElement('h2')
  element.textContent = text
  return element
}

/** "Forgot your password?": the answer is the same whether or not the address has an account. */
function forgotSection(tessera, view) {
  const section = document.createElement('section')
  section.id = 'forgot'
  const toggle = button('forgot-toggle', 'Forgot your password?', 'button')
  const form = document.createElement('form')
  form.id = 'forgot-form'
  form.hidden = true
  const email = field('Email', { id: 'forgot-email', type: 'email', autocomplete: 'username', required: '' })
  const buttons = document.createElement('div')
  buttons.className = 'buttons'
  buttons.append(button('forgot-send', 'Send me a reset link'))
  form.append(email.wrapper, buttons)
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden
    if (!form.hidden) email.input.focus()
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    tessera.forgotPassword(email.input.value).then(() => {
      form.hidden = true
      view.status('If an account has this address, a link to reset its password is on its way. Check your mail.')
    }, view.showError)
  })
  section.append(toggle, form)
  return section
}

/** The page of a reset link: a new password, then log in with it (every old session has ended). */
function resetSection(tessera, view, token) {
  const section = document.createElement('section')
  section.id = 'reset'
  const form = document.createElement('form')
  form.id = 'reset-form'
  const password = field('New password', { id: 'reset-password', type: 'password', autocomplete: 'new-password', minlength: '8', maxlength: '128', required: '' })
  const buttons = document.createElement('div')
  buttons.className = 'buttons'
  buttons.append(button('reset-submit', 'Set the new password'))
  form.append(password.wrapper, buttons)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    tessera.resetPassword({ token, new_password: password.input.value }).then(() => {
      section.remove()
      view.status('Your password has been changed, and every session signed out. Log in with the new password.')
    }, view.showError)
  })
  section.append(heading('Choose a new password'), form)
  view.status('Choose a new password for your account.')
  return section
}

/** The page of a verification link (also the confirmation of a new address). */
function verify(tessera, view, token) {
  tessera.verifyEmail(token).then(
    (user) => view.status(`Your address ${user.email} is verified.`),
    view.showError,
  )
}
