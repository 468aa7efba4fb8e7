// The client against a real Tessera server, from Node: every method, and how every kind of
// failure becomes a TesseraError (problem code, status, detail, errors[], Retry-After; no answer;
// an answer that is not the API's). @see issue 20
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTesseraClient, TesseraError, type ClientEvents, type TesseraClient } from '../../src/client/index.js'
import { api, login, PASSWORD, register, uniqueEmail } from '../helpers/client.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { inspectableStorage, recordingFetch } from './fixtures.js'
import { totpCode } from '../helpers/mfa.js'

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof TesseraError, `expected a TesseraError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a rejection')
}

function recordEvents(client: TesseraClient) {
  const events: string[] = []
  client.on('signed-in', (event: ClientEvents['signed-in']) => events.push(`signed-in:${event.source}`))
  client.on('refreshed', (event: ClientEvents['refreshed']) => events.push(`refreshed:${event.source}`))
  client.on('signed-out', (event: ClientEvents['signed-out']) => events.push(`signed-out:${event.reason}${event.code ? `:${event.code}` : ''}`))
  return events
}

describe('the client from Node, against a real server', () => {
  let server: RunningServer
  let other: Server
  let otherUrl: string

  before(async () => {
    server = await startServer({ LOGIN_FAILURE_LIMIT: '3/15m' })
    // Not Tessera: a proxy's HTML error page, and a 200 that is not JSON.
    other = createServer((request, response) => {
      if (request.url === '/auth/me') response.writeHead(200, { 'content-type': 'text/plain' }).end('hello')
      else response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>')
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
  })
  after(async () => {
    await server?.stop()
    await new Promise((resolve) => other?.close(resolve))
  })

  const client = (options: Parameters<typeof createTesseraClient>[0] = {}) => createTesseraClient({ baseUrl: server.url, ...options })

  it('register signs in; me, updateProfile and the cached user follow', async () => {
    const tessera = client()
    const events = recordEvents(tessera)
    const email = uniqueEmail('client')
    const user = await tessera.register({ email, password: PASSWORD, username: `u${Date.now().toString(36)}`, full_name: 'Ada' })
    assert.equal(user.email, email)
    assert.equal(tessera.signedIn, true)
    assert.deepEqual(events, ['signed-in:this-client'])
    assert.equal((await tessera.me()).id, user.id)
    const changed = await tessera.updateProfile({ full_name: 'Ada Lovelace' })
    assert.equal(changed.full_name, 'Ada Lovelace')
    assert.equal(tessera.user?.full_name, 'Ada Lovelace')
  })

  it('login by email and by username; refresh rotates the stored refresh token and the new one works', async () => {
    const username = `n${Date.now().toString(36)}`
    const account = await register(server.url, { username })
    const storage = inspectableStorage()
    const tessera = client({ storage })
    const events = recordEvents(tessera)
    await tessera.login({ username, password: PASSWORD })
    await tessera.login({ email: account.email, password: PASSWORD })
    const before = storage.token()
    await tessera.refresh()
    assert.notEqual(storage.token(), before)
    assert.equal(tessera.refreshCount, 1)
    assert.deepEqual(events, ['signed-in:this-client', 'signed-in:this-client', 'refreshed:this-client'])
    assert.equal((await tessera.me()).email, account.email)
  })

  it('sessions: lists them with the current one marked, and revokes another device', async () => {
    const account = await register(server.url)
    const tessera = client()
    await tessera.login({ email: account.email, password: PASSWORD })
    const sessions = await tessera.listSessions()
    assert.equal(sessions.length, 2)
    assert.equal(sessions.filter((session) => session.current).length, 1)
    const otherDevice = sessions.find((session) => !session.current)!
    await tessera.revokeSession(otherDevice.id)
    assert.deepEqual((await tessera.listSessions()).map((session) => session.current), [true])
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.code, 'token_revoked')
  })

  it('changePassword keeps this session and ends the others; it needs a fresh token', async () => {
    const account = await register(server.url)
    const tessera = client()
    await tessera.login({ email: account.email, password: PASSWORD })
    await tessera.changePassword({ current_password: PASSWORD, new_password: 'a brand new passphrase' })
    assert.equal((await tessera.me()).email, account.email)
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.code, 'token_revoked')
    await login(server.url, account.email, 'a brand new passphrase')
    await tessera.refresh() // a refreshed token is not fresh
    const error = await rejection(tessera.changePassword({ current_password: 'a brand new passphrase', new_password: PASSWORD }))
    assert.equal(error.code, 'fresh_token_required')
    assert.equal(error.status, 401)
  })

  it('logout ends the session (the refresh token is dead) and says why; scope all ends every session', async () => {
    const account = await register(server.url)
    const storage = inspectableStorage()
    const tessera = client({ storage })
    const events = recordEvents(tessera)
    await tessera.login({ email: account.email, password: PASSWORD })
    const refreshToken = storage.token()!
    await tessera.logout()
    assert.equal(tessera.signedIn, false)
    assert.equal(storage.token(), null)
    assert.deepEqual(events, ['signed-in:this-client', 'signed-out:logout'])
    assert.equal((await api(server.url, '/auth/refresh', { body: { refresh_token: refreshToken } })).body.code, 'token_revoked')
    assert.equal((await rejection(tessera.me())).code, 'authorization_required')
    // The other device (the account's registration session) lives on until scope all.
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).status, 200)
    await tessera.login({ email: account.email, password: PASSWORD })
    await tessera.logout({ scope: 'all' })
    assert.equal((await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })).body.code, 'token_revoked')
  })

  it('deleteAccount signs out with reason account_deleted; the account is gone', async () => {
    const account = await register(server.url)
    const tessera = client()
    const events = recordEvents(tessera)
    await tessera.login({ email: account.email, password: PASSWORD })
    await tessera.deleteAccount()
    assert.equal(tessera.signedIn, false)
    assert.deepEqual(events, ['signed-in:this-client', 'signed-out:account_deleted'])
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).body.code, 'invalid_credentials')
  })

  it('restore picks up a stored refresh token, and answers null without one', async () => {
    const account = await register(server.url)
    const storage = inspectableStorage()
    storage.put(account.refreshToken)
    const tessera = client({ storage })
    const events = recordEvents(tessera)
    assert.equal((await tessera.restore())?.email, account.email)
    assert.deepEqual(events, ['signed-in:this-client'])
    assert.equal(await client().restore(), null)
  })

  it('a refresh answered refresh_token_reused or token_revoked signs out with reason elsewhere', async () => {
    const account = await register(server.url)
    const storage = inspectableStorage()
    const tessera = client({ storage })
    const events = recordEvents(tessera)
    await tessera.login({ email: account.email, password: PASSWORD })
    // Another device ends this session with its refresh token.
    assert.equal((await api(server.url, '/auth/logout', { body: { refresh_token: storage.token() } })).status, 204)
    const error = await rejection(tessera.me()) // token_revoked, one refresh (token_revoked), no second retry
    assert.equal(error.code, 'token_revoked')
    assert.deepEqual(events, ['signed-in:this-client', 'signed-out:elsewhere:token_revoked'])
  })

  it('fetch() adds the token to Tessera and listed origins only, and returns answers as they are', async () => {
    const account = await register(server.url)
    const tessera = client()
    assert.equal((await tessera.fetch('/auth/me')).status, 401, 'signed out: sent without a token')
    await tessera.login({ email: account.email, password: PASSWORD })
    const response = await tessera.fetch('/auth/me')
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { email: string }).email, account.email)
    assert.equal((await tessera.fetch(`${server.url}/auth/sessions`, { headers: { 'x-request-id': 'abc' } })).status, 200)
    assert.equal((await tessera.fetch(new Request(`${server.url}/auth/me`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"full_name":"X"}' }))).status, 200)
    await assert.rejects(tessera.fetch(`${otherUrl}/anything`), TypeError)
    const allowed = client({ apiOrigins: [otherUrl] })
    assert.equal((await allowed.fetch(`${otherUrl}/x`)).status, 502)
  })

  it('maps problems: code, status, detail, errors[] of validation_failed', async () => {
    const tessera = client()
    const short = await rejection(tessera.register({ email: uniqueEmail(), password: 'short' }))
    assert.equal(short.code, 'validation_failed')
    assert.equal(short.status, 400)
    assert.ok(short.detail.length > 0)
    assert.ok(short.errors?.some((error) => error.path === '/password'), JSON.stringify(short.errors))
    assert.equal(short.problem.type, 'urn:tessera:problem:validation_failed')

    const account = await register(server.url)
    const exists = await rejection(tessera.register({ email: account.email, password: PASSWORD }))
    assert.deepEqual([exists.code, exists.status, exists.errors], ['user_exists', 409, undefined])
    const wrong = await rejection(tessera.login({ email: account.email, password: 'not the password' }))
    assert.deepEqual([wrong.code, wrong.status, wrong.retryAfter], ['invalid_credentials', 401, undefined])
    assert.equal(tessera.signedIn, false)

    await tessera.login({ email: account.email, password: PASSWORD })
    assert.equal((await rejection(tessera.revokeSession('not-a-uuid'))).code, 'validation_failed')
    const missing = await rejection(tessera.revokeSession('0190a0b0-0000-7000-8000-000000000000'))
    assert.equal(missing.status, 404)
    assert.equal(missing.code, 'session_not_found')
  })

  it('maps 429 rate_limited with retryAfter from Retry-After', async () => {
    const account = await register(server.url)
    const tessera = client()
    for (let attempt = 0; attempt < 3; attempt++) await rejection(tessera.login({ email: account.email, password: 'not the password' }))
    const limited = await rejection(tessera.login({ email: account.email, password: PASSWORD }))
    assert.equal(limited.code, 'rate_limited')
    assert.equal(limited.status, 429)
    assert.ok(typeof limited.retryAfter === 'number' && limited.retryAfter > 0, `retryAfter ${limited.retryAfter}`)
  })

  it('no answer is network_error (status 0, the cause kept); a foreign answer is invalid_response', async () => {
    const unreachable = await rejection(createTesseraClient({ baseUrl: 'http://127.0.0.1:1' }).login({ email: 'a@example.com', password: PASSWORD }))
    assert.deepEqual([unreachable.code, unreachable.status], ['network_error', 0])
    assert.ok(unreachable.cause instanceof Error)
    const foreign = createTesseraClient({ baseUrl: otherUrl })
    const badGateway = await rejection(foreign.login({ email: 'a@example.com', password: PASSWORD }))
    assert.deepEqual([badGateway.code, badGateway.status], ['invalid_response', 502])
    const notJson = await rejection(foreign.me()) // 200, text/plain
    assert.deepEqual([notJson.code, notJson.status], ['invalid_response', 200])
  })

  it('enrols TOTP, then signs in in two steps: mfa_required carries the mfa_token, completeMfaChallenge finishes (issue 18)', async () => {
    const account = await register(server.url)
    const tessera = client()
    await tessera.login({ email: account.email, password: PASSWORD })
    const enrolment = await tessera.startTotpEnrolment()
    assert.match(enrolment.otpauth_uri, /^otpauth:\/\/totp\//)
    assert.match(enrolment.qr_svg, /<svg/)
    const recoveryCodes = await tessera.confirmTotp(totpCode(enrolment.secret))
    assert.equal(recoveryCodes.length, 10)
    assert.equal((await tessera.me()).mfa.totp, true)
    await tessera.logout()

    const recorder = recordingFetch()
    const second = client({ fetch: recorder.fetch })
    const required = await rejection(second.login({ email: account.email, password: PASSWORD }))
    assert.deepEqual([required.status, required.code], [401, 'mfa_required'])
    assert.equal(second.signedIn, false, 'a password alone signs nobody in')
    const mfaToken = required.problem.mfa_token as string
    assert.ok((required.problem.methods as string[]).includes('totp'))
    const next = totpCode(enrolment.secret, Date.now() + 30_000)
    const wrong = await rejection(second.completeMfaChallenge({ mfa_token: mfaToken, code: next === '000000' ? '111111' : '000000' }))
    assert.deepEqual([wrong.status, wrong.code], [401, 'mfa_code_invalid'])
    // The confirmation used the current step's code, and a code works once: the next step's.
    const user = await second.completeMfaChallenge({ mfa_token: mfaToken, code: next })
    assert.equal(user.id, account.user.id)
    assert.equal(second.signedIn, true)
    await second.me()
    const bearer = recorder.requests.at(-1)!.authorization!.replace(/^Bearer /, '')
    assert.deepEqual(JSON.parse(Buffer.from(bearer.split('.')[1]!, 'base64url').toString('utf8')).amr, ['pwd', 'otp'])

    await second.disableTotp()
    assert.equal((await second.me()).mfa.totp, false)
  })

  it('the passkey methods call their endpoints: options for a ceremony, an empty list, a refused assertion', async () => {
    const account = await register(server.url)
    const recorder = recordingFetch()
    const tessera = client({ fetch: recorder.fetch })
    await tessera.login({ email: account.email, password: PASSWORD })
    const creation = (await tessera.passkeyRegistrationOptions()) as { challenge: string; authenticatorSelection: { residentKey: string } }
    assert.ok(creation.challenge.length >= 16)
    assert.equal(creation.authenticatorSelection.residentKey, 'required')
    assert.deepEqual(await tessera.listPasskeys(), [])
    const request = (await tessera.passkeyLoginOptions()) as { challenge: string; userVerification: string }
    assert.equal(request.userVerification, 'required')
    const refused = await rejection(tessera.signInWithPasskey({ id: 'c', rawId: 'c', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' }, clientExtensionResults: {} }))
    assert.equal(refused.status, 400)
    assert.ok(['passkey_invalid', 'validation_failed'].includes(refused.code), refused.code)
    const missing = await rejection(tessera.deletePasskey('0190f5c2-0000-7000-8000-000000000000'))
    assert.deepEqual([missing.status, missing.code], [404, 'not_found'])
    assert.deepEqual(
      recorder.requests.filter((sent) => sent.path.includes('/passkeys')).map((sent) => `${sent.method} ${sent.path}`),
      ['POST /auth/passkeys/register/options', 'GET /auth/passkeys', 'POST /auth/passkeys/login/options', 'POST /auth/passkeys/login', 'DELETE /auth/passkeys/0190f5c2-0000-7000-8000-000000000000'],
    )
    assert.equal(tessera.signedIn, true, 'a refused passkey sign-in leaves the password sign-in alone')
  })

  it('the email methods call the email endpoints (issue 16)', async () => {
    const account = await register(server.url)
    const recorder = recordingFetch()
    const tessera = client({ fetch: recorder.fetch })
    await tessera.login({ email: account.email, password: PASSWORD })
    await tessera.requestEmailVerification()
    await tessera.forgotPassword(account.email)
    const invalid = await rejection(tessera.verifyEmail('t'))
    assert.deepEqual([invalid.status, invalid.code], [400, 'email_token_invalid'])
    const reset = await rejection(tessera.resetPassword({ token: 't', new_password: 'a new passphrase' }))
    assert.deepEqual([reset.status, reset.code], [400, 'email_token_invalid'])
    assert.deepEqual(
      recorder.requests.filter((request) => request.path.includes('/email') || request.path.includes('/password')).map((request) => `${request.method} ${request.path}`),
      ['POST /auth/email/verify/request', 'POST /auth/password/forgot', 'POST /auth/email/verify', 'POST /auth/password/reset'],
    )
    assert.equal(tessera.signedIn, true)
  })

  it('refuses bad options at creation', () => {
    assert.throws(() => createTesseraClient(), TypeError) // no baseUrl outside a browser
    assert.throws(() => createTesseraClient({ baseUrl: 'not a url' }), TypeError)
    assert.throws(() => createTesseraClient({ baseUrl: server.url, mode: 'session' as never }), TypeError)
  })
})
