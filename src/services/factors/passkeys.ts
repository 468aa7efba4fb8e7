import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { v7 as uuidv7 } from 'uuid'
import type { WebAuthnSettings } from '../../config.js'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import { createPasskeyQueries, DuplicateCredential, type PasskeyRecord } from '../../storage/passkeys.js'
import type { UserRecord } from '../../storage/users.js'
import { defaultPasskeyName } from './passkey-names.js'
import { notifySecurityEvent } from './passkey-notices.js'
import { CHALLENGE_TTL_MS, passkeyInvalid, sha256Hex, type WebauthnChallenges } from './webauthn-challenges.js'
import { loadWebauthn } from './webauthn-library.js'

/** Registering, listing, renaming and removing a user's passkeys (docs/passkeys.md). */
export interface Passkeys {
  /** Creation options for `navigator.credentials.create()`: a discoverable credential, user verification required, none of the user's own again. */
  registrationOptions(user: UserRecord): Promise<PublicKeyCredentialCreationOptionsJSON>
  /** Verifies the browser's response to those options and stores the passkey; the user is told by mail. */
  register(user: UserRecord, credential: RegistrationResponseJSON, name?: string): Promise<PasskeyRecord>
  list(userId: string): Promise<PasskeyRecord[]>
  /** Another user's passkey id is `not_found`, as an unknown one is. */
  rename(userId: string, id: string, name: string): Promise<PasskeyRecord>
  /** Removes one of the user's passkeys and tells the user by mail. */
  remove(user: UserRecord, id: string): Promise<PasskeyRecord>
  count(userId: string): Promise<number>
  /** Every passkey of the user goes (admin reset, account deletion); how many there were. */
  removeAll(userId: string): Promise<number>
}

/** The WebAuthn user handle: the Tessera user id (a UUID, so no personal data reaches the authenticator's handle). */
export const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(userId)

export function createPasskeys(deps: { webauthn: WebAuthnSettings; storage: Storage; challenges: WebauthnChallenges; now: () => number }): Passkeys {
  const { webauthn, storage, challenges, now } = deps

  async function findOwn(userId: string, id: string): Promise<PasskeyRecord> {
    const passkey = (await storage.passkeys.listByUser(userId)).find((candidate) => candidate.id === id)
    if (!passkey) throw new AppError('not_found', 'You have no passkey with this id')
    return passkey
  }

  return {
    async registrationOptions(user) {
      const existing = await storage.passkeys.listByUser(user.id)
      const userName = user.email ?? user.username ?? user.id
      const { generateRegistrationOptions } = await loadWebauthn()
      const options = await generateRegistrationOptions({
        rpName: webauthn.rpName,
        rpID: webauthn.rpId,
        userID: userHandleOf(user.id),
        userName,
        userDisplayName: user.fullName ?? userName,
        timeout: CHALLENGE_TTL_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      })
      await challenges.remember(options.challenge, 'registration', { userId: user.id, mfaTokenHash: null })
      return options
    },

    async register(user, credential, name) {
      const ceremony = await challenges.consume(credential.response.clientDataJSON, 'registration')
      // A challenge is bound to the account it was issued to: another account's is as good as none.
      if (ceremony.userId !== user.id) throw passkeyInvalid('This challenge was issued to another account', user.id)
      // Outside the try: a library that fails to load is a server fault, not a bad registration.
      const { verifyRegistrationResponse } = await loadWebauthn()
      let verification
      try {
        verification = await verifyRegistrationResponse({
          response: credential,
          expectedChallenge: ceremony.challenge,
          expectedOrigin: [...webauthn.origins],
          expectedRPID: webauthn.rpId,
          requireUserVerification: true,
        })
      } catch (error) {
        throw new AppError('passkey_invalid', `The registration does not verify: ${(error as Error).message}`, { cause: error, subjectId: user.id })
      }
      if (!verification.verified) throw passkeyInvalid('The registration does not verify', user.id)
      const info = verification.registrationInfo
      const at = now()
      const passkey: PasskeyRecord = {
        id: uuidv7(),
        userId: user.id,
        credentialKey: sha256Hex(info.credential.id),
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: info.credential.transports ?? credential.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name: name ?? defaultPasskeyName(info.aaguid, at),
        createdAt: at,
        lastUsedAt: null,
      }
      try {
        // The passkey and its notice mail commit together (the outbox's rule, issue 16).
        await storage.db.transaction().execute(async (trx) => {
          await createPasskeyQueries(trx).insert(passkey)
          await notifySecurityEvent(trx, { kind: 'passkey_added', user, passkeyName: passkey.name, at })
        })
      } catch (error) {
        if (error instanceof DuplicateCredential) throw passkeyInvalid('This passkey is already registered', user.id)
        throw error
      }
      return passkey
    },

    list: (userId) => storage.passkeys.listByUser(userId),

    async rename(userId, id, name) {
      const passkey = await findOwn(userId, id)
      if (!(await storage.passkeys.rename(userId, id, name))) throw new AppError('not_found', 'You have no passkey with this id')
      return { ...passkey, name }
    },

    async remove(user, id) {
      const passkey = await findOwn(user.id, id)
      await storage.db.transaction().execute(async (trx) => {
        if (!(await createPasskeyQueries(trx).remove(user.id, id))) throw new AppError('not_found', 'You have no passkey with this id')
        await notifySecurityEvent(trx, { kind: 'passkey_removed', user, passkeyName: passkey.name, at: now() })
      })
      return passkey
    },

    count: (userId) => storage.passkeys.countByUser(userId),
    removeAll: (userId) => storage.passkeys.removeAll(userId),
  }
}
