// The built package: `npm run build` (which npm test runs first) must carry the template files
// that tsc does not emit, and the compiled module must find them beside itself.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../../../test/helpers/paths.js'

// From the repository's root, not this file: npm test runs its compiled copy under .test-build/.
const SOURCE = join(ROOT, 'src/mail/templates/builtin/')
const BUILT = join(ROOT, 'dist/mail/templates/builtin/')
const BUILT_MODULE = pathToFileURL(join(ROOT, 'dist/mail/templates/index.js'))

describe('the built mail templates', () => {
  it('dist/ holds every built-in template file as it is in src/ (run `npm run build` first)', () => {
    assert.ok(existsSync(BUILT), `${BUILT} is missing: run npm run build`)
    const files = readdirSync(SOURCE).sort()
    assert.deepEqual(readdirSync(BUILT).sort(), files)
    for (const file of files) assert.equal(readFileSync(BUILT + file, 'utf8'), readFileSync(SOURCE + file, 'utf8'), `dist/ has an old ${file}`)
  })

  it('the compiled module loads them and renders every locale', async () => {
    const built = await import(BUILT_MODULE.href) as typeof import('./index.js')
    const templates = built.loadMailTemplates()
    for (const locale of built.SUPPORTED_LOCALES) {
      const mail = templates.render('password_reset', locale, { app_name: 'Acme', name: 'Ana', link: 'https://app.example/reset-password?token=t', expires_in_seconds: 3600 })
      assert.match(mail.html, new RegExp(`<html lang="${locale}">`))
      assert.ok(mail.text.includes('https://app.example/reset-password?token=t'))
    }
  })
})
