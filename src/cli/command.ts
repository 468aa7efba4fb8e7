import type { ParseArgsConfig } from 'node:util'
import { loadConfig, type Config } from '../config.js'
import { AppError } from '../errors.js'
import { createServices, type ServiceDeps, type Services } from '../services/index.js'
import { normalizeEmail } from '../domain/identifiers.js'
import { openStorage, type Storage } from '../storage/index.js'
import type { UserRecord } from '../storage/users.js'
import type { Environment } from '../serve.js'
import type { Output } from './output.js'

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

/** One `tessera` command; one file each under `commands/`. */
export interface Command {
  /** The words that select it: `users create`. */
  name: string
  summary: string
  /** The synopsis and option list printed by `--help` (the common options are added). */
  help: string
  options: OptionSpecs
  /** Exit code, or `'running'` when the command keeps the process alive (serve). */
  run(context: CommandContext): Promise<number | 'running'>
}

export interface CommandContext {
  values: Values
  /** The environment with `.env` applied and `--database-url` over DATABASE_URL. */
  env: Environment
  output: Output
  /** Standard input, read once (for `--password-stdin`). */
  readStdin(): Promise<string>
  /** The argon2id cost of new hashes; unset (OWASP's) except when a test runs the CLI in-process. */
  passwordHashCost?: ServiceDeps['passwordHashCost']
}

/** Wrong use of the command line: exit code 2 and the usage hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

export function requireString(values: Values, name: string): string {
  const value = stringValue(values, name)
  if (value === undefined || value === '') throw new UsageError(`missing --${name}`)
  return value
}

export function stringList(values: Values, name: string): string[] {
  const value = values[name]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** A whole number within bounds, or a usage error naming the flag. */
export function integerValue(values: Values, name: string, fallback: number, min: number, max: number): number {
  const raw = stringValue(values, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
  return value
}

/**
 * `--password P` or `--password-stdin` (exactly one), so a password need not
 * sit in shell history or `ps` output. One trailing newline from stdin is dropped.
 */
export async function readPassword(context: CommandContext): Promise<string> {
  const inline = stringValue(context.values, 'password')
  const fromStdin = context.values['password-stdin'] === true
  if (inline !== undefined && fromStdin) throw new UsageError('give --password or --password-stdin, not both')
  if (inline !== undefined) return inline
  if (!fromStdin) throw new UsageError('missing --password (or --password-stdin)')
  return (await context.readStdin()).replace(/\r?\n$/, '')
}

export const PASSWORD_OPTIONS: OptionSpecs = {
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
}

/** Loads settings exactly as the server does; a bad one throws ConfigError. */
export function configFrom(context: CommandContext): Readonly<Config> {
  return loadConfig(context.env)
}

/** Opens storage without migrating, for `migrate`, and always closes it. */
export async function withStorage<T>(context: CommandContext, work: (storage: Storage, config: Readonly<Config>) => Promise<T>): Promise<T> {
  const config = configFrom(context)
  const storage = await openStorage(config.databaseUrl, { ...config, migrate: false })
  try {
    return await work(storage, config)
  } finally {
    await storage.close()
  }
}

/**
 * The services the HTTP API uses, over storage opened (and migrated) as the
 * server opens it; stopped and closed afterwards whatever happens.
 */
export async function withServices<T>(context: CommandContext, work: (services: Services) => Promise<T>): Promise<T> {
  const config = configFrom(context)
  const storage = await openStorage(config.databaseUrl, config)
  let services: Services | undefined
  try {
    services = await createServices(config, storage, { passwordHashCost: context.passwordHashCost })
    return await work(services)
  } finally {
    await services?.stop()
    await storage.close()
  }
}

/**
 * Records an operator's change in the audit log, as the HTTP admin routes do;
 * `via: 'cli'` says it came from the command line (there is no actor account).
 * The services' stop() writes it before the command exits.
 */
export function auditCli(services: Services, type: string, targetId: string, details: Record<string, unknown> = {}): void {
  services.audit.record({ type, targetId, details: { via: 'cli', ...details } })
}

/** Operators name users by email; the services take ids. */
export async function findUserByEmail(services: Services, email: string): Promise<UserRecord> {
  const user = await services.storage.users.findByEmail(normalizeEmail(email))
  if (!user) throw new AppError('user_not_found', `No user has the email ${normalizeEmail(email)}`)
  return user
}
