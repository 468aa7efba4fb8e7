import { auditCli, findUserByEmail, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersDeactivateCommand: Command = {
  name: 'users deactivate',
  summary: 'Deactivate a user and end their sessions',
  help: `Usage: tessera users deactivate --email E

Deactivates the account: it can no longer log in, its sessions end, and
running servers refuse its access tokens within REVOCATION_POLL_INTERVAL.
Exit code 1 with last_admin when this is the last active admin, and with
user_not_found when no user has that email.`,
  options: { email: { type: 'string' } },
  async run(context) {
    const email = requireString(context.values, 'email')
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      const updated = await services.users.adminUpdate(user.id, { active: false })
      auditCli(services, 'admin.user_updated', user.id, { fields: ['active'] })
      context.output.result(userDocument(updated), [userLine(updated)])
      return 0
    })
  },
}
