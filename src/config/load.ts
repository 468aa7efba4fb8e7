// loadConfig: the settings table (settings.ts), then the rules that join several variables, each
// with its reason. Only this module reads the environment.
import { KeyFileError, readPrivateKeyFile } from '../key-formats/private-key-file.js'
import { emailProblem, normalizeEmail } from '../domain/identifiers.js'
import type { CredentialRules } from '../domain/credential-rules.js'
import type { CompatProfile } from '../compat/profile.js'
import { ConfigError } from './config-error.js'
import { linkTemplate, publicUrl as parsePublicUrl } from './formats.js'
import { readSettings } from './settings.js'
import type { Config, Env, JwtAlgorithm, WebAuthnSettings } from './types.js'

/**
 * Reads and checks every setting. Only this function reads the environment.
 *
 * @throws ConfigError naming the first bad variable.
 * @example
 * ```ts
 * const config = loadConfig(process.env)
 * ```
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const { compatProfile: profile, webauthnRpId, webauthnRpName, webauthnOrigins, ...values } = readSettings(env)
  checkPrivateKeyFile(values.jwtAlgorithm, values.jwtPrivateKeyFile)
  const adminEmail = checkAdmin(values.adminEmail, values.adminPassword)
  // Unset, PUBLIC_URL is http://HOST:PORT (brackets around an IPv6 address); derived, it is checked as if set.
  const publicUrl = values.publicUrl ?? parsePublicUrl(`http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${values.port}`, 'PUBLIC_URL')
  const config: Config = {
    ...values,
    adminEmail,
    compatProfile: profile?.name,
    // A profile that emulates a library that never rotates turns rotation off, unless REFRESH_ROTATION says on.
    refreshRotation: values.refreshRotation ?? profile?.refreshRotation ?? true,
    credentialRules: credentialRules(values.tokenSchemes, values.authCookies, profile),
    publicUrl,
    emailLinkVerify: linkTemplate(values.emailLinkVerify.replaceAll('${PUBLIC_URL}', publicUrl), 'EMAIL_LINK_VERIFY'),
    emailLinkReset: linkTemplate(values.emailLinkReset.replaceAll('${PUBLIC_URL}', publicUrl), 'EMAIL_LINK_RESET'),
    webauthn: webauthnSettings(publicUrl, webauthnRpId, webauthnRpName, webauthnOrigins),
  }
  if (config.refreshTokenTtl <= config.accessTokenTtl) {
    throw new ConfigError('REFRESH_TOKEN_TTL', 'must be longer than ACCESS_TOKEN_TTL')
  }
  // Each worker would open its own empty in-memory database: logins would alternate 401/200 (@see issue 13).
  if (config.workers > 1 && isInMemorySqlite(config.databaseUrl)) {
    throw new ConfigError('WORKERS', `WORKERS=${config.workers} cannot share DATABASE_URL=${config.databaseUrl} (each worker would get its own empty database); use a sqlite:<file>, postgres:// or mysql:// database, or WORKERS=1`)
  }
  return Object.freeze(config)
}

/**
 * Without a key file, the asymmetric algorithms use keys generated into the database
 * (services/keys/key-store.ts), and HS256 ignores the file. With one, it is read and checked
 * now, so a wrong key stops the start with one line instead of failing later.
 */
function checkPrivateKeyFile(algorithm: JwtAlgorithm, file: string | undefined): void {
  if (algorithm === 'HS256' || file === undefined) return
  try {
    readPrivateKeyFile(algorithm, file)
  } catch (error) {
    if (error instanceof KeyFileError) throw new ConfigError('JWT_PRIVATE_KEY_FILE', error.reason)
    throw error
  }
}

/** ADMIN_EMAIL and ADMIN_PASSWORD: set together or not at all (said first), then each checked. The normalised email. */
function checkAdmin(emailText: string | undefined, password: string | undefined): string | undefined {
  const email = emailText === undefined ? undefined : normalizeEmail(emailText)
  if ((email === undefined) !== (password === undefined)) {
    throw new ConfigError(email ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together')
  }
  const problem = emailText === undefined ? undefined : emailProblem(emailText)
  if (problem !== undefined) throw new ConfigError('ADMIN_EMAIL', `expected an email address: ${problem}`)
  if (password !== undefined) {
    const length = [...password.normalize('NFC')].length
    if (length < 8 || length > 128) throw new ConfigError('ADMIN_PASSWORD', 'must be 8 to 128 characters')
  }
  return email
}

/** Where tokens may travel: TOKEN_SCHEMES and AUTH_COOKIES, plus what the profile adds (http/credential-source.ts). */
function credentialRules(tokenSchemes: readonly string[], cookies: boolean, profile: CompatProfile | undefined): CredentialRules {
  const schemes: string[] = [...tokenSchemes]
  for (const scheme of profile?.token.schemes ?? []) if (!schemes.includes(scheme)) schemes.push(scheme)
  return Object.freeze({
    schemes: Object.freeze(schemes),
    cookies,
    bareHeader: profile?.token.bareHeader ?? false,
    queryParameter: profile?.token.queryParameter,
  })
}

/** `sqlite::memory:` and `sqlite:` (no path) open a private database per connection. */
function isInMemorySqlite(databaseUrl: string): boolean {
  return databaseUrl === 'sqlite::memory:' || databaseUrl === 'sqlite:'
}

/** An http(s) URL, or undefined. */
function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * The WebAuthn relying party, from `PUBLIC_URL` unless set: the RP ID is its hostname (no
 * port), the allowed origin its origin. Every origin must be on the RP ID or a subdomain of it
 * (WebAuthn §5.1.3 step 8), or browsers would refuse every ceremony; that is a setting error,
 * found at start.
 */
function webauthnSettings(publicUrl: string, explicitRpId: string | undefined, rpName: string, explicitOrigins: string[] | undefined): WebAuthnSettings {
  const url = new URL(publicUrl)
  // Derived from PUBLIC_URL it is taken as it is: an IP address (HOST=::, no PUBLIC_URL) cannot be a
  // relying party, so passkeys then fail in the browser, but the server still starts. Set, it was checked by its row.
  const rpId = explicitRpId ?? url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const origins = explicitOrigins ?? [url.origin]
  for (const [index, origin] of origins.entries()) {
    const parsed = parseHttpUrl(origin)
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '')) throw new ConfigError('WEBAUTHN_ORIGINS', `item ${index + 1}: expected an origin such as https://app.example.com, got "${origin}"`)
    origins[index] = parsed.origin
    if ((explicitOrigins !== undefined || explicitRpId !== undefined) && parsed.hostname !== rpId && !parsed.hostname.endsWith(`.${rpId}`)) {
      throw new ConfigError('WEBAUTHN_ORIGINS', `${parsed.origin} is not on the relying party ID ${rpId} or a subdomain of it`)
    }
  }
  return Object.freeze({ rpId, rpName, origins: Object.freeze(origins) })
}
