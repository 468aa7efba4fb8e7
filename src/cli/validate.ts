import { AppError } from '../errors.js'
import { Role, Username } from '../http/schemas/common.js'

// The same rules the API's schemas apply (src/http/schemas/common.ts), so the CLI
// cannot create an account the API would refuse to accept back.
const patternOf = (schema: object) => new RegExp((schema as { pattern: string }).pattern)
const USERNAME = patternOf(Username)
const ROLE = patternOf(Role)
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/

export function checkEmail(email: string): string {
  if (!EMAIL.test(email.trim()) || email.trim().length > 254) throw new AppError('validation_failed', `--email is not an email address: ${email}`)
  return email
}

export function checkUsername(username: string): void {
  if (username.length < 3 || username.length > 32 || !USERNAME.test(username)) {
    throw new AppError('validation_failed', '--username must be 3 to 32 letters, digits, _ . - (not starting with . or -)')
  }
}

export function checkRoles(roles: string[]): string[] {
  const unique = [...new Set(roles)]
  for (const role of unique) {
    if (role.length > 32 || !ROLE.test(role)) throw new AppError('validation_failed', `--role ${role}: expected lowercase a-z, 0-9, _ : - starting with a letter`)
  }
  if (unique.length > 16) throw new AppError('validation_failed', 'at most 16 roles')
  return unique
}
