import type { CompatProfile, TemplateLeaf } from './profile.js'

/** The values an action hands to its route's template, by `$name`. */
export type TemplateValues = Readonly<Record<string, unknown>>

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
