import type { Command } from '../command.js'
import { keyDocument, keyLine, withSigningKeys } from './keys-common.js'

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary: 'Add a new signing key; the old one verifies until its tokens expire',
  help: `Usage: tessera keys rotate [--json]

Adds a new signing key for JWT_ALGORITHM, active at once: running servers on
the same database sign with it within about a second. The previous key is
retired: it keeps verifying the tokens it signed until they have all expired
(ACCESS_TOKEN_TTL + JWT_LEEWAY, plus 2 s for every instance to hear of the
rotation), then it leaves the JWKS. Nobody is logged out.
Prints the new key (kid, algorithm, state, created, retired).
Refused (exit 1) when JWT_SECRET or JWT_PRIVATE_KEY_FILE pins the key; unset
it to move to keys kept in the database (see docs/keys.md).`,
  options: {},
  async run(context) {
    return withSigningKeys(context, async (keys, audit) => {
      const key = await keys.rotate()
      audit.record({ type: 'admin.key_rotated', details: { via: 'cli', kid: key.kid } })
      context.output.result(keyDocument(key), [keyLine(key)])
      return 0
    })
  },
}
