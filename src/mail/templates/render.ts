/**
 * Renders one mail from the checked templates: each locale string is rendered twice, HTML-escaped
 * for the HTML part and as it is for the text part and subject, then placed into the layouts.
 * The layouts receive only finished values (already escaped for HTML), so an override layout
 * cannot unescape a user's name by writing {{{name}}}: it has no `name` to write.
 */
import Mustache from 'mustache'
import type { Catalog, KindStrings } from './catalog.js'
import { formatDuration, formatTime } from './format.js'
import { hasLink, isMailKind, KIND_SPECS, type MailKind, type TemplateVariable } from './kinds.js'
import { pickLocale, type SupportedLocale } from './locales.js'

export interface MailVars {
  app_name: string
  name: string
  link?: string
  expires_in_seconds?: number
  new_email?: string
  /** ISO 8601 */
  time?: string
  passkey_name?: string
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

export interface MailTemplates {
  render(kind: MailKind, locale: string, vars: MailVars): RenderedMail
}

export interface Layouts {
  html: string
  text: string
}

type Escape = (value: string) => string
const asIs: Escape = (value) => value
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * HTML escaping for text and quoted attribute values (the OWASP rule; every attribute in the
 * layouts is quoted). mustache.js's own escape also rewrites / ` =, which turns every link into
 * "https:&#x2F;&#x2F;…": valid, but unreadable in the source and distrusted by some link scanners.
 */
export const escapeHtml: Escape = (value) => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)

/** The caller's variables as templates see them: lifetimes and times formatted for the locale. */
function templateValues(kind: MailKind, locale: SupportedLocale, vars: MailVars): Partial<Record<TemplateVariable, string>> {
  if (typeof vars.app_name !== 'string' || vars.app_name.trim() === '') throw new TypeError('mail vars.app_name must be a non-empty string')
  if (typeof vars.name !== 'string') throw new TypeError('mail vars.name must be a string (empty when the account has no name)')
  const values: Partial<Record<TemplateVariable, string>> = { app_name: vars.app_name, name: vars.name.trim() }
  if (vars.link !== undefined) values.link = checkLink(vars.link)
  if (vars.new_email !== undefined) values.new_email = vars.new_email
  if (vars.passkey_name !== undefined) values.passkey_name = vars.passkey_name
  if (vars.expires_in_seconds !== undefined) values.expires_in = formatDuration(vars.expires_in_seconds, locale)
  if (vars.time !== undefined) values.time = formatTime(vars.time, locale)
  for (const variable of KIND_SPECS[kind].required) {
    if (!values[variable]) {
      const given = variable === 'time' ? 'time (ISO 8601)' : variable === 'expires_in' ? 'expires_in_seconds' : variable
      throw new TypeError(`mail ${kind} needs vars.${given}`)
    }
  }
  return values
}

/** Only web links go into a mail: a `javascript:` or `data:` URL in a button is never right. */
function checkLink(link: string): string {
  let url: URL
  try {
    url = new URL(link)
  } catch {
    throw new TypeError(`mail vars.link must be an absolute URL, got ${JSON.stringify(link)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`mail vars.link must be http(s), got ${url.protocol}`)
  return link
}

function renderString(template: string, values: object, escape: Escape): string {
  return Mustache.render(template, values, undefined, { escape })
}

/** The layout's view: every value finished (escaped when `escape` is escapeHtml). */
function layoutView(catalog: Catalog, strings: KindStrings, kind: MailKind, locale: SupportedLocale, values: Partial<Record<TemplateVariable, string>>, subject: string, escape: Escape) {
  const render = (template: string) => renderString(template, values, escape)
  const { common } = catalog
  return {
    lang: locale,
    subject: escape(subject),
    app_name: escape(values.app_name ?? ''),
    greeting: render(values.name ? common.greeting : common.greeting_without_name),
    paragraphs: strings.body.map(render),
    action: hasLink(kind) && strings.action !== undefined ? { label: render(strings.action), link: escape(values.link ?? '') } : undefined,
    link_fallback: render(common.link_fallback),
    expires: values.expires_in && hasLink(kind) ? render(common.expires) : undefined,
    after: strings.after.map(render),
    not_you: KIND_SPECS[kind].notice ? render(common.not_you) : undefined,
    signature: render(common.signature),
    footer: render(common.footer),
  }
}

export function createRenderer(catalogs: Readonly<Record<SupportedLocale, Catalog>>, layouts: Layouts): MailTemplates {
  return {
    render(kind, requestedLocale, vars) {
      if (typeof kind !== 'string' || !isMailKind(kind)) throw new TypeError(`unknown mail kind ${JSON.stringify(kind)}`)
      const locale = pickLocale(requestedLocale)
      const catalog = catalogs[locale]
      const strings = catalog.kinds[kind]
      const values = templateValues(kind, locale, vars)
      // A subject is one header line: no line break from a variable may start another header.
      const subject = renderString(strings.subject, values, asIs).replace(/\s+/g, ' ').trim()
      const html = renderString(layouts.html, layoutView(catalog, strings, kind, locale, values, subject, escapeHtml), asIs)
      const text = renderString(layouts.text, layoutView(catalog, strings, kind, locale, values, subject, asIs), asIs)
      return { subject, text: tidyText(text), html }
    },
  }
}

/** At most one blank line in a row, and one newline at the end, whatever the layout's sections left. */
function tidyText(text: string): string {
  return `${text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()}\n`
}
