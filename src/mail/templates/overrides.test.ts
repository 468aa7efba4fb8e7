import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadMailTemplates } from './index.js'

const dirs: string[] = []
after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

/** A fresh MAIL_TEMPLATES_DIR holding `files` (name → contents; an object is written as JSON). */
function overridesDir(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mail-templates-'))
  dirs.push(dir)
  for (const [name, contents] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof contents === 'string' ? contents : JSON.stringify(contents))
  }
  return dir
}

const RESET = { app_name: 'Acme', name: '<b>Eve</b>', link: 'https://app.example/reset-password?token=t0k3n', expires_in_seconds: 3600 }
const builtinLayout = readFileSync(new URL('./builtin/layout.html', import.meta.url), 'utf8')

/** Asserts that loading `files` fails with one line that starts as a MAIL_TEMPLATES_DIR error and matches `pattern`. */
function assertRefused(files: Record<string, string | object>, pattern: RegExp): void {
  const dir = overridesDir(files)
  assert.throws(() => loadMailTemplates({ overridesDir: dir }), (error: unknown) => {
    assert.ok(error instanceof Error)
    assert.ok(error.message.startsWith(`Invalid MAIL_TEMPLATES_DIR (${dir}): `), error.message)
    assert.doesNotMatch(error.message, /\n/, 'the error is one line')
    assert.match(error.message, pattern)
    return true
  })
}

describe('overrides that load', () => {
  it('replace only the strings they give; every other string, kind and locale stays built in', () => {
    const builtin = loadMailTemplates()
    const templates = loadMailTemplates({ overridesDir: overridesDir({ 'en.json': { password_reset: { subject: 'Acme password help for {{name}}' } } }) })
    const mail = templates.render('password_reset', 'en', RESET)
    assert.equal(mail.subject, 'Acme password help for <b>Eve</b>')
    assert.equal(mail.text, builtin.render('password_reset', 'en', RESET).text)
    assert.deepEqual(templates.render('verify_email', 'en', RESET), builtin.render('verify_email', 'en', RESET))
    assert.deepEqual(templates.render('password_reset', 'ja', RESET), builtin.render('password_reset', 'ja', RESET))
  })

  it('keep the subject one line when an override puts a name with line breaks in it', () => {
    const templates = loadMailTemplates({ overridesDir: overridesDir({ 'ko.json': { password_reset: { subject: '[{{app_name}}] {{name}}님' } } }) })
    const mail = templates.render('password_reset', 'ko', { ...RESET, name: 'Eve\r\nBcc: victim@example.com' })
    assert.equal(mail.subject, '[Acme] Eve Bcc: victim@example.com님')
  })

  it('replace common strings and paragraphs of one locale', () => {
    const templates = loadMailTemplates({
      overridesDir: overridesDir({
        'pt-BR.json': { common: { signature: 'Abraços, {{app_name}}' }, password_reset: { body: ['Clique abaixo, {{name}}.'], after: [] } },
      }),
    })
    const mail = templates.render('password_reset', 'pt-BR', RESET)
    assert.match(mail.text, /Clique abaixo, <b>Eve<\/b>\./)
    assert.match(mail.text, /Abraços, Acme/)
    assert.doesNotMatch(mail.text, /Recebemos um pedido/)
    assert.match(mail.html, /Clique abaixo, &lt;b&gt;Eve&lt;\/b&gt;\./, 'override strings are escaped in HTML too')
  })

  it('replace the layouts for every locale, and a layout cannot unescape a variable', () => {
    const html = builtinLayout.replace('<body', '<body data-brand="acme"').replace('{{greeting}}', '{{{greeting}}}')
    const text = 'ACME\n{{greeting}}\n{{#paragraphs}}{{.}}\n{{/paragraphs}}{{#action}}{{label}} {{link}}\n{{/action}}{{not_you}}\n'
    const templates = loadMailTemplates({ overridesDir: overridesDir({ 'layout.html': html, 'layout.txt': text, '.gitkeep': '' }) })
    for (const locale of ['en', 'ko']) {
      const mail = templates.render('password_reset', locale, RESET)
      assert.match(mail.html, /data-brand="acme"/)
      assert.match(mail.html, /&lt;b&gt;Eve&lt;\/b&gt;/)
      assert.doesNotMatch(mail.html, /<b>Eve/)
      assert.match(mail.text, /^ACME\n/)
      assert.ok(mail.text.includes(RESET.link))
    }
  })
})

describe('overrides that stop start-up', () => {
  it('an unknown file name', () => assertRefused({ 'de.json': {} }, /unknown template file "de\.json" \(known: en\.json, pt-BR\.json, zh-CN\.json, ja\.json, ko\.json, layout\.html, layout\.txt\)/))
  it('a file named for one kind, as other tools lay them out', () => assertRefused({ 'password_reset.html': '<p>hi</p>' }, /unknown template file "password_reset\.html"/))

  it('a folder where a file is expected', () => {
    const dir = overridesDir({})
    mkdirSync(join(dir, 'en'))
    assert.throws(() => loadMailTemplates({ overridesDir: dir }), /unknown template file "en"/)
  })

  it('a directory that does not exist', () => {
    assert.throws(() => loadMailTemplates({ overridesDir: join(tmpdir(), 'no-such-tessera-templates') }), /^Error: Invalid MAIL_TEMPLATES_DIR \(.*\): cannot read the directory: ENOENT$/)
  })

  it('an unknown variable, named with its string', () => {
    assertRefused({ 'en.json': { password_reset: { subject: 'Reset for {{username}}' } } }, /en\.json: password_reset\.subject: unknown variable "username" \(line 1, column 11\); known here: app_name, name, link, expires_in/)
  })

  it('a variable of another kind of mail', () => {
    assertRefused({ 'ja.json': { verify_email: { body: ['ok', 'パスキー {{passkey_name}}'] } } }, /ja\.json: verify_email\.body\[1\]: unknown variable "passkey_name"/)
  })

  it('an unknown variable in a layout', () => {
    assertRefused({ 'layout.html': builtinLayout.replace('{{footer}}', '{{footer}} {{unsubscribe_url}}') }, /layout\.html: unknown variable "unsubscribe_url"/)
  })

  it('a Mustache syntax error, with its line', () => {
    assertRefused({ 'layout.txt': '{{greeting}}\n{{#paragraphs}}{{.}}\n{{not_you}}{{#action}}{{link}}{{/action}}\n' }, /layout\.txt: syntax error: Unclosed section "paragraphs" \(line 4, column 1\)/)
    assertRefused({ 'ko.json': { common: { signature: '{{app_name' } } }, /ko\.json: common\.signature: syntax error: Unclosed tag/)
  })

  it('unescaped variables and partials in the locale strings', () => {
    assertRefused({ 'en.json': { common: { greeting: 'Hi {{{name}}},' } } }, /common\.greeting: unescaped variable \{\{\{name\}\}\} is not allowed/)
    assertRefused({ 'en.json': { common: { greeting: 'Hi {{& name}},' } } }, /unescaped variable/)
    assertRefused({ 'en.json': { common: { footer: '{{> legal}}' } } }, /partials/)
  })

  it('invalid JSON, unknown kinds, fields and strings, and wrong shapes', () => {
    assertRefused({ 'en.json': '{ "password_reset": ' }, /en\.json: invalid JSON/)
    assertRefused({ 'en.json': { welcome: { subject: 'Hi' } } }, /unknown mail kind "welcome"/)
    assertRefused({ 'en.json': { password_reset: { htm: '<p>' } } }, /unknown field "password_reset\.htm"/)
    assertRefused({ 'en.json': { common: { salutation: 'Hi' } } }, /unknown string "common\.salutation"/)
    assertRefused({ 'en.json': { password_reset: { body: 'one paragraph' } } }, /password_reset\.body: expected an array/)
    assertRefused({ 'en.json': { password_reset: { body: [] } } }, /needs at least one paragraph/)
    assertRefused({ 'en.json': { password_reset: { subject: ' ' } } }, /password_reset\.subject: must not be empty/)
    assertRefused({ 'en.json': { password_changed: { action: 'Go' } } }, /password_changed\.action: password_changed has no link/)
    assertRefused({ 'en.json': [] }, /expected a JSON object/)
  })

  it('a layout that leaves out the link or the warning', () => {
    assertRefused({ 'layout.txt': '{{greeting}}\n{{#paragraphs}}{{.}}{{/paragraphs}}\n{{not_you}}\n' }, /layout\.txt: the layout must show \{\{action\}\}, \{\{link\}\}/)
    assertRefused({ 'layout.html': builtinLayout.replace(/\{\{#not_you\}\}[\s\S]*\{\{\/not_you\}\}/, '') }, /the layout must show \{\{not_you\}\}/)
  })
})
