// The formats of single variables that are more than a number, a duration or a word: URLs,
// origin lists, client pairs, profile names. Each is a Parser for its row in settings.ts (or, for
// PUBLIC_URL and the link templates, also for the value load.ts derives) and throws a one-line
// ConfigError naming the variable.
import { cpus } from 'node:os'
import { parseJweKey } from '../key-formats/jwe-key.js'
import { COMPAT_PROFILES } from '../compat/profiles.js'
import type { CompatProfile } from '../compat/profile.js'
import { ConfigError } from './config-error.js'
import { integer, type OptionalParser, type Parser } from './parsers.js'

export const databaseUrl: Parser<string> = (raw, name) => {
  if (!/^(sqlite:|postgres(ql)?:\/\/|mysql:\/\/)/.test(raw)) throw new ConfigError(name, 'expected sqlite:<path>, sqlite::memory:, postgres://… or mysql://…')
  return raw
}

export const redisUrl: Parser<string> = (raw, name) => {
  if (!/^rediss?:\/\/./.test(raw)) throw new ConfigError(name, 'expected redis://… or rediss://…')
  return raw
}

export const jweKey: Parser<Uint8Array> = (raw, name) => {
  const key = parseJweKey(raw)
  if (key === undefined) throw new ConfigError(name, `expected 32 bytes as base64url (43 characters, or 44 with "=" padding), got ${raw.length} characters`)
  return key
}

/** RFC 3986 unreserved characters: unchanged by the form-encoding RFC 6749 §2.3.1 applies inside HTTP Basic. */
const CLIENT_TOKEN = /^[A-Za-z0-9._~-]+$/

/**
 * `INTROSPECTION_CLIENTS`: comma-separated `client_id:secret` pairs. Both halves use unreserved
 * characters only, so a client that form-encodes them (as RFC 6749 §2.3.1 asks) and one that
 * does not send the same bytes; secrets are at least 32 bytes, like `JWT_SECRET`. The messages
 * name the pair or the client, never the secret.
 */
export const introspectionClients: OptionalParser<ReadonlyMap<string, string>> = (raw, name) => {
  const clients = new Map<string, string>()
  if (raw === undefined) return clients
  for (const [index, pair] of raw.split(',').map((part) => part.trim()).entries()) {
    const colon = pair.indexOf(':')
    const clientId = pair.slice(0, colon)
    const secret = pair.slice(colon + 1)
    if (colon < 1 || !CLIENT_TOKEN.test(clientId) || !CLIENT_TOKEN.test(secret)) {
      throw new ConfigError(name, `pair ${index + 1}: expected client_id:secret using only A-Z a-z 0-9 . _ ~ -`)
    }
    if (secret.length < 32) throw new ConfigError(name, `the secret of client "${clientId}" must be at least 32 bytes`)
    if (clients.has(clientId)) throw new ConfigError(name, `client "${clientId}" is listed twice`)
    clients.set(clientId, secret)
  }
  return clients
}

/** `CORS_ORIGINS`: comma-separated exact origins; `*` is refused because credentials are allowed. */
export const corsOrigins: OptionalParser<string[]> = (raw, name) => {
  if (raw === undefined) return []
  const origins: string[] = []
  for (const item of raw.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let origin: string | undefined
    try {
      const url = new URL(item)
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item.replace(/\/$/, '')) origin = url.origin
    } catch {
      origin = undefined
    }
    if (origin === undefined) throw new ConfigError(name, `expected origins such as https://app.example.com (scheme, host and port only), got "${item}"`)
    origins.push(origin)
  }
  return origins
}

/** `TOKEN_SCHEMES`: Bearer and JWT in any case, each kept once. */
export const tokenSchemes: Parser<('Bearer' | 'JWT')[]> = (raw, name) => {
  const known = { bearer: 'Bearer', jwt: 'JWT' } as const
  const result: ('Bearer' | 'JWT')[] = []
  for (const scheme of raw.split(',').map((part) => part.trim())) {
    const value = known[scheme.toLowerCase() as keyof typeof known]
    if (value === undefined) throw new ConfigError(name, `expected a list of Bearer and JWT, got "${raw}"`)
    if (!result.includes(value)) result.push(value)
  }
  return result
}

/** `COMPAT_PROFILE`: a profile of src/compat/profiles.ts by name; unset or `off` is none. */
export const compatProfile: OptionalParser<CompatProfile | undefined> = (raw, name) => {
  const profileName = (raw ?? '').trim()
  if (profileName === '' || profileName === 'off') return undefined
  const profile = COMPAT_PROFILES[profileName]
  if (profile === undefined) throw new ConfigError(name, `expected one of ${Object.keys(COMPAT_PROFILES).join(', ')}, got "${profileName}"`)
  return profile
}

/** `REFRESH_ROTATION`: `on` or `off` (spaces around allowed); unset leaves the choice to the profile (load.ts). */
export const refreshRotation: OptionalParser<boolean | undefined> = (raw, name) => {
  const value = (raw ?? '').trim()
  if (value === '') return undefined
  if (value !== 'on' && value !== 'off') throw new ConfigError(name, `expected on or off, got "${value}"`)
  return value === 'on'
}

const workerCount = integer(1, 64)

/** `WORKERS`: 1 to 64, or `auto` for one per core. */
export const workers: Parser<number> = (raw, name) => (raw === 'auto' ? Math.max(1, cpus().length) : workerCount(raw, name))

/** Shown by authenticator apps and carried in the otpauth URI's label, where `:` separates issuer and account. */
export const mfaIssuer: Parser<string> = (raw, name) => {
  if (raw.length > 64 || raw.includes(':') || /[\p{Cc}\p{Cf}]/u.test(raw)) throw new ConfigError(name, 'expected at most 64 characters, without ":" or control characters')
  return raw
}

/** `PUBLIC_URL` (set, or derived from HOST and PORT): an http(s) origin with an optional path, kept without its trailing slash. */
export const publicUrl: Parser<string> = (raw, name) => {
  try {
    const url = new URL(raw)
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '') return url.href.replace(/\/+$/, '')
  } catch {
    // reported below
  }
  throw new ConfigError(name, `expected an http:// or https:// URL without query or fragment, got "${raw}"`)
}

/** `EMAIL_LINK_*` once `${PUBLIC_URL}` is put in (load.ts): an http(s) URL holding `{token}` once. */
export const linkTemplate: Parser<string> = (raw, name) => {
  if (raw.split('{token}').length !== 2 || !/^https?:\/\/[^\s]+$/.test(raw)) {
    throw new ConfigError(name, `expected an http(s) URL containing {token} once, got "${raw}"`)
  }
  return raw
}

export const mailUrl: Parser<string> = (raw, name) => {
  if (raw === 'log') return raw
  try {
    const url = new URL(raw)
    if ((url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '') return raw
  } catch {
    // reported below
  }
  // The URL may hold a password: name the scheme only.
  throw new ConfigError(name, 'expected log, smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]')
}

/** An address, or `Name <address>`; kept trimmed. */
export const mailFrom: Parser<string> = (raw, name) => {
  if (!/^([^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/.test(raw.trim())) {
    throw new ConfigError(name, `expected an address or "Name <address>", got "${raw}"`)
  }
  return raw.trim()
}

/** `WEBAUTHN_RP_ID` when set: a host name, lower-cased (whether the origins are on it is load.ts's rule). */
export const webauthnRpId: Parser<string> = (raw, name) => {
  const rpId = raw.toLowerCase()
  if (!/^[a-z0-9.-]+$/.test(rpId) || rpId.startsWith('.') || rpId.endsWith('.')) {
    throw new ConfigError(name, `expected a host name without scheme or port (such as example.com), got "${rpId}"`)
  }
  return rpId
}
