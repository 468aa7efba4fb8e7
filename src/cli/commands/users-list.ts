import { integerValue, stringValue, UsageError, withServices, type Command } from '../command.js'
import { userDocument, userLine } from '../user-format.js'
import { checkRoles } from '../validate.js'

export const usersListCommand: Command = {
  name: 'users list',
  summary: 'List users, with filters and pages',
  help: `Usage: tessera users list [--q TEXT] [--role R] [--active true|false]
                         [--page N] [--per-page N] [--json]

Prints one line per user: id, email, username, roles (comma-separated),
active|inactive, tab-separated, oldest first. With --json, prints the same
document as GET /admin/users: { data, page, per_page, total }.
  --q TEXT        substring of the email, username or full name
  --page N        page number, from 1 (default 1)
  --per-page N    users per page, 1 to 100 (default 20)`,
  options: {
    q: { type: 'string' },
    role: { type: 'string' },
    active: { type: 'string' },
    page: { type: 'string' },
    'per-page': { type: 'string' },
  },
  async run(context) {
    const { values, output } = context
    const page = integerValue(values, 'page', 1, 1, 1_000_000)
    const perPage = integerValue(values, 'per-page', 20, 1, 100)
    const activeFlag = stringValue(values, 'active')
    if (activeFlag !== undefined && activeFlag !== 'true' && activeFlag !== 'false') throw new UsageError('--active must be true or false')
    const active = activeFlag === undefined ? undefined : activeFlag === 'true'
    const role = stringValue(values, 'role')
    if (role !== undefined) checkRoles([role])
    const q = stringValue(values, 'q') || undefined
    return withServices(context, async (services) => {
      const { users, total } = await services.users.list({ q, role, active, limit: perPage, offset: (page - 1) * perPage })
      output.result({ data: users.map(userDocument), page, per_page: perPage, total }, users.map(userLine))
      return 0
    })
  },
}
