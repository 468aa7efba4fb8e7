// The registry name `tessera` belongs to an unrelated package; Tessera is published as
// `tessera-auth`, with the command still called `tessera`. Every doc, example and import follows,
// so that nobody copying a line from this repository installs or imports the other package.
// @see issue 13
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from '../helpers/paths.js'

const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'))

/** Where a line naming the package could be copied from: docs, examples, sources and tests. */
function textFiles(): string[] {
  const found = ['README.md', 'Dockerfile', 'compose.yaml']
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.(md|ts|mjs|js|json|html|ya?ml)$/.test(entry.name)) found.push(path)
    }
  }
  for (const dir of ['docs', 'examples', 'src', 'test', 'scripts', 'bench']) walk(dir)
  return found
}

/** An import, dynamic import, require or `npm install` of the bare name: the other package. */
const NAMES_THE_OTHER_PACKAGE = /\b(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]tessera['"]|\bnpm\s+(?:i|install|add)\s+(?:-\S+\s+)*tessera(?![\w-])/

describe('the package name', () => {
  it('is tessera-auth, in package.json and its lock file, with the tessera command', () => {
    const manifest = json('package.json')
    assert.equal(manifest.name, 'tessera-auth')
    assert.equal(manifest.bin.tessera, './dist/cli/main.js')
    const lock = json('package-lock.json')
    assert.equal(lock.name, 'tessera-auth')
    assert.equal(lock.packages[''].name, 'tessera-auth')
  })

  it('is the one every doc, example, source and test imports or installs', () => {
    const offending: string[] = []
    for (const file of textFiles()) {
      readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, index) => {
        if (NAMES_THE_OTHER_PACKAGE.test(line)) offending.push(`${relative(ROOT, join(ROOT, file))}:${index + 1}: ${line.trim()}`)
      })
    }
    assert.deepEqual(offending, [])
  })
})
