import { auditCli, findUserByEmail, PASSWORD_OPTIONS, readPassword, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersSetPasswordCommand: Command = {
  name: 'users set-password',
  summary: "Set a user's password and end their sessions",
  help: `Usage: tessera users set-password --email E (--password P | --password-stdin)

Sets the password as PATCH /admin/users/{id} does: every session of the user
ends and their access tokens stop working.
  --password-stdin   read the password from standard input (keeps it out of shell history)
Exit code 1 with user_not_found when no user has that email.`,
  options: { email: { type: 'string' }, ...PASSWORD_OPTIONS },
  async run(context) {
    const email = requireString(context.values, 'email')
    const password = await readPassword(context)
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      const updated = await services.users.adminUpdate(user.id, { password })
      auditCli(services, 'admin.user_updated', user.id, { fields: ['password'] })
      context.output.result(userDocument(updated), [userLine(updated)])
      return 0
    })
  },
}
