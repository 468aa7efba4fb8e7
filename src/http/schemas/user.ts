import { Type, type Static } from 'typebox'
import type { UserRecord } from '../../storage/users.js'
import { Email, FullName, Roles, Timestamp, Username, Uuid } from './common.js'

/** The public shape of a user (API.md): never a password or hash. */
export const User = Type.Object(
  {
    id: Uuid,
    // A plain string, not Email: the serializer picks a union branch by validating, and Email's format would refuse stored non-Latin addresses.
    email: Type.Union([Type.String(), Type.Null()], { description: 'The address; null only for accounts imported without one (they log in by username)' }),
    username: Type.Union([Type.String(), Type.Null()]),
    full_name: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Type.String()),
    active: Type.Boolean(),
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
    username: user.username,
    full_name: user.fullName,
    roles: user.roles,
    active: user.active,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
    last_login_at: user.lastLoginAt === null ? null : new Date(user.lastLoginAt).toISOString(),
  }
}

export { Email, FullName, Roles, Username }
