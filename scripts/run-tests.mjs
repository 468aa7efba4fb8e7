#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed on
// (e.g. `npm test -- --test-name-pattern=refresh`); file paths among them narrow the run.
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

const args = process.argv.slice(2)
const named = args.filter((arg) => arg.endsWith('.test.ts'))
const flags = args.filter((arg) => !arg.endsWith('.test.ts'))
const files = named.length > 0 ? named : [...find('src'), ...find('test')].sort()
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
