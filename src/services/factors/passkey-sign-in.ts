import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { WebAuthnSettings } from '../../config.js'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import type { PasskeyRecord } from '../../storage/passkeys.js'
import type { UserRecord } from '../../storage/users.js'
import type { LoginFailures } from '../login-failures.js'
import type { ClientInfo } from '../sessions.js'
import { userHandleOf } from './passkeys.js'
import { CHALLENGE_TTL_MS, passkeyInvalid, sha256Hex, type WebauthnChallenges } from './webauthn-challenges.js'

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
   * Verifies an assertion against a live challenge of the same kind (usernameless when `link` is
   * undefined, else that login step's). Every failure is `passkey_invalid`; once the account is
   * known a failure counts toward `LOGIN_FAILURE_LIMIT`, and past the limit even a valid
   * assertion gets 429, as a password does.
   */
  verify(credential: AuthenticationResponseJSON, client: ClientInfo, link?: MfaLink): Promise<VerifiedPasskey>
}

/** The same key as a password login's (login.ts), so a passkey and a password share one budget per account and address. */
export const accountFailureKey = (userId: string, client: ClientInfo): string => `id:${userId}|${client.ip ?? ''}`

export function createPasskeyAssertions(deps: { webauthn: WebAuthnSettings; storage: Storage; challenges: WebauthnChallenges; failures: LoginFailures; now: () => number }): PasskeyAssertions {
  const { webauthn, storage, challenges, failures, now } = deps

  /** Library and format errors are the response's fault: never a 500, always `passkey_invalid`. */
  async function checkSignature(credential: AuthenticationResponseJSON, challenge: string, passkey: PasskeyRecord) {
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

  return {
    async options(link) {
      const allowCredentials = link ? (await storage.passkeys.listByUser(link.userId)).map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })) : undefined
      const options = await generateAuthenticationOptions({ rpID: webauthn.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS, ...(allowCredentials ? { allowCredentials } : {}) })
      await challenges.remember(options.challenge, 'authentication', { userId: link?.userId ?? null, mfaTokenHash: link?.mfaTokenHash ?? null })
      return options
    },

    async verify(credential, client, link) {
      const ceremony = await challenges.consume(credential.response.clientDataJSON, 'authentication')
      // A challenge answers the kind of step it was issued for: a usernameless sign-in, or that one login step.
      if ((ceremony.mfaTokenHash ?? null) !== (link?.mfaTokenHash ?? null) || (ceremony.userId ?? null) !== (link?.userId ?? null)) {
        throw passkeyInvalid('This challenge was issued for another sign-in', link?.userId)
      }
      const passkey = await storage.passkeys.findByCredentialKey(sha256Hex(credential.id))
      // The account whose budget a failure spends: the login step's, else the credential's owner.
      const accountId = link?.userId ?? passkey?.userId
      if (accountId === undefined) throw passkeyInvalid('This passkey is not registered here')
      const key = accountFailureKey(accountId, client)
      await failures.assertAllowed(key).catch((error: unknown) => {
        throw error instanceof AppError ? new AppError(error.code, error.message, { headers: error.headers, subjectId: accountId }) : error
      })
      const fail = async (detail: string): Promise<never> => {
        await failures.recordFailure(key)
        throw passkeyInvalid(detail, accountId)
      }
      if (!passkey || passkey.userId !== accountId) return fail('This passkey does not belong to this account')
      // A discoverable credential names its account; it must be the passkey's own.
      const handle = credential.response.userHandle
      if (handle !== undefined && handle !== Buffer.from(userHandleOf(passkey.userId)).toString('base64url')) return fail('The user handle does not match the passkey')
      const info = await checkSignature(credential, ceremony.challenge, passkey)
      if (!info) return fail('The passkey response does not verify (origin, RP ID, signature, counter or user verification)')
      if (!(await storage.passkeys.recordUse(passkey.id, passkey.counter, info.newCounter, info.credentialBackedUp, now()))) return fail('The passkey was used at the same moment elsewhere')
      const user = await storage.users.findById(passkey.userId)
      if (!user) return fail('This passkey is not registered here')
      if (!user.active) throw new AppError('account_disabled', 'This account has been deactivated', { subjectId: user.id })
      await failures.clear(key)
      return { user, passkey: { ...passkey, counter: info.newCounter, lastUsedAt: now() } }
    },
  }
}
