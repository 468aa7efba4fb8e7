import { v7 as uuidv7 } from 'uuid'
import type { Config } from '../../config.js'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import type { UserRecord } from '../../storage/users.js'
import { deletePasskeys } from '../../storage/passkeys-count.js'
import type { AccountMail } from '../account-mail.js'
import type { FactorSecrets } from './factor-secrets.js'
import { hashRecoveryCode, newRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js'
import { matchTotpStep, newTotpSecret, totpQrSvg, totpUri } from './totp.js'

export interface TotpEnrolmentStart {
  secret: string
  otpauthUri: string
  qrSvg: string
}

/**
 * A signed-in user's own TOTP factor: start an enrolment, confirm it with a first code (which
 * enables it and hands out the recovery codes), remove it, replace the recovery codes. The
 * routes check `fresh` where the contract asks; this file decides everything else.
 */
export function createTotpEnrolment(deps: { config: Config; storage: Storage; secrets: FactorSecrets; mail: AccountMail; now: () => number }) {
  const { config, storage, secrets, mail, now } = deps

  /** The notice mail of a change, written to the outbox in the change's own transaction (issue 16). */
  const notice = (user: UserRecord, kind: 'totp_enabled' | 'totp_disabled' | 'recovery_codes_replaced' | 'mfa_reset_by_admin') => (trx: Parameters<AccountMail['notice']>[0]) =>
    mail.notice(trx, user, kind)

  /** Confirmation is a form of a signed-in user: a wrong code is 400 there, not the login's 401. */
  const confirmationRefused = (detail: string) => new AppError('mfa_code_invalid', detail, { status: 400 })
  const alreadyEnabled = () => new AppError('mfa_already_enabled', 'TOTP is already enabled; remove it first (DELETE /auth/mfa/totp)')

  /** Ten new codes: the plain codes for the user (once), the hashes and ids for storage. */
  function newRecoveryCodes() {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
    return { codes, hashes: codes.map(hashRecoveryCode), ids: codes.map(() => uuidv7()) }
  }

  return {
    /** Starts (or restarts) an enrolment; a confirmed factor stays until it is removed. */
    async start(user: UserRecord): Promise<TotpEnrolmentStart> {
      if (user.mfa.totp) throw alreadyEnabled()
      const secret = newTotpSecret()
      if (!(await storage.mfaFactors.startTotp(user.id, await secrets.seal(user.id, secret), now()))) throw alreadyEnabled()
      const otpauthUri = totpUri(secret, user.email ?? user.username ?? user.id, config.mfaIssuer)
      return { secret, otpauthUri, qrSvg: await totpQrSvg(otpauthUri) }
    },

    /** Enables TOTP with a first code (which is then used: it does not work again at login); the recovery codes, shown once. */
    async confirm(user: UserRecord, code: string): Promise<string[]> {
      const factor = await storage.mfaFactors.findTotp(user.id)
      if (!factor) throw confirmationRefused('No TOTP enrolment is waiting for confirmation; start one with POST /auth/mfa/totp')
      if (factor.confirmed) throw alreadyEnabled()
      const step = matchTotpStep(await secrets.open(user.id, factor.sealedSecret), code, now())
      if (step === null) throw confirmationRefused('The code is not valid for this enrolment')
      const recovery = newRecoveryCodes()
      // One transaction: the step is claimed, the factor confirmed and the codes stored, or nothing is.
      const claimed = await storage.mfaFactors.claimTotpStep(user.id, step, now(), { codeHashes: recovery.hashes, ids: recovery.ids, within: notice(user, 'totp_enabled') })
      if (!claimed) throw confirmationRefused('The code was already used, or the enrolment changed meanwhile')
      return recovery.codes
    },

    /** Removes TOTP and its recovery codes; pending logins waiting for a code die with it. */
    async remove(user: UserRecord): Promise<void> {
      if (!(await storage.mfaFactors.deleteFactors(user.id, notice(user, 'totp_disabled')))) throw new AppError('not_found', 'TOTP is not enabled on this account')
    },

    /** Replaces every recovery code (used or not) with ten new ones. */
    async replaceRecoveryCodes(user: UserRecord): Promise<string[]> {
      const recovery = newRecoveryCodes()
      if (!(await storage.mfaFactors.replaceRecoveryCodes(user.id, recovery.ids, recovery.hashes, now(), notice(user, 'recovery_codes_replaced')))) {
        throw new AppError('not_found', 'TOTP is not enabled on this account; recovery codes come with it')
      }
      return recovery.codes
    },

    /** The admin reset: every TOTP factor, recovery code and passkey of the account. */
    async resetByAdmin(user: UserRecord): Promise<{ totp: boolean; passkeys: number }> {
      let passkeys = 0
      // One transaction: factors, passkeys, pending logins and the notice mail.
      const totp = await storage.mfaFactors.deleteFactors(
        user.id,
        async (trx) => {
          passkeys = await deletePasskeys(trx, user.id)
          await mail.notice(trx, user, 'mfa_reset_by_admin')
        },
        true,
      )
      return { totp, passkeys }
    },
  }
}

export type TotpEnrolment = ReturnType<typeof createTotpEnrolment>
