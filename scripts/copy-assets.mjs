#!/usr/bin/env node
// Copies the files that tsc does not emit (templates, not code) from src/ to dist/, so the built
// package carries them: `npm run build` runs this after tsc. Each entry is a folder under src/.
import { cpSync, rmSync } from 'node:fs'

const ASSET_DIRS = ['mail/templates/builtin']

for (const dir of ASSET_DIRS) {
  // Replace rather than merge, so a file deleted from src/ does not linger in dist/.
  rmSync(`dist/${dir}`, { recursive: true, force: true })
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true })
}
