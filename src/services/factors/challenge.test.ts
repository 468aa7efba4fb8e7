// The second step of a login on a fixed clock, through the real wiring of createServices() over
// SQLite: a code works once, recovery codes once each, and the brute-force bound measured against
// LOGIN_FAILURE_LIMIT (docs/mfa.md, "Brute force"). @see issue 18
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { loadConfig } from '../../config.js'
import { AppError } from '../../errors.js'
import { openStorage, type Storage } from '../../storage/index.js'
import type { UserRecord } from '../../storage/users.js'
import { createServices, type Services } from '../index.js'
import type { ClientInfo } from '../sessions.js'
import { MFA_TOKEN_ATTEMPTS } from './mfa-tokens.js'

const PASSWORD = 'correct horse battery staple'
const STEP_MS = 30_000
const LIMIT = 10
const WINDOW_SECONDS = 900
const FROM = (n: number): ClientInfo => ({ ip: `192.0.2.${n}`, userAgent: 'test' })

const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at })

const refusedWith = (code: string) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error))
  assert.equal(error.code, code, error.message)
  return true
}

describe('the mfa challenge on a fixed clock', () => {
  let storage: Storage
  let services: Services
  // Mid-step, so ±1 step stays inside the minute the test reasons about.
  let clock = Date.parse('2026-03-01T12:00:10Z')
  const now = () => clock

  before(async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOGIN_FAILURE_LIMIT: `${LIMIT}/${WINDOW_SECONDS}s`, PASSWORD_HASH_CONCURRENCY: '1' })
    storage = await openStorage(config.databaseUrl, config)
    services = await createServices(config, storage, { now, passwordHashCost: { memoryCost: 8, timeCost: 1, parallelism: 1 } })
  })
  after(async () => {
    await services.stop()
    await storage.close()
  })

  /** A new account with confirmed TOTP (the confirming code is of the step before now). */
  async function enrolled(): Promise<{ user: UserRecord; email: string; secret: string; recoveryCodes: string[] }> {
    const email = `${randomUUID().slice(0, 8)}@example.com`
    const issued = await services.users.register({ email, password: PASSWORD, fullName: null }, FROM(1))
    const { secret } = await services.totp.start(issued.user)
    const recoveryCodes = await services.totp.confirm(issued.user, codeAt(secret, clock - STEP_MS))
    return { user: (await storage.users.findById(issued.user.id))!, email, secret, recoveryCodes }
  }

  /** A password login that answers mfa_required; its mfa_token. */
  async function mfaToken(email: string, client = FROM(1)): Promise<string> {
    try {
      await services.login({ email, password: PASSWORD }, client)
    } catch (error) {
      assert.ok(error instanceof AppError && error.code === 'mfa_required', String(error))
      assert.deepEqual(error.extensions?.methods, ['totp', 'recovery_code'])
      return error.extensions!.mfa_token as string
    }
    throw new Error('the login did not ask for a second factor')
  }

  const answerCode = async (email: string, code: string, client = FROM(1)) => services.mfa.answer(await mfaToken(email, client), { kind: 'code', code }, client)

  it('a code works once: the same code again, or the code of an earlier step, is mfa_code_invalid', async () => {
    const { email, secret } = await enrolled()
    const issued = await answerCode(email, codeAt(secret, clock))
    assert.equal(issued.user.email, email)
    await assert.rejects(answerCode(email, codeAt(secret, clock)), refusedWith('mfa_code_invalid'))
    // The next step's code works (drift +1), and then the current step's is older than the last used one.
    await answerCode(email, codeAt(secret, clock + STEP_MS))
    await assert.rejects(answerCode(email, codeAt(secret, clock)), refusedWith('mfa_code_invalid'))
  })

  it('the code that confirmed the enrolment does not log in', async () => {
    const { email, secret } = await enrolled()
    await assert.rejects(answerCode(email, codeAt(secret, clock - STEP_MS)), refusedWith('mfa_code_invalid'))
  })

  it('drift: a code two steps away is refused at login', async () => {
    const { email, secret } = await enrolled()
    await assert.rejects(answerCode(email, codeAt(secret, clock + 2 * STEP_MS)), refusedWith('mfa_code_invalid'))
    await assert.rejects(answerCode(email, codeAt(secret, clock - 2 * STEP_MS)), refusedWith('mfa_code_invalid'))
  })

  it('each of the ten recovery codes works exactly once, with amr ["pwd", "mfa"]', async () => {
    const { email, recoveryCodes } = await enrolled()
    assert.equal(recoveryCodes.length, 10)
    for (const recoveryCode of recoveryCodes) {
      const issued = await services.mfa.answer(await mfaToken(email), { kind: 'recovery_code', recoveryCode }, FROM(1))
      assert.equal(issued.user.email, email)
    }
    for (const recoveryCode of recoveryCodes.slice(0, 3)) {
      await assert.rejects(services.mfa.answer(await mfaToken(email), { kind: 'recovery_code', recoveryCode }, FROM(1)), refusedWith('mfa_code_invalid'))
    }
  })

  it('an mfa_token expires after 5 minutes and dies after 5 wrong answers', async () => {
    const { email, secret } = await enrolled()
    const token = await mfaToken(email)
    clock += 5 * 60_000
    await assert.rejects(services.mfa.answer(token, { kind: 'code', code: codeAt(secret, clock) }, FROM(1)), refusedWith('mfa_code_invalid'))
    const second = await mfaToken(email)
    for (let i = 0; i < MFA_TOKEN_ATTEMPTS; i++) await assert.rejects(services.mfa.answer(second, { kind: 'code', code: '000000' }, FROM(1)), refusedWith('mfa_code_invalid'))
    // Dead even for the right code.
    await assert.rejects(services.mfa.answer(second, { kind: 'code', code: codeAt(secret, clock) }, FROM(1)), refusedWith('mfa_code_invalid'))
    clock += WINDOW_SECONDS * 1000 // leave the failure window for the next test
  })

  it('brute-force bound: LOGIN_FAILURE_LIMIT wrong codes per window per account, whatever the addresses and logins; then even the right code is refused', async () => {
    const { email, secret } = await enrolled()
    const windowStart = clock
    // A guesser who holds the password: new logins (fresh mfa_tokens), a new address for every login.
    let wrongAccepted = 0
    let address = 10
    for (let round = 0; round < 10 && wrongAccepted <= LIMIT; round++) {
      let token: string
      try {
        token = await mfaToken(email, FROM(address++))
      } catch {
        break
      }
      for (let i = 0; i < MFA_TOKEN_ATTEMPTS; i++) {
        try {
          await services.mfa.answer(token, { kind: 'code', code: String(100000 + wrongAccepted).padStart(6, '0') }, FROM(address - 1))
          assert.fail('a made-up code was accepted')
        } catch (error) {
          if (error instanceof AppError && error.code === 'rate_limited') break
          assert.ok(error instanceof AppError && error.code === 'mfa_code_invalid', String(error))
          wrongAccepted++
        }
      }
    }
    assert.equal(wrongAccepted, LIMIT, 'guesses checked in one window, over every address')
    // Locked: the right code from yet another address is refused too, and a right password does not reset it.
    await assert.rejects(answerCode(email, codeAt(secret, clock), FROM(200)), refusedWith('rate_limited'))
    // The window ends: the right code works again.
    clock = windowStart + WINDOW_SECONDS * 1000
    const issued = await answerCode(email, codeAt(secret, clock), FROM(201))
    assert.equal(issued.user.email, email)

    // The bound (docs/mfa.md): guesses per day against the valid codes at any instant (±1 step = 3 of 10^6).
    const windowsPerDay = 86_400 / WINDOW_SECONDS
    const guessesPerDay = wrongAccepted * windowsPerDay
    const successPerDay = 1 - (1 - 3 / 1_000_000) ** guessesPerDay
    assert.equal(guessesPerDay, 960)
    assert.ok(successPerDay < 0.003, `chance per day ${successPerDay}`)
  })

  it('a burst of concurrent guesses over many mfa_tokens gets no more than LOGIN_FAILURE_LIMIT checks', async () => {
    const { email } = await enrolled()
    clock += WINDOW_SECONDS * 1000
    // 6 logins from 6 addresses: 30 token attempts, all answered at once.
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => mfaToken(email, FROM(100 + i)).then((token) => ({ token, client: FROM(100 + i) }))))
    const answers = tokens.flatMap(({ token, client }) => Array.from({ length: MFA_TOKEN_ATTEMPTS }, (_, i) => services.mfa.answer(token, { kind: 'code', code: String(200000 + i) }, client)))
    const settled = await Promise.allSettled(answers)
    const codes = settled.map((s) => (s.status === 'rejected' && s.reason instanceof AppError ? s.reason.code : 'accepted'))
    assert.equal(codes.filter((code) => code === 'mfa_code_invalid').length, LIMIT, codes.join(' '))
    assert.equal(codes.filter((code) => code === 'rate_limited').length, tokens.length * MFA_TOKEN_ATTEMPTS - LIMIT)
    clock += WINDOW_SECONDS * 1000
  })

  it('a wrong code counts toward the same budget as a wrong password of the account from that address', async () => {
    const { email, secret } = await enrolled()
    clock += WINDOW_SECONDS * 1000
    for (let i = 0; i < LIMIT - 1; i++) await assert.rejects(services.login({ email, password: 'not the password' }, FROM(50)), refusedWith('invalid_credentials'))
    await assert.rejects(answerCode(email, '000000', FROM(50)), refusedWith('mfa_code_invalid'))
    await assert.rejects(services.login({ email, password: PASSWORD }, FROM(50)), refusedWith('rate_limited'))
    clock += WINDOW_SECONDS * 1000
    await answerCode(email, codeAt(secret, clock), FROM(50))
  })
})
