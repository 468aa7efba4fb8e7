// Shared by the release tests: a clean checkout to start from, running npm to its end, and
// waiting for a started server's "tessera listening" line.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT } from '../helpers/paths.js'

export { ROOT }
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/**
 * Copies the repository into `target` as a fresh clone would have it: the files git tracks, plus
 * new files not yet committed and not ignored, without dist/ or node_modules/. A package that only
 * works because this work tree happens to hold a build in dist/ fails from there.
 */
export function copyCleanCheckout(target: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  for (const path of listed.split('\0')) {
    // A tracked file deleted in the work tree is still listed by --cached.
    if (path === '' || !existsSync(join(ROOT, path))) continue
    mkdirSync(dirname(join(target, path)), { recursive: true })
    copyFileSync(join(ROOT, path), join(target, path))
  }
}

/** Runs a command to its end; its stdout and stderr together, or an error holding both when it fails. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number }): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeout ?? 300_000,
  })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${output}`)
  return output
}

export interface Listening {
  url: string
  /** The pid of the node process that logged the line (pino puts it in every line). */
  pid: number
  /** Every line the process has written so far, and those it writes later. */
  output: string[]
}

/** Resolves when `child` logs the `"tessera listening"` line; rejects if it exits first. */
export function waitForListening(child: ChildProcess): Promise<Listening> {
  return new Promise((resolveListening, reject) => {
    const output: string[] = []
    let pending = ''
    let found = false
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      output.push(...lines)
      const line = lines.find((candidate) => candidate.includes('"tessera listening"'))
      if (line && !found) {
        found = true
        const { url, pid } = JSON.parse(line) as { url: string; pid: number }
        resolveListening({ url, pid, output })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code, signal) => {
      if (!found) reject(new Error(`exited with ${code ?? signal} before listening:\n${output.join('\n')}${pending}`))
    })
  })
}

/** Whether a process with this pid exists (a zombie counts; ours are reaped by the time we ask). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Environment that lets an install reuse the better-sqlite3 binary this work tree already built.
 * On a machine that reaches GitHub, better-sqlite3's install script (prebuild-install) downloads
 * a prebuilt binary; where it cannot, it compiles SQLite from source, minutes of both CPU cores.
 * prebuild-install first looks in its "local prebuilds" directory for the very file it would
 * download: this packs ours there under that name. Without a built binary here, the install compiles.
 */
export function reuseBuiltSqlite(dir: string): NodeJS.ProcessEnv {
  const packageDir = join(ROOT, 'node_modules/better-sqlite3')
  if (!existsSync(join(packageDir, 'build/Release/better_sqlite3.node'))) return {}
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }
  mkdirSync(dir, { recursive: true })
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  execFileSync('tar', ['-czf', join(dir, name), '-C', packageDir, 'build/Release/better_sqlite3.node'])
  return { npm_config_better_sqlite3_local_prebuilds: dir }
}
