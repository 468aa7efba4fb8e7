/**
 * The languages Tessera's mails are written in, and how a stored or requested language tag
 * (BCP 47, RFC 5646) or an Accept-Language header (RFC 9110 §12.5.4) picks one of them.
 */

export const SUPPORTED_LOCALES = ['en', 'pt-BR', 'zh-CN', 'ja', 'ko'] as const
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number]

/**
 * Whether `x` is exactly one of the built-in tags (use pickLocale to match `pt` or `zh-Hans`).
 *
 * @example
 * isSupportedLocale('pt-BR') // true
 * isSupportedLocale('pt') // false
 */
export function isSupportedLocale(x: string): x is SupportedLocale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(x)
}

/** Accept-Language entries looked at: a header is short in practice; a huge one costs no more. */
const MAX_RANGES = 32

/** Traditional Chinese scripts and regions: Simplified Chinese is not their language. */
const TRADITIONAL_CHINESE = new Set(['hant', 'tw', 'hk', 'mo'])

/**
 * The supported locale a single tag means, or undefined. Matching is by language, as a person
 * would expect: any Portuguese reads Brazilian Portuguese better than English, and `zh`,
 * `zh-Hans`, `zh-SG` are Simplified Chinese; `zh-TW`, `zh-HK` and `zh-Hant` are not (a browser
 * that sends them usually lists `zh` next, which then matches).
 */
export function matchLocale(tag: string): SupportedLocale | undefined {
  const subtags = tag.trim().replace(/_/g, '-').toLowerCase().split('-')
  switch (subtags[0]) {
    case 'en': return 'en'
    case 'pt': return 'pt-BR'
    case 'ja': return 'ja'
    case 'ko': return 'ko'
    case 'zh': return subtags.slice(1).some((subtag) => TRADITIONAL_CHINESE.has(subtag)) ? undefined : 'zh-CN'
    default: return undefined
  }
}

/** The language ranges of an Accept-Language header, best first (q=0 and `*` left out). */
export function parseAcceptLanguage(header: string): string[] {
  const ranges: Array<{ tag: string, q: number, order: number }> = []
  for (const [order, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [tag = '', ...params] = part.split(';').map((piece) => piece.trim())
    if (tag === '' || tag === '*') continue
    let q = 1
    for (const param of params) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/i.exec(param)
      if (match) q = Number(match[1])
      else if (/^q\s*=/i.test(param)) q = Number.NaN // a malformed weight: drop the range rather than guess
    }
    if (Number.isNaN(q) || q <= 0 || q > 1) continue
    ranges.push({ tag, q, order })
  }
  // Sort is stable, but the explicit order keeps equal weights in the header's order regardless.
  ranges.sort((a, b) => b.q - a.q || a.order - b.order)
  return ranges.map((range) => range.tag)
}

/**
 * Best supported match for a stored/requested locale, else for Accept-Language (q-values,
 * 'pt' → 'pt-BR', 'zh' / 'zh-Hans' → 'zh-CN'), else 'en'.
 *
 * @example
 * pickLocale('pt') // 'pt-BR'
 * pickLocale(null, 'fr-CH, zh-TW;q=0.9, zh;q=0.8, en;q=0.5') // 'zh-CN'
 * pickLocale('de') // 'en'
 */
export function pickLocale(requested: string | null | undefined, acceptLanguage?: string): SupportedLocale {
  const fromRequested = requested ? matchLocale(requested) : undefined
  if (fromRequested) return fromRequested
  for (const tag of acceptLanguage ? parseAcceptLanguage(acceptLanguage) : []) {
    const match = matchLocale(tag)
    if (match) return match
  }
  return 'en'
}
