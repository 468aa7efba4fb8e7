// Prints the settings table of the code (src/config/settings.ts) as markdown: variable, default
// as the README shows it, and the row's one-line doc. The README's own table says more per
// variable; test/docs/settings-table.test.ts keeps its variables and defaults equal to these.
//   node scripts/settings-table.mjs
import { register } from 'tsx/esm/api'

register()
const { SETTINGS, documentedDefault } = await import('../src/config/settings.ts')

const cell = (text) => text.replaceAll('|', '\\|')
const lines = ['| variable | default | meaning |', '| --- | --- | --- |']
for (const row of Object.values(SETTINGS)) {
  lines.push(`| \`${row.name}\` | ${cell(documentedDefault(row))} | ${cell(row.doc)} |`)
}
console.log(lines.join('\n'))
