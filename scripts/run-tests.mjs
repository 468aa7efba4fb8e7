#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed on
// (e.g. `npm test -- --test-name-pattern=refresh`); file paths among them narrow the run.
//
// After that run (on SQLite; the storage conformance suite covers every reachable database
// itself), the black-box suite test/http runs again once per server database
// (TESSERA_TEST_BACKEND=postgres, =mysql), each only when that server answers.
// The exit code is non-zero when any run fails.
//
// --test-timeout also bounds each test file as a whole (node's runner treats a file as a test):
// a file that never ends, such as one whose test left a server running, is cancelled and
// reported as failed after FILE_TIMEOUT_MS, where it would otherwise hang the run until CI's limit.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
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

/**
 * The longest files (test/release: npm installs from the packed package and the production
 * recipe) took 2 to 2.5 minutes on a slow day and allow themselves 10; a hang costs at most this.
 */
const FILE_TIMEOUT_MS = 15 * 60_000

function runTests(files, env = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${FILE_TIMEOUT_MS}`, ...flags, ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  return result.status ?? 1
}

/** Asks test/helpers/databases.ts (the same check the tests use) whether `backend` answers; undefined when it does. */
function unavailable(backend) {
  const probe = `import { unavailable } from './test/helpers/databases.ts'; const why = await unavailable(${JSON.stringify(backend)}); if (why) console.log(why)`
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8' })
  if (result.status !== 0) return `probe failed: ${result.stderr.trim().split('\n')[0]}`
  return result.stdout.trim() || undefined
}

const args = process.argv.slice(2)
const named = args.filter((arg) => arg.endsWith('.test.ts'))
const flags = args.filter((arg) => !arg.endsWith('.test.ts'))

if (named.length > 0) process.exit(runTests(named))

const failed = []
if (runTests([...find('src'), ...find('test')].sort()) !== 0) failed.push('sqlite (all tests)')

const http = find(join('test', 'http')).sort()
for (const [backend, label] of [['postgres', 'PostgreSQL'], ['mysql', 'MySQL/MariaDB']]) {
  const why = unavailable(backend)
  if (why) {
    console.log(`\n# test/http on ${label}: skipped: ${why}`)
    continue
  }
  console.log(`\n# test/http on ${label} (TESSERA_TEST_BACKEND=${backend})`)
  if (runTests(http, { TESSERA_TEST_BACKEND: backend }) !== 0) failed.push(`${backend} (test/http)`)
}

if (failed.length > 0) console.log(`\n# failed runs: ${failed.join(', ')}`)
process.exit(failed.length > 0 ? 1 : 0)
