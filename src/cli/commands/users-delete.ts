import { auditCli, findUserByEmail, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersDeleteCommand: Command = {
  name: 'users delete',
  summary: 'Delete a user and end their sessions',
  help: `Usage: tessera users delete --email E

Deletes the account, as DELETE /admin/users/{id} does: its sessions end and
running servers refuse its access tokens within REVOCATION_POLL_INTERVAL.
Prints the user that was deleted. Exit code 1 with last_admin when this is
the last active admin, and with user_not_found when no user has that email.`,
  options: { email: { type: 'string' } },
  async run(context) {
    const email = requireString(context.values, 'email')
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      // The last-admin rule is the service's, the same as over HTTP (409 last_admin there).
      await services.users.adminDelete(user.id)
      auditCli(services, 'admin.user_deleted', user.id)
      context.output.result(userDocument(user), [userLine(user)])
      return 0
    })
  },
}
