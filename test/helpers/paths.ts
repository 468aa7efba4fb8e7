// Where the repository is, for tests that open or spawn its files (dist/, examples/, docs/, src/).
// `npm test` runs every test compiled, from .test-build/ (tsconfig.test.json, docs/testing.md), while
// a named file runs its .ts through tsx: a path built from a test's own `import.meta.dirname` would
// point into .test-build/ in the first case (no dist/ or docs/ there, and src/ only as compiled
// JavaScript), so they all start from ROOT.
import { resolve } from 'node:path'

/** Whether this module is the compiled copy under .test-build/ (its name ends in .js) rather than the .ts. */
export const COMPILED = import.meta.filename.endsWith('.js')

/** The repository's root: two folders up from test/helpers/, three from .test-build/test/helpers/. */
export const ROOT = resolve(import.meta.dirname, COMPILED ? '../../..' : '../..')

