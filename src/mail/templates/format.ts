/**
 * How numbers that a mail shows are written in each language: a link's lifetime ("24 hours",
 * "24 horas", "24小时", "24 時間", "24시간") and the time of an event, always in UTC so a mail
 * says the same thing wherever it is read (the time zone is printed with it).
 */
import type { SupportedLocale } from './locales.js'

const UNITS = [
  // From two days on: a one-day link reads as "24 hours", as VERIFY_TOKEN_TTL=24h says it.
  { unit: 'day', seconds: 86_400, from: 2 * 86_400 },
  { unit: 'hour', seconds: 3_600, from: 3_600 },
  { unit: 'minute', seconds: 60, from: 60 },
] as const

/**
 * A lifetime in the largest unit that divides it exactly (86400 → "24 hours", 172800 → "2 days",
 * 5400 → "90 minutes"):
 * Node 20 has no Intl.DurationFormat, and TTLs are set in whole units anyway.
 */
export function formatDuration(seconds: number, locale: SupportedLocale): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new TypeError(`expires_in_seconds must be a positive whole number of seconds, got ${seconds}`)
  }
  const { unit, seconds: size } = UNITS.find((candidate) => seconds >= candidate.from && seconds % candidate.seconds === 0) ?? { unit: 'second', seconds: 1 }
  return cached(`${locale} ${unit}`, () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' })).format(seconds / size)
}

/**
 * Intl formatters, made once per locale and unit: constructing one loads CLDR data and costs far
 * more than formatting (it showed in the CPU profile of a registration, which renders a mail).
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => F): F {
  let formatter = formatters.get(key) as F | undefined
  if (formatter === undefined) {
    formatter = make()
    formatters.set(key, formatter)
  }
  return formatter
}

/**
 * Korean CLDR data writes the day period as "PM" in the long time style; a 24-hour clock reads
 * naturally there ("12시 38분 4초") and cannot be misread.
 */
const TIME_OPTIONS: Partial<Record<SupportedLocale, Intl.DateTimeFormatOptions>> = {
  ko: { hourCycle: 'h23' },
}

/** An ISO 8601 instant as a date and time in UTC ("December 1, 2026 at 12:38:04 PM UTC"). */
export function formatTime(iso: string, locale: SupportedLocale): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) throw new TypeError(`time must be an ISO 8601 date and time, got ${JSON.stringify(iso)}`)
  return cached(`${locale} time`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC', ...TIME_OPTIONS[locale] })).format(date)
}
