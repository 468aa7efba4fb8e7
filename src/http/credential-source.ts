import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import type { CredentialRules } from '../domain/credential-rules.js'
import { readCookie } from './plugins/cookies.js'
import { looksLikeJwt } from '../services/access-tokens.js'
import { looksLikeRefreshToken } from '../services/refresh-tokens.js'

/**
 * Where a presented credential comes from and what kind it is, decided in one
 * place (issue 15). Every route that reads a token asks this module; none reads
 * `Authorization`, a cookie or `refresh_token` on its own, so the precedence
 * below holds everywhere alike:
 *
 * - a protected route (`access`): the `Authorization` header wins; without one, the
 *   access cookie (`AUTH_COOKIES=on`), then the query parameter a compatibility
 *   profile allows (only `pyjwt-basic`'s `?token=`);
 * - the refresh endpoint (`refresh`): the body's `refresh_token`, else the header,
 *   else the refresh cookie;
 * - logout (`session`): the header when there is one; else the body's
 *   `refresh_token`; else the access cookie, or the refresh cookie once the access
 *   cookie has expired; else the query parameter.
 *
 * The kind is read from the token's shape (a JWT/JWE is an access token, `rt_…` a
 * refresh token), so a token in the wrong place is `wrong_token_type` before any
 * lookup or signature check.
 */

export type CredentialKind = 'access' | 'refresh'
export type CredentialOrigin = 'header' | 'cookie' | 'body' | 'query'
export type CredentialWanted = 'access' | 'refresh' | 'session'

export interface PresentedCredential {
  token: string
  kind: CredentialKind
  origin: CredentialOrigin
}

export type { CredentialRules } from '../domain/credential-rules.js'

/** The parts of a request a credential can travel in; read lazily (cookies are parsed only when needed). */
export interface CredentialCarrier {
  authorization: string | undefined
  cookie(kind: CredentialKind): string | undefined
  query(name: string): string | undefined
  bodyRefreshToken: string | undefined
}

const patterns = new WeakMap<readonly string[], RegExp>()

/** Compiled once per scheme list (the rules' own array, so the hot path neither joins nor hashes a string). */
function schemePattern(schemes: readonly string[]): RegExp {
  let pattern = patterns.get(schemes)
  if (pattern === undefined) {
    const names = schemes.map((scheme) => scheme.toLowerCase().replace(/[^a-z0-9-]/g, ''))
    pattern = new RegExp(`^(?:${names.join('|')})[ ]+(\\S*)\\s*$`, 'i')
    patterns.set(schemes, pattern)
  }
  return pattern
}

/**
 * Whether a token's shape contradicts the kind its place calls for. Only a clear
 * contradiction counts: a JWT/JWE where a refresh token belongs, an `rt_…` token
 * where an access token belongs. Anything else fails verification later (`token_invalid`).
 */
function contradicts(token: string, expected: CredentialKind): boolean {
  return expected === 'refresh' ? looksLikeJwt(token) : looksLikeRefreshToken(token)
}

/** The token of an `Authorization` header under the accepted schemes (RFC 7235 §2.1: the scheme is case-insensitive). */
export function tokenOfHeader(header: string, rules: CredentialRules): string {
  const match = schemePattern(rules.schemes).exec(header)
  if (match) {
    if (!match[1]) throw new AppError('token_invalid', 'The bearer token is empty')
    return match[1]
  }
  if (rules.bareHeader && /^\S+$/.test(header.trim())) return header.trim()
  throw new AppError('authorization_required', `The Authorization header must use the ${rules.schemes.join(' or ')} scheme`)
}

/** One place a credential may travel, and the kind that place holds. */
type Place = (carrier: CredentialCarrier, rules: CredentialRules) => { token: string; origin: CredentialOrigin } | undefined

const header: Place = (carrier, rules) => (carrier.authorization ? { token: tokenOfHeader(carrier.authorization, rules), origin: 'header' } : undefined)
const body: Place = (carrier) => (carrier.bodyRefreshToken === undefined ? undefined : { token: carrier.bodyRefreshToken, origin: 'body' })
const query: Place = (carrier, rules) => {
  const token = rules.queryParameter === undefined ? undefined : carrier.query(rules.queryParameter)
  return token ? { token, origin: 'query' } : undefined
}
const cookie =
  (kind: CredentialKind): Place =>
  (carrier, rules) => {
    const token = rules.cookies ? carrier.cookie(kind) : undefined
    return token === undefined ? undefined : { token, origin: 'cookie' }
  }

/** The precedence of each purpose: first place that holds something wins, with the kind expected there. */
const PRECEDENCE: Record<CredentialWanted, readonly (readonly [Place, CredentialKind])[]> = {
  access: [
    [header, 'access'],
    [cookie('access'), 'access'],
    [query, 'access'],
  ],
  refresh: [
    [body, 'refresh'],
    [header, 'refresh'],
    [cookie('refresh'), 'refresh'],
  ],
  // Logout: the refresh cookie ends the session even once the access cookie has expired.
  session: [
    [header, 'access'],
    [body, 'refresh'],
    [cookie('access'), 'access'],
    [cookie('refresh'), 'refresh'],
    [query, 'access'],
  ],
}

const MISSING: Record<CredentialWanted, string> = {
  access: 'Send an access token in the Authorization header',
  refresh: 'Send the refresh token in the body as refresh_token or as Authorization: Bearer',
  session: 'Send the access token in the Authorization header, or the refresh token in the body',
}

/**
 * The one credential a request presents for `wanted`, by the precedence above.
 * Throws `authorization_required` when there is none, and `wrong_token_type`
 * when the token found is clearly of the other kind than its place holds.
 */
export function presentedCredential(carrier: CredentialCarrier, rules: CredentialRules, wanted: CredentialWanted): PresentedCredential {
  for (const [place, kind] of PRECEDENCE[wanted]) {
    const found = place(carrier, rules)
    if (found === undefined) continue
    if (contradicts(found.token, kind)) {
      throw new AppError('wrong_token_type', kind === 'access' ? 'A refresh token cannot be used as an access token' : 'An access token cannot be used as a refresh token')
    }
    return { ...found, kind }
  }
  throw new AppError('authorization_required', MISSING[wanted])
}

/** The places of a Fastify request, read only when the precedence reaches them. */
export function carrierOf(request: FastifyRequest, bodyRefreshToken?: string): CredentialCarrier {
  return {
    authorization: request.headers.authorization,
    cookie: (kind) => readCookie(request, kind),
    query: (name) => {
      const value = (request.query as Record<string, unknown> | undefined)?.[name]
      return typeof value === 'string' && value !== '' ? value : undefined
    },
    bodyRefreshToken,
  }
}

/** The credential of a request for `wanted`, under the deployment's rules (see `presentedCredential`). */
export function readCredential(request: FastifyRequest, rules: CredentialRules, wanted: CredentialWanted, bodyRefreshToken?: string): PresentedCredential {
  // Every protected request: the header comes first in the access precedence, so when there is
  // one the answer is decided here, without building the carrier and walking the places.
  const authorization = wanted === 'access' ? request.headers.authorization : undefined
  if (authorization) {
    const token = tokenOfHeader(authorization, rules)
    if (contradicts(token, 'access')) throw new AppError('wrong_token_type', 'A refresh token cannot be used as an access token')
    return { token, kind: 'access', origin: 'header' }
  }
  return presentedCredential(carrierOf(request, bodyRefreshToken), rules, wanted)
}
