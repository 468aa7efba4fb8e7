import { auditCli, findUserByEmail, requireString, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'

export const usersVerifyEmailCommand: Command = {
  name: 'users verify-email',
  summary: 'Mark a user\'s email address as verified (or, with --unverify, not)',
  help: `Usage: tessera users verify-email --email E [--unverify]

Marks the address verified, as PATCH /admin/users/{id} with
{"email_verified": true} does: with EMAIL_VERIFICATION=required the user can
then log in without following the link. --unverify clears the mark. Exit code 1
with user_not_found when no user has that email.`,
  options: { email: { type: 'string' }, unverify: { type: 'boolean' } },
  async run(context) {
    const email = requireString(context.values, 'email')
    const verified = context.values.unverify !== true
    return withServices(context, async (services) => {
      const user = await findUserByEmail(services, email)
      const updated = user.emailVerified === verified ? user : await services.users.adminUpdate(user.id, { emailVerified: verified })
      if (updated !== user) auditCli(services, 'admin.user_updated', user.id, { fields: ['email_verified'] })
      context.output.result(userDocument(updated), [userLine(updated)])
      return 0
    })
  },
}
