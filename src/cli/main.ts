#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { ConfigError } from '../config.js'
import { AppError } from '../errors.js'
import { readEnvironment } from '../serve.js'
import { UsageError, type Command, type CommandContext, type OptionSpecs, type Values } from './command.js'
import { importCommand } from './commands/import.js'
import { keysGenerateCommand } from './commands/keys-generate.js'
import { keysListCommand } from './commands/keys-list.js'
import { keysRotateCommand } from './commands/keys-rotate.js'
import { migrateStatusCommand, migrateUpCommand } from './commands/migrate.js'
import { serveCommand } from './commands/serve.js'
import { sessionsPruneCommand } from './commands/sessions-prune.js'
import { usersCreateCommand } from './commands/users-create.js'
import { usersActivateCommand } from './commands/users-activate.js'
import { usersDeactivateCommand } from './commands/users-deactivate.js'
import { usersDeleteCommand } from './commands/users-delete.js'
import { usersListCommand } from './commands/users-list.js'
import { usersSetPasswordCommand } from './commands/users-set-password.js'
import { usersSetRoleCommand } from './commands/users-set-role.js'
import { usersShowCommand } from './commands/users-show.js'
import { usersVerifyEmailCommand } from './commands/users-verify-email.js'
import { mailTestCommand } from './commands/mail-test.js'
import { createOutput } from './output.js'

/**
 * Exit codes: 0 done; 1 the operation failed (a problem code such as
 * user_exists, last_admin or user_not_found, a bad setting, an unreachable
 * database); 2 the command line is wrong (unknown command or flag, missing flag).
 */
const EXIT_OK = 0
const EXIT_FAILED = 1
const EXIT_USAGE = 2

const COMMANDS: Command[] = [
  serveCommand,
  migrateUpCommand,
  migrateStatusCommand,
  usersCreateCommand,
  usersListCommand,
  usersShowCommand,
  usersSetPasswordCommand,
  usersSetRoleCommand,
  usersDeactivateCommand,
  usersActivateCommand,
  usersDeleteCommand,
  usersVerifyEmailCommand,
  mailTestCommand,
  keysGenerateCommand,
  keysRotateCommand,
  keysListCommand,
  sessionsPruneCommand,
  importCommand,
]

const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  'database-url': { type: 'string' },
}

const COMMON_HELP = `Common options:
  --database-url URL   use this database instead of DATABASE_URL
  --json               print one JSON document instead of lines
  -h, --help           show this help
Settings come from the environment and .env, as for the server.`

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
  return `Usage: tessera <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${COMMON_HELP}\nRun tessera <command> --help for a command's options.`
}

/** The command named by the leading words (`users create`), and the arguments after them. */
function findCommand(args: string[]): { command: Command; rest: string[] } | { unknown: string } {
  for (const words of [2, 1]) {
    const name = args.slice(0, words).join(' ')
    const command = COMMANDS.find((candidate) => candidate.name === name)
    if (command && args.slice(0, words).every((word) => !word.startsWith('-'))) return { command, rest: args.slice(words) }
  }
  const words = args.filter((arg) => !arg.startsWith('-')).slice(0, 2)
  return { unknown: words.join(' ') }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (chunk: string) => (text += chunk))
    process.stdin.once('end', () => resolve(text))
    process.stdin.once('error', reject)
  })
}

async function main(args: string[]): Promise<number | 'running'> {
  const wantsJson = args.includes('--json')
  const output = createOutput(wantsJson)
  if (args.length === 0 || ((args[0] === '--help' || args[0] === '-h' || args[0] === 'help') && args.length === 1)) {
    process[args.length === 0 ? 'stderr' : 'stdout'].write(`${overview()}\n`)
    return args.length === 0 ? EXIT_USAGE : EXIT_OK
  }

  const found = findCommand(args)
  if ('unknown' in found) {
    // A group word alone (`tessera users`) lists its commands.
    const group = COMMANDS.filter((command) => command.name.startsWith(`${found.unknown} `))
    const hint = args[0]?.startsWith('-')
      ? 'options go after the command: tessera <command> [options]'
      : group.length > 0 ? `expected one of: ${group.map((command) => command.name).join(', ')}` : 'run tessera --help for the list'
    output.problem('usage', `unknown command '${found.unknown}'; ${hint}`)
    return EXIT_USAGE
  }

  const { command, rest } = found
  let values: Values
  try {
    values = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...command.options }, strict: true, allowPositionals: false }).values
  } catch (error) {
    output.problem('usage', error instanceof Error ? error.message : String(error), [`run tessera ${command.name} --help`])
    return EXIT_USAGE
  }
  if (values.help === true) {
    process.stdout.write(`${command.help}\n\n${COMMON_HELP}\n`)
    return EXIT_OK
  }

  const databaseUrl = typeof values['database-url'] === 'string' ? values['database-url'] : undefined
  const env = databaseUrl === undefined ? readEnvironment() : { ...readEnvironment(), DATABASE_URL: databaseUrl }
  const context: CommandContext = { values, env, output, readStdin }
  try {
    return await command.run(context)
  } catch (error) {
    if (error instanceof UsageError) {
      output.problem('usage', error.message, [`run tessera ${command.name} --help`])
      return EXIT_USAGE
    }
    if (error instanceof AppError) {
      output.problem(error.code, error.message, (error.errors ?? []).map((field) => `${field.path}: ${field.message}`))
      return EXIT_FAILED
    }
    if (error instanceof ConfigError) {
      output.problem('invalid_config', error.message)
      return EXIT_FAILED
    }
    const cause = error instanceof Error && error.cause ? [`cause: ${String(error.cause)}`] : []
    output.problem('failed', error instanceof Error ? error.message : String(error), cause)
    return EXIT_FAILED
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // stdout and stderr are synchronous for files and pipes, so nothing written is lost by exiting;
    // exiting also ends the process when a driver keeps a handle open.
    if (code !== 'running') process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`tessera: failed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(EXIT_FAILED)
  },
)
