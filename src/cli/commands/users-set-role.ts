import { auditCli, findUserByEmail, requireString, stringList, UsageError, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'
import { checkRoles } from '../validate.js'

export const usersSetRoleCommand: Command = {
  name: 'users set-role',
  summary: "Replace a user's roles",
  help: `Usage: tessera users set-role --email E (--role R ... | --none)

Replaces the user's roles with the ones given (repeat --role for several;
--none removes them all). Changed roles end the user's sessions, as in the API.
Exit code 1 with last_admin when this would leave no active admin, and with
user_not_found when no user has that email.`,
  options: { email: { type: 'string' }, role: { type: 'string', multiple: true }, none: { type: 'boolean' } },
  async run(context) {
    const { values, output } = context
    const email = requireString(values, 'email')
    const given = stringList(values, 'role')
    if (given.length === 0 && values.none !== true) throw new UsageError('missing --role (or --none to remove every role)')
    if (given.length > 0 && values.none === true) throw new UsageError('give --role or --none, not both')
    const roles = checkRoles(given)
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      const updated = await services.users.adminUpdate(user.id, { roles })
      auditCli(services, 'admin.user_updated', user.id, { fields: ['roles'] })
      output.result(userDocument(updated), [userLine(updated)])
      return 0
    })
  },
}
