// The generic parsers the settings table (settings.ts) is written with: a duration, a whole
// number in a range, one of a few words, a rate, a list. Each takes the variable's text (its
// default already applied) and its name, and throws a one-line ConfigError naming it.
import { ConfigError } from './config-error.js'
import type { RateRule } from './types.js'

/** Reads a variable's text (never empty: an empty variable counts as unset) into its value. */
export type Parser<T> = (raw: string, name: string) => T
/** The same for a variable without a default: undefined when it is unset. */
export type OptionalParser<T> = (raw: string | undefined, name: string) => T

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** Parses `900`, `90s`, `15m`, `12h`, `30d` into seconds (as jose's `secs()` reads them). */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1)
}

/** Seconds, or `<n>[smhd]`; at least `min` seconds. */
export function duration({ min = 0 } = {}): Parser<number> {
  return (raw, name) => {
    const seconds = parseDuration(raw)
    if (seconds === undefined) throw new ConfigError(name, `expected seconds or <n>[smhd], got "${raw}"`)
    if (seconds < min) throw new ConfigError(name, `must be at least ${min} seconds`)
    return seconds
  }
}

/** Digits only (no sign, exponent or fraction), from `min` to `max`. */
export function integer(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const value = Number(raw)
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`)
    }
    return value
  }
}

/** One of `allowed`, exactly (case and spaces count). */
export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw, name) => {
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`)
    }
    return raw as T
  }
}

const onOrOff = oneOf(['on', 'off'] as const)

/** `on` or `off`, as a boolean. */
export const onOff: Parser<boolean> = (raw, name) => onOrOff(raw, name) === 'on'

/** `<count>/<duration>` such as `10/15m`: a count of at least 1 per a window of at least 1 s. */
export const rateRule: Parser<RateRule> = (raw, name) => {
  const [count, window] = raw.split('/')
  const max = Number(count)
  const windowSeconds = window === undefined ? undefined : parseDuration(window)
  if (!Number.isInteger(max) || max < 1 || !windowSeconds) {
    throw new ConfigError(name, `expected <count>/<duration> such as 10/15m, got "${raw}"`)
  }
  return { max, windowSeconds }
}

/** The text as it is. */
export const text: Parser<string> = (raw) => raw

/** Comma-separated items, trimmed, empty ones dropped. */
export const list: Parser<string[]> = (raw) => raw.split(',').map((part) => part.trim()).filter((part) => part !== '')

/** A secret of at least `bytes` bytes of UTF-8. */
export function secret(bytes: number, why = ''): Parser<string> {
  return (raw, name) => {
    if (Buffer.byteLength(raw, 'utf8') < bytes) throw new ConfigError(name, `must be at least ${bytes} bytes${why}`)
    return raw
  }
}

/** `parse`, for a variable without a default: unset stays undefined. */
export function optional<T>(parse: Parser<T>): OptionalParser<T | undefined> {
  return (raw, name) => (raw === undefined ? undefined : parse(raw, name))
}
