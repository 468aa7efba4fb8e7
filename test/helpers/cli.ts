import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { promisify } from 'node:util'

/** The compiled CLI, run as `npx tessera` runs it (`npm test` builds first). */
export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js')

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `tessera …args` with only PATH and `env`, from a neutral directory; never throws on a non-zero exit. */
export async function tessera(args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: tmpdir(), timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}
