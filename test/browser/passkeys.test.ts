// Passkeys (WebAuthn) in a real Chromium with a virtual authenticator from the DevTools protocol:
// register with a fresh token, sign out, sign in with no username, rename, delete; and responses
// made by that same authenticator, then altered or replayed, refused with passkey_invalid.
// WebAuthn needs a secure context: http://localhost counts as one, so the RP ID is localhost and
// the server's PUBLIC_URL is http://localhost:<port>. @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import type { Browser } from 'playwright-core'
import { api, login, PASSWORD, register, type Account } from '../helpers/client.js'
import { enrolTotp, loginForChallenge } from '../helpers/mfa.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'
import { launchChromium, skipWithoutChromium as skip } from './chromium.js'
import { decodeJson, encodeJson, freePort, openDevice, startBlankPageServer, withTamperedSignature, type CredentialJson, type Device } from './webauthn.js'

const FAILURE_LIMIT = 4
const ADMIN_EMAIL = 'passkeys-admin@example.com'
const ADMIN_PASSWORD = 'passkeys admin password'

describe('passkeys in Chromium with a virtual authenticator', { skip }, () => {
  let server: RunningServer
  let browser: Browser
  let origin: string
  let otherOrigin: Awaited<ReturnType<typeof startBlankPageServer>>
  let smtp: TestSmtpServer
  const mailTo = (address: string, subject: RegExp) => (mail: ReceivedMail) => mail.envelope.to.includes(address) && subject.test(mail.subject ?? '')

  before(async () => {
    smtp = await startSmtpServer()
    const port = await freePort()
    origin = `http://localhost:${port}`
    server = await startServer({ PORT: String(port), PUBLIC_URL: origin, MAIL_URL: smtp.url, ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN_FAILURE_LIMIT: `${FAILURE_LIMIT}/15m`, RATE_LIMIT_AUTH: '1000/1m' })
    otherOrigin = await startBlankPageServer()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await otherOrigin?.close()
    await server?.stop()
    await smtp?.stop()
  })

  /** A device (browser context + authenticator) on a page of the server's own origin. */
  const device = () => openDevice(browser, `${origin}/health`)

  async function addPasskey(account: Account, phone: Device, name?: string) {
    const options = await api(server.url, '/auth/passkeys/register/options', { token: account.accessToken, body: {} })
    assert.equal(options.status, 200, options.text)
    const credential = await phone.create(options.body)
    const created = await api(server.url, '/auth/passkeys', { token: account.accessToken, body: { credential, ...(name ? { name } : {}) } })
    assert.equal(created.status, 201, created.text)
    return { credential, passkey: created.body, options: options.body }
  }

  /** A usernameless assertion from the device, against fresh login options. */
  async function assertion(phone: Device): Promise<CredentialJson> {
    const options = await api(server.url, '/auth/passkeys/login/options', { body: {} })
    assert.equal(options.status, 200, options.text)
    return phone.get(options.body)
  }

  /** The audit events about an account, once those of `types` have all been written (the log is written in batches). */
  async function auditEventsOf(userId: string, types: string[]): Promise<Array<{ type: string; reason: string | null; details: Record<string, unknown> | null }>> {
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    for (let attempt = 0; ; attempt++) {
      const answer = await api(server.url, `/admin/audit?target_id=${userId}&per_page=100`, { token: admin.accessToken })
      assert.equal(answer.status, 200, answer.text)
      const events = answer.body.data as Array<{ type: string; reason: string | null; details: Record<string, unknown> | null }>
      if (types.every((type) => events.some((event) => event.type === type)) || attempt === 50) return events
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  const signIn = (credential: CredentialJson) => api(server.url, '/auth/passkeys/login', { body: { credential } })

  it('registers a passkey, signs out, signs in with no username (fresh, amr hwk+user), renames and deletes it', { timeout: 30_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    const { passkey, options } = await addPasskey(account, phone)

    // The creation options: this RP, a discoverable credential, user verification required.
    assert.equal(options.rp.id, 'localhost')
    assert.equal(options.authenticatorSelection.residentKey, 'required')
    assert.equal(options.authenticatorSelection.userVerification, 'required')
    assert.deepEqual(options.excludeCredentials, [])
    // Chromium's virtual authenticator has no AAGUID in the known list: the name is the date.
    assert.equal(passkey.name, `Passkey ${new Date().toISOString().slice(0, 10)}`)
    assert.equal(passkey.last_used_at, null)
    assert.deepEqual(Object.keys(passkey).sort(), ['created_at', 'id', 'last_used_at', 'name'])

    const listed = await api(server.url, '/auth/passkeys', { token: account.accessToken })
    assert.deepEqual(listed.body.data, [passkey])
    // The next creation options exclude it, so the same authenticator is not registered twice.
    const again = await api(server.url, '/auth/passkeys/register/options', { token: account.accessToken, body: {} })
    assert.equal(again.body.excludeCredentials.length, 1)

    // Sign out, then sign in with the passkey alone.
    assert.equal((await api(server.url, '/auth/logout', { token: account.accessToken, body: {} })).status, 204)
    const loginOptions = await api(server.url, '/auth/passkeys/login/options', { body: {} })
    assert.equal(loginOptions.body.allowCredentials, undefined, 'discoverable: no allowCredentials')
    assert.equal(loginOptions.body.userVerification, 'required')
    const signedIn = await signIn(await phone.get(loginOptions.body))
    assert.equal(signedIn.status, 200, signedIn.text)
    assert.equal(signedIn.headers.get('cache-control'), 'no-store')
    assert.equal(signedIn.body.user.id, account.user.id)
    const claims = decodeJwt(signedIn.body.access_token)
    assert.deepEqual(claims.amr, ['hwk', 'user'])
    assert.equal(claims.fresh, true)
    const token = signedIn.body.access_token as string

    const used = (await api(server.url, '/auth/passkeys', { token })).body.data[0]
    assert.notEqual(used.last_used_at, null, 'last_used_at is set by the sign-in')

    // Rename.
    const renamed = await api(server.url, `/auth/passkeys/${passkey.id}`, { method: 'PATCH', token, body: { name: 'Work laptop' } })
    assert.equal(renamed.status, 200, renamed.text)
    assert.equal(renamed.body.name, 'Work laptop')
    assert.equal((await api(server.url, '/auth/passkeys', { token })).body.data[0].name, 'Work laptop')

    // Another account sees none of it: its id is not_found there.
    const stranger = await register(server.url)
    assertProblem(await api(server.url, `/auth/passkeys/${passkey.id}`, { method: 'PATCH', token: stranger.accessToken, body: { name: 'mine' } }), 404, 'not_found')
    assertProblem(await api(server.url, `/auth/passkeys/${passkey.id}`, { method: 'DELETE', token: stranger.accessToken }), 404, 'not_found')
    assert.deepEqual((await api(server.url, '/auth/passkeys', { token: stranger.accessToken })).body.data, [])

    // Delete needs a fresh token: a refreshed one is refused.
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: signedIn.body.refresh_token } })
    assertProblem(await api(server.url, `/auth/passkeys/${passkey.id}`, { method: 'DELETE', token: refreshed.body.access_token }), 401, 'fresh_token_required')
    const fresh = await login(server.url, account.email)
    assert.equal((await api(server.url, `/auth/passkeys/${passkey.id}`, { method: 'DELETE', token: fresh.accessToken })).status, 204)
    assert.deepEqual((await api(server.url, '/auth/passkeys', { token: fresh.accessToken })).body.data, [])

    // A notice mail for each change, naming the passkey (through the outbox, to a real SMTP server).
    const added = await smtp.waitForMail(mailTo(account.email, /passkey was added/))
    assert.match(added.text ?? '', new RegExp(passkey.name))
    const removed = await smtp.waitForMail(mailTo(account.email, /passkey was removed/))
    assert.match(removed.text ?? '', /Work laptop/)

    // The deleted passkey no longer signs in, though the authenticator still holds it.
    assertProblem(await signIn(await assertion(phone)), 400, 'passkey_invalid')

    // Every change is audited, with the passkey's id.
    const events = await auditEventsOf(account.user.id, ['passkey.added', 'passkey.renamed', 'passkey.removed', 'login.succeeded'])
    assert.equal(events.find((event) => event.type === 'passkey.added')?.details?.passkey_id, passkey.id)
    assert.equal(events.find((event) => event.type === 'passkey.removed')?.details?.passkey_id, passkey.id)
    assert.ok(events.some((event) => event.type === 'login.succeeded' && event.details?.method === 'passkey'))
    await phone.close()
  })

  it('takes the name given at registration; creation options need a fresh token', { timeout: 20_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    const { passkey } = await addPasskey(account, phone, 'My phone')
    assert.equal(passkey.name, 'My phone')
    const refreshed = await api(server.url, '/auth/refresh', { body: { refresh_token: account.refreshToken } })
    assertProblem(await api(server.url, '/auth/passkeys/register/options', { token: refreshed.body.access_token, body: {} }), 401, 'fresh_token_required')
    assertProblem(await api(server.url, '/auth/passkeys/register/options', { body: {} }), 401, 'authorization_required')
    await phone.close()
  })

  it('refuses a registration whose challenge was used, or issued to another account', { timeout: 20_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    const { credential } = await addPasskey(account, phone)
    // The same registration response again: its challenge is spent.
    assertProblem(await api(server.url, '/auth/passkeys', { token: account.accessToken, body: { credential } }), 400, 'passkey_invalid')

    // Options issued to B, answered by a device, presented with A's token.
    const other = await register(server.url)
    const laptop = await device()
    const options = await api(server.url, '/auth/passkeys/register/options', { token: other.accessToken, body: {} })
    const foreign = await laptop.create(options.body)
    assertProblem(await api(server.url, '/auth/passkeys', { token: account.accessToken, body: { credential: foreign } }), 400, 'passkey_invalid')
    assert.equal((await api(server.url, '/auth/passkeys', { token: account.accessToken })).body.data.length, 1)
    await Promise.all([phone.close(), laptop.close()])
  })

  it('refuses altered and replayed assertions with passkey_invalid: origin, challenge, signature, user verification, counter', { timeout: 30_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    await addPasskey(account, phone)

    // Replay: a genuine assertion works once; its challenge is gone after.
    const genuine = await assertion(phone)
    assert.equal((await signIn(genuine)).status, 200)
    assertProblem(await signIn(genuine), 400, 'passkey_invalid')

    // Tampered signature over a live challenge.
    assertProblem(await signIn(withTamperedSignature(await assertion(phone))), 400, 'passkey_invalid')

    // clientDataJSON rewritten to another origin (its challenge still live).
    const rewritten = await assertion(phone)
    const clientData = decodeJson(rewritten.response.clientDataJSON as string)
    clientData.origin = 'http://evil.localhost:1234'
    assertProblem(await signIn({ ...rewritten, response: { ...rewritten.response, clientDataJSON: encodeJson(clientData) } }), 400, 'passkey_invalid')

    // A genuine, correctly signed assertion made on another origin of the same RP ID (another
    // port of localhost): only the origin is wrong.
    const options = await api(server.url, '/auth/passkeys/login/options', { body: {} })
    await phone.goto(otherOrigin.url)
    const elsewhere = await phone.get(options.body)
    assert.equal(decodeJson(elsewhere.response.clientDataJSON as string).origin, new URL(otherOrigin.url).origin)
    assertProblem(await signIn(elsewhere), 400, 'passkey_invalid')
    await phone.goto(`${origin}/health`)

    // A challenge from the registration options is not a sign-in challenge.
    const registration = await api(server.url, '/auth/passkeys/register/options', { token: (await login(server.url, account.email)).accessToken, body: {} })
    const crossed = await phone.get({ challenge: registration.body.challenge, rpId: 'localhost', userVerification: 'required' })
    assertProblem(await signIn(crossed), 400, 'passkey_invalid')

    // No user verification: the page asks for none (the server's challenge, its own options) and
    // the authenticator does not verify the user: a genuine signature without the UV flag.
    await phone.cdp.send('WebAuthn.setUserVerified', { authenticatorId: phone.authenticatorId, isUserVerified: false })
    const unverifiedOptions = (await api(server.url, '/auth/passkeys/login/options', { body: {} })).body
    const unverified = await phone.get({ ...unverifiedOptions, userVerification: 'discouraged' })
    assert.equal(Buffer.from(unverified.response.authenticatorData as string, 'base64url')[32]! & 0x04, 0, 'the UV flag is clear')
    assertProblem(await signIn(unverified), 400, 'passkey_invalid')
    await phone.cdp.send('WebAuthn.setUserVerified', { authenticatorId: phone.authenticatorId, isUserVerified: true })

    // Counter regression: two assertions over two live challenges; the later one (higher
    // counter) is used first, so the earlier one's counter is below the stored one.
    const earlier = await assertion(phone)
    const later = await assertion(phone)
    const counterOf = (credential: CredentialJson) => Buffer.from(credential.response.authenticatorData as string, 'base64url').readUInt32BE(33)
    assert.ok(counterOf(later) > counterOf(earlier), `the virtual authenticator counts (${counterOf(earlier)}, ${counterOf(later)})`)
    assert.equal((await signIn(later)).status, 200)
    assertProblem(await signIn(earlier), 400, 'passkey_invalid')
    await phone.close()
  })

  it('failed passkey sign-ins count toward LOGIN_FAILURE_LIMIT for the account: past it, 429 even with a good assertion', { timeout: 30_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    await addPasskey(account, phone)
    for (let i = 0; i < FAILURE_LIMIT; i++) assertProblem(await signIn(withTamperedSignature(await assertion(phone))), 400, 'passkey_invalid')
    const locked = await signIn(await assertion(phone))
    assertProblem(locked, 429, 'rate_limited')
    assert.ok(Number(locked.headers.get('retry-after')) > 0)
    // The password shares the budget: the account is locked for both.
    assertProblem(await api(server.url, '/auth/login', { body: { email: account.email, password: account.password } }), 429, 'rate_limited')
    // Each failure is audited against the account.
    const failed = (await auditEventsOf(account.user.id, ['login.failed'])).filter((event) => event.type === 'login.failed' && event.reason === 'passkey_invalid')
    assert.equal(failed.length, FAILURE_LIMIT)
    assert.equal(failed[0]?.details?.method, 'passkey')
    await phone.close()
  })

  it('answers a login\'s mfa_required with a passkey (amr pwd+hwk); the user object counts passkeys; the admin reset removes them', { timeout: 30_000 }, async () => {
    const phone = await device()
    const account = await register(server.url)
    await addPasskey(account, phone)
    assert.equal((await api(server.url, '/auth/me', { token: account.accessToken })).body.mfa.passkeys, 1)
    // A passkey alone does not change password login: no second step yet.
    assert.equal((await api(server.url, '/auth/login', { body: { email: account.email, password: PASSWORD } })).status, 200)

    await enrolTotp(server.url, await login(server.url, account.email))
    const step = await loginForChallenge(server.url, account.email, PASSWORD)
    assert.deepEqual(step.methods, ['totp', 'recovery_code', 'passkey'])

    // Options limited to this account's passkeys.
    const options = await api(server.url, '/auth/passkeys/login/options', { body: { mfa_token: step.mfaToken } })
    assert.equal(options.status, 200, options.text)
    assert.equal(options.body.allowCredentials.length, 1)
    const answer = await phone.get(options.body)
    // That challenge belongs to the login step: it is no usernameless sign-in.
    const stray = await phone.get((await api(server.url, '/auth/passkeys/login/options', { body: { mfa_token: step.mfaToken } })).body)
    assertProblem(await signIn(stray), 400, 'passkey_invalid')
    // And a usernameless sign-in challenge does not answer the step.
    assertProblem(await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: step.mfaToken, passkey: await assertion(phone) } }), 400, 'passkey_invalid')
    const challengeFailures = await auditEventsOf(account.user.id, ['mfa.challenge_failed'])
    assert.ok(challengeFailures.some((event) => event.type === 'mfa.challenge_failed' && event.reason === 'passkey_invalid' && event.details?.second_factor === 'passkey'))

    const done = await api(server.url, '/auth/mfa/challenge', { body: { mfa_token: step.mfaToken, passkey: answer } })
    assert.equal(done.status, 200, done.text)
    const claims = decodeJwt(done.body.access_token)
    assert.deepEqual(claims.amr, ['pwd', 'hwk'])
    assert.equal(claims.fresh, true)
    assert.deepEqual(done.body.user.mfa, { totp: true, passkeys: 1 })
    assertProblem(await api(server.url, '/auth/passkeys/login/options', { body: { mfa_token: 'not-a-live-token' } }), 401, 'mfa_code_invalid')

    // The admin reset removes TOTP and every passkey.
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert.equal((await api(server.url, `/admin/users/${account.user.id}/mfa`, { method: 'DELETE', token: admin.accessToken })).status, 204)
    const after = await login(server.url, account.email)
    assert.deepEqual(after.user.mfa, { totp: false, passkeys: 0 })
    assert.deepEqual((await api(server.url, '/auth/passkeys', { token: after.accessToken })).body.data, [])
    assertProblem(await signIn(await assertion(phone)), 400, 'passkey_invalid')
    await phone.close()
  })

  it('MFA=required: the enrolment-only token may add a passkey; then a password login asks for it, and a passkey sign-in alone is enough', { timeout: 30_000 }, async () => {
    const port = await freePort()
    const strictOrigin = `http://localhost:${port}`
    const strict = await startServer({ PORT: String(port), PUBLIC_URL: strictOrigin, MFA: 'required', RATE_LIMIT_AUTH: '1000/1m' })
    const phone = await openDevice(browser, `${strictOrigin}/health`)
    try {
      const registered = await api(strict.url, '/auth/register', { body: { email: `strict-${port}@example.com`, password: PASSWORD } })
      assert.equal(registered.body.mfa_enrollment_required, true)
      const token = registered.body.access_token as string
      const options = await api(strict.url, '/auth/passkeys/register/options', { token, body: {} })
      assert.equal(options.status, 200, options.text)
      const created = await api(strict.url, '/auth/passkeys', { token, body: { credential: await phone.create(options.body) } })
      assert.equal(created.status, 201, created.text)

      const step = await loginForChallenge(strict.url, `strict-${port}@example.com`, PASSWORD)
      assert.deepEqual(step.methods, ['passkey'])
      const stepOptions = await api(strict.url, '/auth/passkeys/login/options', { body: { mfa_token: step.mfaToken } })
      const done = await api(strict.url, '/auth/mfa/challenge', { body: { mfa_token: step.mfaToken, passkey: await phone.get(stepOptions.body) } })
      assert.equal(done.status, 200, done.text)
      assert.equal(done.body.mfa_enrollment_required, undefined)

      const loginOptions = await api(strict.url, '/auth/passkeys/login/options', { body: {} })
      const signedIn = await api(strict.url, '/auth/passkeys/login', { body: { credential: await phone.get(loginOptions.body) } })
      assert.equal(signedIn.status, 200, signedIn.text)
      assert.equal(signedIn.body.mfa_enrollment_required, undefined)
      assert.equal((await api(strict.url, '/auth/sessions', { token: signedIn.body.access_token })).status, 200, 'a full token, not an enrolment-only one')
    } finally {
      await phone.close()
      await strict.stop()
    }
  })
})
