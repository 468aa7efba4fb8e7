/**
 * A locale file (builtin/<locale>.json, or the same name in MAIL_TEMPLATES_DIR): every string of
 * every mail in one language, so a translator reviews one file. Each string is a Mustache
 * template over the variables of its mail. The HTML and text around the strings are the two
 * layouts, shared by every language.
 *
 * {
 *   "common": { "greeting": "Hi {{name}},", ... },                  // shared by every mail
 *   "password_reset": { "subject": "...", "body": ["..."], "action": "Reset password", "after": ["..."] },
 *   ...
 * }
 */
import { checkTemplate, TemplateProblem } from './check-template.js'
import { hasLink, isMailKind, kindVariables, MAIL_KINDS, type MailKind } from './kinds.js'

/** The shared strings and the variables each may use. */
export const COMMON_STRINGS = {
  greeting: ['app_name', 'name'],
  greeting_without_name: ['app_name'],
  link_fallback: ['app_name'],
  expires: ['app_name', 'expires_in'],
  not_you: ['app_name'],
  signature: ['app_name'],
  footer: ['app_name'],
} as const satisfies Record<string, readonly string[]>

export type CommonString = keyof typeof COMMON_STRINGS

export interface KindStrings {
  subject: string
  /** Paragraphs before the button. */
  body: string[]
  /** The button's label: mails with a link only. */
  action?: string
  /** Paragraphs after the button (or after the body, for mails without a link). */
  after: string[]
}

export interface Catalog {
  common: Record<CommonString, string>
  kinds: Record<MailKind, KindStrings>
}

/** What one file says: any part of a catalog (an override need not repeat the built-in rest). */
export interface CatalogPart {
  common: Partial<Record<CommonString, string>>
  kinds: Partial<Record<MailKind, Partial<KindStrings>>>
}

const KIND_FIELDS = ['subject', 'body', 'action', 'after'] as const

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function readString(value: unknown, key: string, variables: readonly string[]): string {
  if (typeof value !== 'string') throw new TemplateProblem(`${key}: expected a string`)
  try {
    checkTemplate(value, { variables, unescaped: false })
  } catch (error) {
    if (error instanceof TemplateProblem) throw new TemplateProblem(`${key}: ${error.message}`)
    throw error
  }
  return value
}

function readParagraphs(value: unknown, key: string, variables: readonly string[]): string[] {
  if (!Array.isArray(value)) throw new TemplateProblem(`${key}: expected an array of strings (paragraphs)`)
  return value.map((item, index) => readString(item, `${key}[${index}]`, variables))
}

function readKind(kind: MailKind, value: unknown): Partial<KindStrings> {
  if (!isObject(value)) throw new TemplateProblem(`${kind}: expected an object with ${KIND_FIELDS.join(', ')}`)
  const variables = kindVariables(kind)
  const strings: Partial<KindStrings> = {}
  for (const [field, fieldValue] of Object.entries(value)) {
    const key = `${kind}.${field}`
    if (field === 'subject') {
      strings.subject = readString(fieldValue, key, variables)
      if (strings.subject.trim() === '') throw new TemplateProblem(`${key}: must not be empty`)
    } else if (field === 'body') {
      strings.body = readParagraphs(fieldValue, key, variables)
      if (strings.body.length === 0) throw new TemplateProblem(`${key}: needs at least one paragraph`)
    } else if (field === 'after') {
      strings.after = readParagraphs(fieldValue, key, variables)
    } else if (field === 'action' && hasLink(kind)) {
      strings.action = readString(fieldValue, key, variables)
    } else if (field === 'action') {
      throw new TemplateProblem(`${key}: ${kind} has no link, so no button to label`)
    } else {
      throw new TemplateProblem(`unknown field "${key}" (known: ${KIND_FIELDS.join(', ')})`)
    }
  }
  return strings
}

/** Reads and checks a parsed locale file; throws a TemplateProblem naming the key at fault. */
export function readCatalogPart(data: unknown): CatalogPart {
  if (!isObject(data)) throw new TemplateProblem('expected a JSON object of "common" and mail kinds')
  const part: CatalogPart = { common: {}, kinds: {} }
  for (const [key, value] of Object.entries(data)) {
    if (key === 'common') {
      if (!isObject(value)) throw new TemplateProblem('common: expected an object')
      for (const [name, template] of Object.entries(value)) {
        if (!Object.hasOwn(COMMON_STRINGS, name)) {
          throw new TemplateProblem(`unknown string "common.${name}" (known: ${Object.keys(COMMON_STRINGS).join(', ')})`)
        }
        part.common[name as CommonString] = readString(template, `common.${name}`, COMMON_STRINGS[name as CommonString])
      }
    } else if (isMailKind(key)) {
      part.kinds[key] = readKind(key, value)
    } else {
      throw new TemplateProblem(`unknown mail kind "${key}" (known: common, ${MAIL_KINDS.join(', ')})`)
    }
  }
  return part
}

/** A built-in file must say everything; returns it as a whole catalog. */
export function completeCatalog(part: CatalogPart): Catalog {
  const missingCommon = Object.keys(COMMON_STRINGS).filter((name) => part.common[name as CommonString] === undefined)
  if (missingCommon.length > 0) throw new TemplateProblem(`missing common.${missingCommon.join(', common.')}`)
  const kinds = {} as Record<MailKind, KindStrings>
  for (const kind of MAIL_KINDS) {
    const strings = part.kinds[kind]
    if (!strings?.subject || !strings.body) throw new TemplateProblem(`missing ${kind}.subject or ${kind}.body`)
    if (hasLink(kind) && strings.action === undefined) throw new TemplateProblem(`missing ${kind}.action (the button's label)`)
    kinds[kind] = { subject: strings.subject, body: strings.body, action: strings.action, after: strings.after ?? [] }
  }
  return { common: part.common as Record<CommonString, string>, kinds }
}

/** `base` with every string that `part` gives replaced (field by field). */
export function mergeCatalog(base: Catalog, part: CatalogPart): Catalog {
  const kinds = { ...base.kinds }
  for (const kind of MAIL_KINDS) {
    const override = part.kinds[kind]
    if (override) kinds[kind] = { ...base.kinds[kind], ...override }
  }
  return { common: { ...base.common, ...part.common }, kinds }
}
