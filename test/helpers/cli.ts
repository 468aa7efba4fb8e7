import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { runCli } from '../../src/cli/run.js'
import { TEST_HASH_COST } from './server.js'
import { ROOT } from './paths.js'

/** The compiled CLI, run as `npx tessera` runs it (`npm test` builds first). */
export const CLI = resolve(ROOT, 'dist/cli/main.js')

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `tessera …args` as a process, with only PATH and `env`, from a neutral directory; never
 * throws on a non-zero exit. Only for tests whose subject is the process (the bin, its exit, .env
 * in its working directory, a second process beside a running server); others use `runTessera`.
 */
export async function tessera(args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: tmpdir(), timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/**
 * Runs `tessera …args` inside the test process through `runCli` (what the bin runs), with `env`
 * as the whole environment (no `.env`, no process.env) and `stdin` as standard input.
 * The same parsing, commands, output and exit codes as the process, without a node start per call;
 * new hashes at TEST_HASH_COST, as the in-process server makes them (the bin keeps OWASP's).
 */
export async function runTessera(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: async () => stdin,
    passwordHashCost: TEST_HASH_COST,
  })
  if (code === 'running') throw new Error(`tessera ${args.join(' ')} keeps running: spawn it instead`)
  return { code, stdout, stderr }
}
