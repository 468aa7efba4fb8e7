import type { Command } from '../command.js'
import { keyDocument, keyLine, withSigningKeys } from './keys-common.js'

export const keysListCommand: Command = {
  name: 'keys list',
  summary: 'List signing keys and their state',
  help: `Usage: tessera keys list [--json]

Prints one line per signing key, oldest first: kid, algorithm, state, created,
retired (tab-separated). The state is "active" (signs new tokens), "retired
until <time>" (verifies the tokens it signed until they have all expired) or
"expired" (verifies nothing; deleted by the server within a minute).
With JWT_SECRET or JWT_PRIVATE_KEY_FILE set, shows that pinned key alone.
With --json, prints { data: [...] } as GET /admin/keys does.`,
  options: {},
  async run(context) {
    return withSigningKeys(context, async (keys) => {
      const list = await keys.list()
      context.output.result({ data: list.map(keyDocument) }, list.map(keyLine))
      return 0
    })
  },
}
