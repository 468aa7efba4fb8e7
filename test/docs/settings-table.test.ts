// The README's settings table says what the code's table (src/config/settings.ts) does: every
// variable loadConfig reads is listed with its default, and nothing is listed that it does not
// read. The settings tables of docs/*.md may list some of them; those must agree too.
// @see issue 15
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { documentedDefault, SETTINGS, type Setting } from '../../src/config/settings.js'
import { ROOT } from '../helpers/paths.js'

const ROWS: Setting[] = Object.values(SETTINGS)
const BY_NAME = new Map(ROWS.map((row) => [row.name, row]))

interface DocRow {
  line: number
  name: string
  default: string
}

/**
 * The rows of every table under `## <heading>` (up to the next `## `) whose header starts
 * `| variable | default |`. A row may name several variables (`` `A`, `B` ``); its default cell is
 * then one default for each (`` `24h`, `1h` ``), or one for all (`unset`).
 */
function settingsRows(markdown: string, heading?: string): DocRow[] {
  const lines = markdown.split('\n')
  const rows: DocRow[] = []
  let inSection = heading === undefined
  let inTable = false
  for (const [index, line] of lines.entries()) {
    if (heading !== undefined && line.startsWith('## ')) inSection = line === `## ${heading}`
    if (!inSection) continue
    if (/^\| variable \| default \|/.test(line)) {
      inTable = true
      continue
    }
    if (!line.startsWith('|')) inTable = false
    if (!inTable || /^\|\s*---/.test(line)) continue
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim())
    const names = [...(cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!)
    assert.ok(names.length > 0, `line ${index + 1}: no variable in "${cells[0]}"`)
    const defaults = splitDefaults(cells[1] ?? '', names.length)
    assert.ok(defaults !== undefined, `line ${index + 1}: ${names.length} variables but the default cell "${cells[1]}" is neither one default nor ${names.length}`)
    for (const [position, name] of names.entries()) rows.push({ line: index + 1, name, default: defaults[position]! })
  }
  return rows
}

/** `` `24h`, `1h` `` for two variables is two defaults; a cell that is not n backticked items is the default of each. */
function splitDefaults(cell: string, count: number): string[] | undefined {
  if (count === 1) return [cell]
  const items = cell.split(/(?<=`), (?=`)/)
  if (items.length === count) return items
  return items.length === 1 ? Array<string>(count).fill(cell) : undefined
}

describe('the settings table of the code', () => {
  it('names each variable once, in capitals, with a one-line doc', () => {
    assert.equal(BY_NAME.size, ROWS.length, 'a variable has two rows')
    for (const row of ROWS) {
      assert.match(row.name, /^[A-Z][A-Z0-9_]*$/)
      assert.ok(row.doc.trim() !== '' && !row.doc.includes('\n'), `${row.name}: the doc is one line`)
    }
  })
})

describe("the README's settings table", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const listed = settingsRows(readme, 'Settings')

  it('is found, one row per variable', () => {
    assert.ok(listed.length > 0, 'no settings table under "## Settings" in README.md')
    const twice = listed.filter((row, index) => listed.findIndex((other) => other.name === row.name) !== index).map((row) => row.name)
    assert.deepEqual(twice, [], 'listed twice')
  })

  it('lists every variable loadConfig reads', () => {
    const names = new Set(listed.map((row) => row.name))
    assert.deepEqual(ROWS.map((row) => row.name).filter((name) => !names.has(name)), [])
  })

  it('lists no variable loadConfig does not read', () => {
    assert.deepEqual(listed.filter((row) => !BY_NAME.has(row.name)).map((row) => `${row.name} (README.md:${row.line})`), [])
  })

  it('gives each variable the default of the code', () => {
    const wrong = listed
      .filter((row) => BY_NAME.has(row.name) && row.default !== documentedDefault(BY_NAME.get(row.name)!))
      .map((row) => `${row.name} (README.md:${row.line}): README says ${row.default}, the code ${documentedDefault(BY_NAME.get(row.name)!)}`)
    assert.deepEqual(wrong, [])
  })
})

describe('the settings tables of docs/*.md', () => {
  const files = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'))
  const tables = files.map((file) => ({ file, rows: settingsRows(readFileSync(join(ROOT, 'docs', file), 'utf8')) })).filter((table) => table.rows.length > 0)

  it('exist (so this check checks something)', () => assert.ok(tables.length > 0))

  for (const { file, rows } of tables) {
    it(`docs/${file} lists only variables loadConfig reads, each with the code's default`, () => {
      const wrong: string[] = []
      for (const row of rows) {
        const setting = BY_NAME.get(row.name)
        // A doc may add a note after the default: `10` (1–100).
        if (setting === undefined) wrong.push(`${row.name} (docs/${file}:${row.line}): not a setting`)
        else if (row.default !== documentedDefault(setting) && !row.default.startsWith(`${documentedDefault(setting)} (`)) {
          wrong.push(`${row.name} (docs/${file}:${row.line}): the doc says ${row.default}, the code ${documentedDefault(setting)}`)
        }
      }
      assert.deepEqual(wrong, [])
    })
  }
})
