import { Type } from 'typebox'
import type { IssuedTokens } from '../../services/sessions.js'
import { toUserWire, UserRef } from './user.js'

/** RFC 6749 §5.1 token response, plus the user. */
export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
    refresh_token: Type.String(),
    user: UserRef,
    mfa_enrollment_required: Type.Optional(
      Type.Literal(true, { description: 'MFA policy: this account must enrol a second factor; the token only allows the /auth/mfa/totp routes, GET /auth/me and logout' }),
    ),
    password_change_required: Type.Optional(
      Type.Boolean({ description: 'Present (true) only when the password just used is below the password policy (an imported legacy password): ask the user for a new one' }),
    ),
  },
  { $id: 'TokenResponse' },
)

export const TokenResponseRef = Type.Unsafe({ $ref: 'TokenResponse#' })

export function toTokenResponse(issued: IssuedTokens) {
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer' as const,
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    user: toUserWire(issued.user),
    ...(issued.mfaEnrollmentRequired ? { mfa_enrollment_required: true as const } : {}),
    ...(issued.passwordChangeRequired ? { password_change_required: true } : {}),
  }
}
