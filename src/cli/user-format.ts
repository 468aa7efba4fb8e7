import { toUserWire, type UserWire } from '../http/schemas/user.js'
import type { UserRecord } from '../storage/users.js'
import { row } from './output.js'

/** A user as the API shows it: never the password hash. */
export function userDocument(user: UserRecord): UserWire {
  return toUserWire(user)
}

/** `id  email  username  roles  active|inactive`, tab-separated. */
export function userLine(user: UserRecord): string {
  return row(user.id, user.email, user.username, user.roles.join(','), user.active ? 'active' : 'inactive')
}
