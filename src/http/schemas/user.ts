import { Type, type Static } from 'typebox'
import type { UserRecord } from '../../storage/users.js'
import { Email, FullName, Roles, Timestamp, Username, Uuid } from './common.js'

/** The public shape of a user (API.md): never a password or hash. */
export const User = Type.Object(
  {
    id: Uuid,
    // A plain string, not Email: the serializer picks a union branch by validating, and Email's format would refuse stored non-Latin addresses.
    email: Type.Union([Type.String(), Type.Null()], { description: 'The address; null only for accounts imported without one (they log in by username)' }),
    email_verified: Type.Boolean({ description: 'The address was proven by a link (or set by an admin)' }),
    pending_email: Type.Union([Type.String(), Type.Null()], { description: 'An address change waiting for its confirmation link' }),
    username: Type.Union([Type.String(), Type.Null()]),
    full_name: Type.Union([Type.String(), Type.Null()]),
    locale: Type.Union([Type.String(), Type.Null()], { description: 'The language of the account\'s mails (en, pt-BR, zh-CN, ja, ko); null: English' }),
    roles: Type.Array(Type.String()),
    active: Type.Boolean(),
    mfa: Type.Object(
      { totp: Type.Boolean({ description: 'TOTP is enabled (confirmed)' }), passkeys: Type.Integer({ minimum: 0, description: 'Passkeys registered' }) },
      { description: 'Second factors (docs/mfa.md)' },
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
    last_login_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'User' },
)
export type UserWire = Static<typeof User>

export const UserRef = Type.Unsafe<UserWire>({ $ref: 'User#' })

export const NullableUsername = Type.Union([Username, Type.Null()])
export const NullableFullName = Type.Union([FullName, Type.Null()])

export function toUserWire(user: UserRecord): UserWire {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    pending_email: user.pendingEmail,
    username: user.username,
    full_name: user.fullName,
    locale: user.locale,
    roles: user.roles,
    active: user.active,
    mfa: { totp: user.mfa.totp, passkeys: user.mfa.passkeys },
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
    last_login_at: user.lastLoginAt === null ? null : new Date(user.lastLoginAt).toISOString(),
  }
}

export { Email, FullName, Roles, Username }
