#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed on
// (e.g. `npm test -- --test-name-pattern=refresh`); file paths among them narrow the run to those
// files, on the database TESSERA_TEST_BACKEND names (sqlite by default).
//
// The whole run is three passes. First every file on SQLite (the storage conformance suite covers
// every reachable database itself). Then the files under test/ marked with the line
// `// runs-on: every-database` (their behaviour depends on storage: races, transactions, search,
// unicode, migrations; docs/testing.md) run again on PostgreSQL and on MySQL/MariaDB, each pass
// only when that server answers. The two server passes run at the same time, one file each, so
// together they keep both cores busy as the SQLite pass does. The wall time of each pass is
// printed at the end; the exit code is non-zero when any pass fails.
//
// --test-timeout also bounds each test file as a whole (node's runner treats a file as a test):
// a file that never ends, such as one whose test left a server running, is cancelled and
// reported as failed after FILE_TIMEOUT_MS, where it would otherwise hang the run until CI's limit.
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function find(dir) {
  let found = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found = found.concat(find(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

/** The marker of a test file that runs on every database (one line of its own). */
const EVERY_DATABASE = /^\/\/ runs-on: every-database\s*$/m

/**
 * The longest files (test/release: npm installs from the packed package and the production
 * recipe) took 2 to 2.5 minutes on a slow day and allow themselves 10; a hang costs at most this.
 */
const FILE_TIMEOUT_MS = 15 * 60_000

/** Files run at once per pass: one per core for the SQLite pass; the two server passes share the cores. */
const CORES = 2

function testArgs(files, concurrency) {
  return ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${FILE_TIMEOUT_MS}`, ...flags, ...files]
}

/** Runs `files` with the output on this terminal; resolves with the exit code. */
function runTests(files, { env = {}, concurrency = CORES } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, testArgs(files, concurrency), { stdio: 'inherit', env: { ...process.env, ...env } })
    child.once('close', (code) => resolve(code ?? 1))
  })
}

/**
 * Runs `files` with every output line prefixed by `label`, so two passes running at once can be
 * told apart; resolves with the exit code.
 */
function runTestsLabelled(label, files, { env = {}, concurrency = 1 } = {}) {
  return new Promise((resolve) => {
    // Piped, node's runner would default to TAP; keep the spec reporter a terminal gets.
    const reporter = flags.some((flag) => flag.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec']
    const child = spawn(process.execPath, [...reporter, ...testArgs(files, concurrency)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    for (const [stream, target] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop()
        for (const line of lines) target.write(`[${label}] ${line}\n`)
      })
      stream.on('end', () => rest && target.write(`[${label}] ${rest}\n`))
    }
    child.once('close', (code) => resolve(code ?? 1))
  })
}

/** Asks test/helpers/databases.ts (the same check the tests use) whether `backend` answers; undefined when it does. */
function unavailable(backend) {
  const probe = `import { unavailable } from './test/helpers/databases.ts'; const why = await unavailable(${JSON.stringify(backend)}); if (why) console.log(why)`
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8' })
  if (result.status !== 0) return `probe failed: ${result.stderr.trim().split('\n')[0]}`
  return result.stdout.trim() || undefined
}

/** Runs `run` and records its wall time under `label`. */
async function timed(label, run) {
  const started = Date.now()
  const code = await run()
  passes.push({ label, seconds: (Date.now() - started) / 1000, code })
  return code
}

const args = process.argv.slice(2)
const named = args.filter((arg) => arg.endsWith('.test.ts'))
const flags = args.filter((arg) => !arg.endsWith('.test.ts'))
const passes = []
const runStarted = Date.now()

if (named.length > 0) process.exit(await runTests(named))

await timed('sqlite: all tests', () => runTests([...find('src'), ...find('test')].sort()))

const marked = find('test')
  .filter((file) => EVERY_DATABASE.test(readFileSync(file, 'utf8')))
  .sort()
const servers = []
for (const [backend, label] of [['postgres', 'PostgreSQL'], ['mysql', 'MySQL/MariaDB']]) {
  const why = unavailable(backend)
  if (why) console.log(`\n# ${label}: skipped: ${why}`)
  else servers.push([backend, label])
}
if (servers.length > 0) {
  console.log(`\n# ${marked.length} files marked runs-on: every-database, on ${servers.map(([, label]) => label).join(' and ')} at once`)
  // Alone, one server pass may use both cores.
  const concurrency = servers.length === 1 ? CORES : 1
  await Promise.all(
    servers.map(([backend, label]) =>
      timed(`${label}: ${marked.length} marked files`, () => runTestsLabelled(backend, marked, { env: { TESSERA_TEST_BACKEND: backend }, concurrency })),
    ),
  )
}

console.log('\n# wall time per pass')
for (const pass of passes) console.log(`#   ${pass.label}: ${pass.seconds.toFixed(1)} s${pass.code === 0 ? '' : ' (failed)'}`)
console.log(`#   total: ${((Date.now() - runStarted) / 1000).toFixed(1)} s`)
const failed = passes.filter((pass) => pass.code !== 0)
if (failed.length > 0) console.log(`\n# failed passes: ${failed.map((pass) => pass.label).join(', ')}`)
process.exit(failed.length > 0 ? 1 : 0)
