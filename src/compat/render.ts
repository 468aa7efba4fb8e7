import { ERROR_CODES, type ErrorCode } from '../errors.js'
import type { CompatProfile, TemplateLeaf } from './profile.js'

/** The values an action hands to its route's template, by `$name`. */
export type TemplateValues = Readonly<Record<string, unknown>>

/** The members every problem+json answer has; outside a profile's own routes its fields never replace them. */
const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'errors'])

/**
 * A profile's legacy error fields for one problem. On the profile's own routes they may
 * replace standard members (004's `status: "fail"`); everywhere else (Tessera's routes, the
 * host app's protected routes) they are only added, so Tessera's clients read what they always did.
 */
export function problemFields(profile: CompatProfile, problem: { status: number; message: string; code: string }, ownRoute: boolean): Record<string, unknown> {
  if (profile.error === undefined) return {}
  const fields = render(profile.error, { status: problem.status, detail: problem.message, code: problem.code, title: ERROR_CODES[problem.code as ErrorCode]?.title }) as Record<string, unknown>
  if (ownRoute) return fields
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !PROBLEM_MEMBERS.has(key)))
}

/** A Tessera user object (wire form) in the profile's legacy shape: legacy field → Tessera field. */
export function legacyUser(profile: CompatProfile, user: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [legacy, field] of Object.entries(profile.user)) out[legacy] = user[field] ?? null
  return out
}

function renderString(text: string, values: TemplateValues): unknown {
  if (text.startsWith('$')) return values[text.slice(1)] ?? null
  // `{name}` inside text: the value's text form (messages such as "Logged in as {username}").
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined || values[name] === null ? whole : String(values[name])))
}

/**
 * Fills a template in. A `"..."` key spreads an object value into the answer
 * first, so the legacy fields beside it win where both name a field.
 */
export function render(template: TemplateLeaf, values: TemplateValues): unknown {
  if (typeof template === 'string') return renderString(template, values)
  if (template === null || typeof template !== 'object') return template
  const out: Record<string, unknown> = {}
  const spread = template['...']
  if (typeof spread === 'string') Object.assign(out, render(spread, values) as object)
  for (const [key, leaf] of Object.entries(template)) {
    if (key !== '...') out[key] = render(leaf, values)
  }
  return out
}
