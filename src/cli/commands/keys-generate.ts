import type { Command } from '../command.js'
import { keyDocument, keyLine, withSigningKeys } from './keys-common.js'

export const keysGenerateCommand: Command = {
  name: 'keys generate',
  summary: 'Create the first signing key if there is none',
  help: `Usage: tessera keys generate [--json]

Creates a signing key for JWT_ALGORITHM in the database when none is active,
and prints the active key (kid, algorithm, state, created, retired). Running
it again changes nothing (exit 0). The server does the same on its first
start; this is for preparing a database before any server runs.
With KEY_ENCRYPTION_SECRET set, the private key is stored encrypted.
Refused (exit 1) when JWT_SECRET or JWT_PRIVATE_KEY_FILE pins the key.
With --json: { created: true|false, key: {...} }.`,
  options: {},
  async run(context) {
    return withSigningKeys(context, async (keys) => {
      const { created, key } = await keys.generate()
      context.output.result({ created, key: keyDocument(key) }, [keyLine(key)])
      return 0
    })
  },
}
