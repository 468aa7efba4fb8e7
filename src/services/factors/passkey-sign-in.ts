import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { WebAuthnSettings } from '../../config.js'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import type { PasskeyRecord } from '../../storage/passkeys.js'
import type { UserRecord } from '../../storage/users.js'
import type { LoginFailures } from '../login-failures.js'
import { PASSWORD_AND_PASSKEY_AMR, type ClientInfo } from '../sessions.js'
import type { PasskeyAnswerVerifier } from './challenge.js'
import { userHandleOf } from './passkeys.js'
import { CHALLENGE_TTL_MS, passkeyInvalid, sha256Hex, type WebauthnChallenges } from './webauthn-challenges.js'
import { loadWebauthn } from './webauthn-library.js'

/** The login step a passkey answers instead of a code: its account and the hash of its mfa_token. */
export interface MfaLink {
  userId: string
  mfaTokenHash: string
}

/** Who a verified assertion proved to be, and with which passkey. */
export interface VerifiedPasskey {
  user: UserRecord
  passkey: PasskeyRecord
}

export interface PasskeyAssertions {
  /**
   * Request options for `navigator.credentials.get()`. Without a link: no `allowCredentials`,
   * so the browser offers the discoverable credentials of this RP (no username needed). With
   * one: only that account's passkeys, for the second-factor step.
   */
  options(link?: MfaLink): Promise<PublicKeyCredentialRequestOptionsJSON>
  /**
   * A usernameless sign-in: verifies an assertion against a live sign-in challenge. Every failure
   * is `passkey_invalid`; once the account is known (the credential is registered) a failure
   * counts toward `LOGIN_FAILURE_LIMIT`, and past the limit even a valid assertion gets 429, as
   * a password does.
   */
  verify(credential: AuthenticationResponseJSON, client: ClientInfo): Promise<VerifiedPasskey>
  /**
   * The second step of a password login (`POST /auth/mfa/challenge` with `passkey`): the
   * challenge must come from options asked with this account's mfa_token, the passkey must be
   * the account's. `passkey_invalid` otherwise; the caller counts the failure (challenge.ts).
   */
  verifyForLoginStep(user: UserRecord, credential: AuthenticationResponseJSON): Promise<VerifiedPasskey>
}

/**
 * The passkey answer of `POST /auth/mfa/challenge` (challenge.ts's PasskeyAnswerVerifier): the
 * password and a passkey of the account, amr `["pwd", "hwk"]`. A `passkey_invalid` it throws
 * is counted there as a wrong answer.
 */
export function passkeyAnswerVerifier(assertions: PasskeyAssertions): PasskeyAnswerVerifier {
  return async (user, assertion) => {
    const credential = assertion as AuthenticationResponseJSON
    await assertions.verifyForLoginStep(user, { ...credential, clientExtensionResults: credential.clientExtensionResults ?? {} })
    return PASSWORD_AND_PASSKEY_AMR
  }
}

/** The same key as a password login's (login.ts), so a passkey and a password share one budget per account and address. */
export const accountFailureKey = (userId: string, client: ClientInfo): string => `id:${userId}|${client.ip ?? ''}`

export function createPasskeyAssertions(deps: { webauthn: WebAuthnSettings; storage: Storage; challenges: WebauthnChallenges; failures: LoginFailures; now: () => number }): PasskeyAssertions {
  const { webauthn, storage, challenges, failures, now } = deps

  /** Library and format errors are the response's fault: never a 500, always `passkey_invalid`. */
  async function checkSignature(credential: AuthenticationResponseJSON, challenge: string, passkey: PasskeyRecord) {
    // Outside the try: a library that fails to load is a server fault, not a bad response.
    const { verifyAuthenticationResponse } = await loadWebauthn()
    try {
      const result = await verifyAuthenticationResponse({
        response: credential,
        expectedChallenge: challenge,
        expectedOrigin: [...webauthn.origins],
        expectedRPID: webauthn.rpId,
        credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports as never },
        requireUserVerification: true,
      })
      return result.verified ? result.authenticationInfo : undefined
    } catch {
      return undefined
    }
  }

  /** Why an assertion by this passkey does not verify, or undefined when it does (and its use is then recorded). */
  async function examine(credential: AuthenticationResponseJSON, challenge: string, passkey: PasskeyRecord): Promise<string | undefined> {
    // A discoverable credential names its account; it must be the passkey's own.
    const handle = credential.response.userHandle
    if (handle !== undefined && handle !== Buffer.from(userHandleOf(passkey.userId)).toString('base64url')) return 'The user handle does not match the passkey'
    const info = await checkSignature(credential, challenge, passkey)
    if (!info) return 'The passkey response does not verify (origin, RP ID, signature, counter or user verification)'
    if (!(await storage.passkeys.recordUse(passkey.id, passkey.counter, info.newCounter, info.credentialBackedUp, now()))) return 'The passkey was used at the same moment elsewhere'
    return undefined
  }

  return {
    async options(link) {
      const allowCredentials = link ? (await storage.passkeys.listByUser(link.userId)).map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })) : undefined
      const { generateAuthenticationOptions } = await loadWebauthn()
      const options = await generateAuthenticationOptions({ rpID: webauthn.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS, ...(allowCredentials ? { allowCredentials } : {}) })
      await challenges.remember(options.challenge, 'authentication', { userId: link?.userId ?? null, mfaTokenHash: link?.mfaTokenHash ?? null })
      return options
    },

    async verify(credential, client) {
      const ceremony = await challenges.consume(credential.response.clientDataJSON, 'authentication')
      // A sign-in challenge is one issued without a login step; one issued for a login's second step answers only that step.
      if (ceremony.mfaTokenHash !== null || ceremony.userId !== null) throw passkeyInvalid('This challenge was issued for the second step of a login: answer it at POST /auth/mfa/challenge')
      const passkey = await storage.passkeys.findByCredentialKey(sha256Hex(credential.id))
      // The account whose budget a failure spends is the credential's owner; an unknown credential has none.
      if (!passkey) throw passkeyInvalid('This passkey is not registered here')
      const key = accountFailureKey(passkey.userId, client)
      await failures.assertAllowed(key).catch((error: unknown) => {
        throw error instanceof AppError ? new AppError(error.code, error.message, { headers: error.headers, subjectId: passkey.userId }) : error
      })
      const problem = await examine(credential, ceremony.challenge, passkey)
      if (problem !== undefined) {
        await failures.recordFailure(key)
        throw passkeyInvalid(problem, passkey.userId)
      }
      const user = await storage.users.findById(passkey.userId)
      if (!user) throw passkeyInvalid('This passkey is not registered here')
      if (!user.active) throw new AppError('account_disabled', 'This account has been deactivated', { subjectId: user.id })
      await failures.clear(key)
      return { user, passkey }
    },

    async verifyForLoginStep(user, credential) {
      const ceremony = await challenges.consume(credential.response.clientDataJSON, 'authentication')
      // Only a challenge from options asked with this account's mfa_token answers its login step.
      if (ceremony.mfaTokenHash === null || ceremony.userId !== user.id) throw passkeyInvalid('This challenge was not issued for this login step', user.id)
      const passkey = await storage.passkeys.findByCredentialKey(sha256Hex(credential.id))
      if (!passkey || passkey.userId !== user.id) throw passkeyInvalid('This passkey does not belong to this account', user.id)
      const problem = await examine(credential, ceremony.challenge, passkey)
      if (problem !== undefined) throw passkeyInvalid(problem, user.id)
      return { user, passkey }
    },
  }
}
