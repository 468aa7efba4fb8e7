import { findUserByEmail, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersShowCommand: Command = {
  name: 'users show',
  summary: 'Print one user',
  help: `Usage: tessera users show --email E [--json]

Prints the user as one line (id, email, username, roles, active|inactive,
tab-separated) or, with --json, as GET /admin/users/{id} answers, with
created_at, updated_at and last_login_at. Never a password hash.
Exit code 1 with user_not_found when no user has that email.`,
  options: { email: { type: 'string' } },
  async run(context) {
    const email = requireString(context.values, 'email')
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      context.output.result(userDocument(user), [userLine(user)])
      return 0
    })
  },
}
