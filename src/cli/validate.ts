import { emailProblem, fullNameProblem, usernameProblem } from '../domain/identifiers.js'
import { AppError } from '../errors.js'
import { Role } from '../http/schemas/common.js'

// The same rules the API applies (src/domain/identifiers.ts for identifiers and names,
// the schemas for roles), so the CLI cannot create an account the API would refuse.
const ROLE = new RegExp((Role as unknown as { pattern: string }).pattern)

export function checkEmail(email: string): string {
  // The value is not echoed: it may hold control characters meant for a terminal.
  const problem = emailProblem(email)
  if (problem) throw new AppError('validation_failed', `--email ${problem}`)
  return email
}

export function checkUsername(username: string): void {
  const problem = usernameProblem(username)
  if (problem) throw new AppError('validation_failed', `--username ${problem}`)
}

export function checkFullName(fullName: string): void {
  const problem = fullNameProblem(fullName)
  if (problem) throw new AppError('validation_failed', `--full-name ${problem}`)
}

export function checkRoles(roles: string[]): string[] {
  const unique = [...new Set(roles)]
  for (const role of unique) {
    if (role.length > 32 || !ROLE.test(role)) throw new AppError('validation_failed', `--role ${role}: expected lowercase a-z, 0-9, _ : - starting with a letter`)
  }
  if (unique.length > 16) throw new AppError('validation_failed', 'at most 16 roles')
  return unique
}
