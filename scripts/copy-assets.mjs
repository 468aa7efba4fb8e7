#!/usr/bin/env node
// Copies the files that tsc does not emit (templates, not code) from src/ to dist/, so the built
// package carries them: `npm run build` runs this after tsc. Each entry is a folder under src/.
// `node scripts/copy-assets.mjs .test-build/src` copies them beside the compiled tests instead
// (`npm run typecheck`), where the compiled src/mail/templates/load.js looks for them.
import { cpSync, rmSync } from 'node:fs'

const ASSET_DIRS = ['mail/templates/builtin']
const TARGET = process.argv[2] ?? 'dist'

for (const dir of ASSET_DIRS) {
  // Replace rather than merge, so a file deleted from src/ does not linger in the target.
  rmSync(`${TARGET}/${dir}`, { recursive: true, force: true })
  cpSync(`src/${dir}`, `${TARGET}/${dir}`, { recursive: true })
}
