#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner. Node 20's --test takes no
// globs, so the files are listed here. Extra arguments are passed on (e.g. `npm test --
// --test-name-pattern=refresh`); file paths among them narrow the run to those files, on the
// database TESSERA_TEST_BACKEND names (sqlite by default).
//
// The whole run executes the tests as JavaScript that `npm run typecheck` (npm test's pretest)
// compiled into .test-build/ (tsconfig.test.json): plain `node --test .test-build/<file>.js`.
// Through tsx every module a job imports, node_modules included, passes tsx's off-thread hooks:
// about 1.3 CPU-s more per job, times some 160 jobs on 2 cores (docs/testing.md). Named files
// still run their .ts through tsx: no compile step (an incremental tsc costs more than tsx does
// for one file), and always the source as it is now.
//
// The whole run is one queue of jobs, a job being one file on one database: every file on SQLite
// (the storage conformance suite covers every reachable database itself), and the files under
// test/ marked with the line `// runs-on: every-database` (their behaviour depends on storage:
// races, transactions, search, unicode, migrations; docs/testing.md) again on PostgreSQL and on
// MySQL/MariaDB, each only when that server answers. CORES jobs run at once, the longest first
// (the durations of the last run, kept in node_modules/.cache; on a first run those of
// scripts/test-durations.json), so no core idles at the end behind one long file, and the server databases' jobs fill
// the gaps of SQLite's instead of waiting for all of them. Every test gets its own port, data
// directory and database (test/helpers), which is what makes any two jobs safe side by side.
// Each job's output is printed when it ends, whole; at the end come the wall time of each
// database's jobs, the slowest files, and the failed ones. The exit code is non-zero when any
// job fails.
//
// --test-timeout also bounds each test file as a whole (node's runner treats a file as a test):
// a file that never ends, such as one whose test left a server running, is cancelled and
// reported as failed after FILE_TIMEOUT_MS, where it would otherwise hang the run until CI's limit.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

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

/** The longest files (test/release: npm installs from the packed package and the production recipe) allow themselves 10 minutes; a hang costs at most this. */
const FILE_TIMEOUT_MS = 15 * 60_000

/** Jobs run at once: one per core, unless TESSERA_TEST_JOBS says otherwise. */
const CORES = Number(process.env.TESSERA_TEST_JOBS) || 2

/** Where each job's duration is kept for the next run's order. */
const DURATIONS_FILE = 'node_modules/.cache/tessera-tests/durations.json'

/**
 * The order a fresh clone starts from: each job's seconds in one whole run on this machine
 * (2026-12-01, under other load, so only their order matters). A job in neither file (a new test
 * file) counts DEFAULT_SECONDS.
 */
const SEED_DURATIONS_FILE = 'scripts/test-durations.json'
const DEFAULT_SECONDS = 5

/** Where `npm run typecheck` compiles src/ and test/ to (tsconfig.test.json's outDir). */
const BUILD_DIR = '.test-build'

/** The compiled file of a test, e.g. `test/http/me.test.ts` → `.test-build/test/http/me.test.js`. */
const compiled = (file) => join(BUILD_DIR, file.replace(/\.ts$/, '.js'))

function testArgs(files) {
  return ['--test', `--test-timeout=${FILE_TIMEOUT_MS}`, ...flags, ...files]
}

/** Runs the named `files` (their .ts, through tsx) with the output on this terminal; resolves with the exit code. */
function runHere(files) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...testArgs(files)], { stdio: 'inherit', env: process.env })
    child.once('close', (code) => resolve(code ?? 1))
  })
}

/** Runs one job (its compiled file) with its output collected; resolves with its exit code, output and seconds. */
function runJob({ file, backend }) {
  return new Promise((resolve) => {
    const started = Date.now()
    // Piped, node's runner would default to TAP; keep the spec reporter a terminal gets.
    const reporter = flags.some((flag) => flag.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec']
    // Source maps, so a failure's stack names the .ts file and line.
    const child = spawn(process.execPath, ['--enable-source-maps', ...reporter, ...testArgs([compiled(file)])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TESSERA_TEST_BACKEND: backend },
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk))
    child.once('close', (code) => resolve({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }))
  })
}

/** Asks test/helpers/databases.ts, compiled (the same check the tests use), whether `backend` answers; undefined when it does. */
function unavailable(backend) {
  const probe = `import { unavailable } from './${compiled('test/helpers/databases.ts')}'; const why = await unavailable(${JSON.stringify(backend)}); if (why) console.log(why)`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
  if (result.status !== 0) return `probe failed: ${result.stderr.trim().split('\n')[0]}`
  return result.stdout.trim() || undefined
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return {}
  }
}

const args = process.argv.slice(2)
const named = args.filter((arg) => arg.endsWith('.test.ts'))
const flags = args.filter((arg) => !arg.endsWith('.test.ts'))

if (named.length > 0) process.exit(await runHere(named))

const runStarted = Date.now()
const all = [...find('src'), ...find('test')].sort()
// The sources decide which files run (a stale .js of a deleted test stays unrun); each must be compiled.
const uncompiled = [...all, 'test/helpers/databases.ts'].filter((file) => !existsSync(compiled(file)))
if (uncompiled.length > 0) {
  console.log(`# ${uncompiled.length} test files are not compiled in ${BUILD_DIR}/ (${uncompiled[0]}...): run \`npm run typecheck\` first (npm test does)`)
  process.exit(1)
}
const marked = find('test').filter((file) => EVERY_DATABASE.test(readFileSync(file, 'utf8'))).sort()
const backends = [['sqlite', 'SQLite', all]]
for (const [backend, label] of [['postgres', 'PostgreSQL'], ['mysql', 'MySQL/MariaDB']]) {
  const why = unavailable(backend)
  if (why) console.log(`# ${label}: skipped: ${why}`)
  else backends.push([backend, label, marked])
}

const durations = readJson(DURATIONS_FILE)
const seed = readJson(SEED_DURATIONS_FILE)
const expected = (job) => durations[`${job.backend} ${job.file}`] ?? seed[`${job.backend} ${job.file}`] ?? DEFAULT_SECONDS
const queue = backends
  .flatMap(([backend, , files]) => files.map((file) => ({ file, backend })))
  .sort((a, b) => expected(b) - expected(a))
console.log(`# ${all.length} files on SQLite, ${marked.length} marked runs-on: every-database on ${backends.slice(1).map(([, label]) => label).join(' and ') || 'no other database'}: ${queue.length} jobs, ${CORES} at once, longest first`)

const results = []
async function worker() {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const result = await runJob(job)
    results.push({ ...job, ...result, endedAt: (Date.now() - runStarted) / 1000 })
    process.stdout.write(`\n# [${job.backend}] ${job.file}: ${result.seconds.toFixed(1)} s${result.code === 0 ? '' : ' (failed)'}\n${result.output}`)
  }
}
await Promise.all(Array.from({ length: CORES }, worker))

for (const result of results) durations[`${result.backend} ${result.file}`] = Math.round(result.seconds * 10) / 10
try {
  mkdirSync(dirname(DURATIONS_FILE), { recursive: true })
  writeFileSync(DURATIONS_FILE, `${JSON.stringify(durations, null, 1)}\n`)
} catch {
  // only the next run's order is lost
}

console.log('\n# per database: files, the sum of their times, and when the last one ended')
for (const [backend, label] of backends) {
  const mine = results.filter((result) => result.backend === backend)
  const sum = mine.reduce((total, result) => total + result.seconds, 0)
  const last = Math.max(0, ...mine.map((result) => result.endedAt))
  const failed = mine.filter((result) => result.code !== 0).length
  console.log(`#   ${label}: ${mine.length} files, ${sum.toFixed(1)} s of test time, done at ${last.toFixed(1)} s${failed ? ` (${failed} failed)` : ''}`)
}
console.log('# the ten slowest files')
for (const result of [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 10)) console.log(`#   ${result.seconds.toFixed(1)} s  [${result.backend}] ${result.file}`)
console.log(`#   total wall time: ${((Date.now() - runStarted) / 1000).toFixed(1)} s`)
const failed = results.filter((result) => result.code !== 0)
if (failed.length > 0) console.log(`\n# failed: ${failed.map((result) => `[${result.backend}] ${result.file}`).join(', ')}`)
process.exit(failed.length > 0 ? 1 : 0)
