import { auditCli, PASSWORD_OPTIONS, readPassword, requireString, stringList, stringValue, UsageError, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'
import { checkEmail, checkFullName, checkRoles, checkUsername } from '../validate.js'

export const usersCreateCommand: Command = {
  name: 'users create',
  summary: 'Create a user',
  help: `Usage: tessera users create --email E (--password P | --password-stdin)
                           [--username U] [--full-name N] [--role R ...] [--inactive]

Creates a user as POST /admin/users does and prints it (never the password).
  --role R        give the role R; repeat for several (e.g. --role admin)
  --inactive      create the account deactivated
Exit code 1 with user_exists when the email or username is taken.`,
  options: {
    email: { type: 'string' },
    ...PASSWORD_OPTIONS,
    username: { type: 'string' },
    'full-name': { type: 'string' },
    role: { type: 'string', multiple: true },
    inactive: { type: 'boolean' },
  },
  async run(context) {
    const { values, output } = context
    const email = checkEmail(requireString(values, 'email'))
    const username = stringValue(values, 'username')
    if (username !== undefined) checkUsername(username)
    const fullName = stringValue(values, 'full-name')
    if (fullName !== undefined) checkFullName(fullName)
    const roles = checkRoles(stringList(values, 'role'))
    const password = await readPassword(context)
    if (password === '') throw new UsageError('the password is empty')
    return withServices(context, async (services) => {
      const user = await services.users.adminCreate({ email, password, username, fullName, roles, active: values.inactive !== true })
      auditCli(services, 'admin.user_created', user.id)
      output.result(userDocument(user), [userLine(user)])
      return 0
    })
  },
}
