import type { Command } from '../command.js'

/** Reserved so scripts written now keep working: the importer comes with issue 8. */
export const importCommand: Command = {
  name: 'import',
  summary: 'Import users from another system (not yet available)',
  help: `Usage: tessera import

Reserved: importing users from another auth system comes with issue 8.`,
  options: {},
  async run({ output }) {
    output.problem('not_implemented', 'tessera import comes with issue 8 (migrating from other systems); it is not available yet')
    return 2
  },
}
