import type { MfaPolicy } from '../../config.js'
import type { UserRecord } from '../../storage/users.js'

const ADMIN_ROLE = 'admin'

/** `MFA`: whether this account must have a second factor (checked at each login and registration). */
export function mustHaveSecondFactor(policy: MfaPolicy, user: Pick<UserRecord, 'roles'>): boolean {
  if (policy === 'required') return true
  return policy === 'required_for_admins' && user.roles.includes(ADMIN_ROLE)
}

/** A second factor a login can be asked for: TOTP, or (the passkeys branch answers it) a passkey. */
export function hasSecondFactor(user: Pick<UserRecord, 'mfa'>): boolean {
  return user.mfa.totp || user.mfa.passkeys > 0
}
