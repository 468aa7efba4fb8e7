/**
 * Load-time checks of one Mustache template: it parses, names only variables its mail has, and
 * does not switch escaping off. A template that passes cannot render a broken or unsafe mail,
 * so a mistake in an override stops start-up instead of reaching an inbox.
 */
import Mustache from 'mustache'

/** A problem in one template; the loader prefixes it with the file and the string's key. */
export class TemplateProblem extends Error {
  override name = 'TemplateProblem'
}

export interface TemplateRules {
  /** Variables the template may name (a dotted name counts by its first part). */
  readonly variables: readonly string[]
  /**
   * Whether `{{{x}}}` / `{{& x}}` may be used. Never in the locale strings: their values are the
   * caller's (a user's full name), and in HTML they must be escaped.
   */
  readonly unescaped: boolean
}

/** Mustache's parse tree: [type, value, start, end, children?, ...]. */
type Token = [string, string, number, number, Token[]?]

/** "line 2, column 5" for a character offset, for a message a person can act on. */
function position(template: string, offset: number): string {
  const before = template.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

function parse(template: string): Token[] {
  try {
    return Mustache.parse(template) as Token[]
  } catch (error) {
    // mustache.js says "Unclosed tag at 42": turn the offset into a line and column.
    const message = error instanceof Error ? error.message : String(error)
    const at = /^(.*) at (\d+)$/.exec(message)
    throw new TemplateProblem(`syntax error: ${at ? `${at[1]} (${position(template, Number(at[2]))})` : message}`)
  }
}

function checkTokens(tokens: Token[], template: string, rules: TemplateRules, inSection: boolean): void {
  for (const [type, value, start, , children] of tokens) {
    if (type === 'text' || type === '!' || type === '=') continue
    const where = position(template, start)
    if (type === '>') throw new TemplateProblem(`partials ({{> ${value}}}) are not supported (${where})`)
    if (type === '&' && !rules.unescaped) {
      throw new TemplateProblem(`unescaped variable {{{${value}}}} is not allowed: write {{${value}}} (${where})`)
    }
    const head = value.split('.')[0] ?? value
    const known = value === '.' ? inSection : rules.variables.includes(head)
    if (!known) {
      throw new TemplateProblem(`unknown variable "${value}" (${where}); known here: ${rules.variables.join(', ')}`)
    }
    if (children) checkTokens(children, template, rules, true)
  }
}

/** Throws a TemplateProblem naming the first thing wrong with `template`. */
export function checkTemplate(template: string, rules: TemplateRules): void {
  checkTokens(parse(template), template, rules, false)
}

/** The variable names a template uses (for checks such as "the layout shows the link"). */
export function templateVariables(template: string): Set<string> {
  const names = new Set<string>()
  const walk = (tokens: Token[]): void => {
    for (const [type, value, , , children] of tokens) {
      if (type === 'name' || type === '&' || type === '#' || type === '^') names.add(value)
      if (children) walk(children)
    }
  }
  walk(parse(template))
  return names
}
