import { auditCli, findUserByEmail, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersActivateCommand: Command = {
  name: 'users activate',
  summary: 'Let a deactivated user log in again',
  help: `Usage: tessera users activate --email E

Reactivates the account, as PATCH /admin/users/{id} with {"active": true}
does: the user can log in again (sessions ended by the deactivation stay
ended). Activating an active user changes nothing. Exit code 1 with
user_not_found when no user has that email.`,
  options: { email: { type: 'string' } },
  async run(context) {
    const email = requireString(context.values, 'email')
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      if (user.active) {
        context.output.result(userDocument(user), [userLine(user)])
        return 0
      }
      const updated = await services.users.adminUpdate(user.id, { active: true })
      auditCli(services, 'admin.user_updated', user.id, { fields: ['active'] })
      context.output.result(userDocument(updated), [userLine(updated)])
      return 0
    })
  },
}
