/**
 * Reads the built-in templates (builtin/, shipped beside the compiled code) and the overrides of
 * MAIL_TEMPLATES_DIR, checks every template, and builds the renderer. Everything that can be
 * wrong with a template is found here, at start-up, as one line naming the file and the string.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { completeCatalog, mergeCatalog, readCatalogPart, type Catalog, type CatalogPart } from './catalog.js'
import { checkTemplate, TemplateProblem, templateVariables } from './check-template.js'
import { SUPPORTED_LOCALES, type SupportedLocale } from './locales.js'
import { createRenderer, type Layouts, type MailTemplates } from './render.js'

/**
 * The built-in files, each by its own URL: `npm run build` copies builtin/ into dist/ (scripts/
 * copy-assets.mjs), and the packed-package test checks that every file named this way ships.
 */
const BUILTIN_FILES = {
  'en.json': new URL('./builtin/en.json', import.meta.url),
  'pt-BR.json': new URL('./builtin/pt-BR.json', import.meta.url),
  'zh-CN.json': new URL('./builtin/zh-CN.json', import.meta.url),
  'ja.json': new URL('./builtin/ja.json', import.meta.url),
  'ko.json': new URL('./builtin/ko.json', import.meta.url),
  'layout.html': new URL('./builtin/layout.html', import.meta.url),
  'layout.txt': new URL('./builtin/layout.txt', import.meta.url),
} as const satisfies Record<`${SupportedLocale}.json` | 'layout.html' | 'layout.txt', URL>

/** What a layout may show (render.ts builds exactly these); `label` and `link` are the action's. */
const LAYOUT_VARIABLES = [
  'lang', 'subject', 'app_name', 'greeting', 'paragraphs', 'action', 'label', 'link',
  'link_fallback', 'expires', 'after', 'not_you', 'signature', 'footer',
] as const

/** A layout without these would send mails without their point: the text, the link, the warning. */
const LAYOUT_MUST_SHOW = ['paragraphs', 'action', 'link', 'not_you'] as const

const LAYOUT_FILES = { 'layout.html': 'html', 'layout.txt': 'text' } as const satisfies Record<string, keyof Layouts>

/** Every file name the built-ins have, which is every name an override may use. */
export const TEMPLATE_FILES: readonly string[] = Object.keys(BUILTIN_FILES)

function checkLayout(template: string): string {
  checkTemplate(template, { variables: LAYOUT_VARIABLES, unescaped: true })
  const used = templateVariables(template)
  const missing = LAYOUT_MUST_SHOW.filter((name) => !used.has(name))
  if (missing.length > 0) throw new TemplateProblem(`the layout must show ${missing.map((name) => `{{${name}}}`).join(', ')}`)
  return template
}

function readCatalogFile(text: string): CatalogPart {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TemplateProblem(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  return readCatalogPart(data)
}

/** Runs `read` on a file's text; a problem becomes one line starting with `prefix` and the file. */
function readFile<T>(path: string | URL, file: string, prefix: string, read: (text: string) => T): T {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`${prefix}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  try {
    return read(text)
  } catch (error) {
    if (error instanceof TemplateProblem) throw new Error(`${prefix}: ${file}: ${error.message}`)
    throw error
  }
}

interface Templates {
  catalogs: Record<SupportedLocale, Catalog>
  layouts: Layouts
}

function loadBuiltins(): Templates {
  const prefix = `Built-in mail templates (${fileURLToPath(new URL('.', BUILTIN_FILES['layout.html']))})`
  const catalogs = {} as Record<SupportedLocale, Catalog>
  for (const locale of SUPPORTED_LOCALES) {
    const file = `${locale}.json` as const
    catalogs[locale] = readFile(BUILTIN_FILES[file], file, prefix, (text) => completeCatalog(readCatalogFile(text)))
  }
  return {
    catalogs,
    layouts: {
      html: readFile(BUILTIN_FILES['layout.html'], 'layout.html', prefix, checkLayout),
      text: readFile(BUILTIN_FILES['layout.txt'], 'layout.txt', prefix, checkLayout),
    },
  }
}

/** The override files of `dir`: only known names (dotfiles such as .gitkeep are passed over). */
function overrideFiles(dir: string, prefix: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    throw new Error(`${prefix}: cannot read the directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  const files = names.filter((name) => !name.startsWith('.')).sort()
  for (const name of files) {
    if (!TEMPLATE_FILES.includes(name)) throw new Error(`${prefix}: unknown template file "${name}" (known: ${TEMPLATE_FILES.join(', ')})`)
    if (!statSync(join(dir, name)).isFile()) throw new Error(`${prefix}: ${name} is not a file`)
  }
  return files
}

function applyOverrides(templates: Templates, dir: string): Templates {
  const prefix = `Invalid MAIL_TEMPLATES_DIR (${dir})`
  const catalogs = { ...templates.catalogs }
  const layouts = { ...templates.layouts }
  for (const file of overrideFiles(dir, prefix)) {
    if (file === 'layout.html' || file === 'layout.txt') {
      layouts[LAYOUT_FILES[file]] = readFile(join(dir, file), file, prefix, checkLayout)
    } else {
      const locale = file.slice(0, -'.json'.length) as SupportedLocale
      catalogs[locale] = mergeCatalog(catalogs[locale], readFile(join(dir, file), file, prefix, readCatalogFile))
    }
  }
  return { catalogs, layouts }
}

/**
 * Loads built-ins and overrides; throws an Error with one clear line at start for an unknown
 * template file name, a template using an unknown variable, or a syntax error.
 *
 * @example
 * const templates = loadMailTemplates({ overridesDir: config.mailTemplatesDir })
 * const mail = templates.render('password_reset', user.locale, { app_name: 'Acme', name: user.full_name ?? '', link, expires_in_seconds: 3600 })
 */
export function loadMailTemplates(options: { overridesDir?: string } = {}): MailTemplates {
  const builtins = loadBuiltins()
  const { catalogs, layouts } = options.overridesDir ? applyOverrides(builtins, options.overridesDir) : builtins
  return createRenderer(catalogs, layouts)
}
