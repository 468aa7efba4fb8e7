import { randomUUID } from 'node:crypto'
import { errors as joseErrors, jwtVerify, type JWSHeaderParameters, type JWTPayload } from 'jose'
import { AppError } from '../errors.js'
import type { Config } from '../config.js'
import { looksLikeRefreshToken } from './refresh-tokens.js'
import type { RevocationList } from './revocation/list.js'
import type { KeyRing, VerifyingKey } from './keys/keyring.js'
import { ACCESS_TOKEN_TYPE } from './keys/keys.js'
import { createTokenEncryption, type EncryptionKey, type TokenEncryption } from './keys/jwe-key.js'
import { createVerifiedTokenCache } from './verified-token-cache.js'
import { isCanonicalCompact, isLowS, withLowS } from './token-canonical.js'

/** Who made an authenticated request: read from a verified, unrevoked access token. */
export interface AuthContext {
  userId: string
  sessionId: string
  roles: string[]
  /** True only for tokens issued by a login (password, second factor, passkey), never by a refresh. */
  fresh: boolean
  /** RFC 8176 authentication methods of the session's login: `pwd`, `otp`, `mfa`, `hwk`, `user`. */
  amr: readonly string[]
  /** `mfa_enrollment`: the token may only enrol a second factor (MFA policy). */
  scope?: 'mfa_enrollment'
  tokenId: string
  /** Epoch seconds. */
  issuedAt: number
  expiresAt: number
}

export interface AccessTokenClaims {
  userId: string
  sessionId: string
  roles: string[]
  fresh: boolean
  amr: readonly string[]
  scope?: 'mfa_enrollment' | null
}

/** The RFC 8176 values that mean a second factor was shown: a one-time code, a recovery code (`mfa`), a hardware key. */
const SECOND_FACTOR_AMR = new Set(['otp', 'mfa', 'hwk'])

/** Whether a token's `amr` shows two factors (what `requireAuth({ mfa: true })` asks). */
export function hasTwoFactors(amr: readonly string[]): boolean {
  return amr.some((method) => SECOND_FACTOR_AMR.has(method))
}

export interface AccessTokens {
  /**
   * `expiresIn` is ACCESS_TOKEN_TTL, as `expires_in` says it. `iat` is whole seconds, so the token
   * ends up to a second sooner: `secondsLeft` is the whole seconds it surely has (what its cookie may live).
   */
  sign(claims: AccessTokenClaims): Promise<{ token: string; expiresIn: number; secondsLeft: number }>
  /** Verifies signature, algorithm, `typ`, `iss`, `aud`, expiry and revocation. */
  verify(token: string): Promise<AuthContext>
  /**
   * The same answer as `verify`, synchronously, for a token this instance has
   * already verified (the verified-token cache); `undefined` when the token
   * must go through `verify`. Revocation is checked here too, on every call.
   * The hot path of `requireAuth`: no promise, no microtask per request.
   */
  verifyKnown(token: string): AuthContext | undefined
}

/** A compact JWS (3 parts) or JWE (5 parts) whose header is a JSON object: an access token by its shape. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.')
  return (parts.length === 3 || parts.length === 5) && token.startsWith('eyJ') && parts.every((part, i) => i > 0 || /^[A-Za-z0-9_-]+$/.test(part))
}

/** RFC 9068 §2.1: access tokens are typed so no other JWT can stand in for one (the signer sets it, keys.ts). */
export { ACCESS_TOKEN_TYPE }

/** Enough for every live token of a busy instance; about 1 KB each at worst. */
const VERIFIED_CACHE_ENTRIES = 50_000

/** Every algorithm a key may have; each key still accepts only its own (see keyForHeader). */
const ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA']

export async function createAccessTokens(options: {
  config: Config
  keys: KeyRing
  /** Required with `ACCESS_TOKEN_FORMAT=jwe` (see jwe-key.ts loadEncryptionKey). */
  encryption?: EncryptionKey | undefined
  revocation: RevocationList
  now: () => number
}): Promise<AccessTokens> {
  const { config, keys, revocation, now } = options
  const verified = createVerifiedTokenCache<AuthContext>(VERIFIED_CACHE_ENTRIES)
  const encryption = await importEncryption(config, options.encryption)

  /**
   * The key is always ours, chosen by kid alone: header jwk/jku/x5u/x5c are
   * never looked at, let alone fetched, and the key's own algorithm is the only
   * one allowed (RFC 8725 §3.1), whatever `alg` the token claims. A kid we do
   * not know reloads the ring (at most once a second): another instance may
   * have rotated. No kid at all is only accepted by the legacy HS256 key, for
   * tokens issued before tokens carried one.
   */
  async function keyForHeader(header: JWSHeaderParameters): Promise<VerifyingKey> {
    const kid: unknown = header.kid
    if (kid !== undefined && typeof kid !== 'string') throw new joseErrors.JWSInvalid('kid is not a string')
    const entry = keys.find(kid) ?? (kid === undefined ? undefined : await keys.findAfterReload(kid))
    if (entry === undefined) throw new joseErrors.JWSInvalid('unknown kid')
    if (header.alg !== entry.key.algorithm) throw new joseErrors.JOSEAlgNotAllowed('alg is not the key\'s algorithm')
    return entry
  }

  async function verifySignatureAndClaims(token: string): Promise<AuthContext> {
    // Before the cache: a second spelling of a token (padding, low bits) is refused, never looked up.
    // Only canonical strings are ever cached, so verifyKnown's exact-text lookup needs no check of its own.
    if (!isCanonicalCompact(token)) throw invalidToken('The access token is not canonical base64url (RFC 7515)')
    const at = now()
    const cached = verified.get(token, at)
    if (cached) return cached
    // With JWE required, a plain JWS (or anything else that does not decrypt) is token_invalid, whatever it says.
    const jws = encryption === undefined ? token : await decryptOrInvalid(encryption, token)
    if (jws !== token && !isCanonicalCompact(jws)) throw invalidToken('The signed token inside is not canonical base64url')
    let payload: JWTPayload
    let usedKey: VerifyingKey | undefined
    try {
      ;({ payload } = await jwtVerify(
        jws,
        async (header) => {
          usedKey = await keyForHeader(header)
          return usedKey.key.verifyKey
        },
        {
        algorithms: ALGORITHMS,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: config.jwtLeeway,
        currentDate: new Date(at),
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      },
      ))
    } catch (error) {
      throw translateJoseError(error)
    }
    // (r, n − s) verifies as well as (r, s): only the low-S form is the token.
    if (usedKey!.key.algorithm === 'ES256' && !isLowS(jws.slice(jws.lastIndexOf('.') + 1))) throw invalidToken('The ES256 signature is not in low-S form')
    // jose checks nbf and exp but not a future iat; a token from the future was not issued by us (issue 14).
    if (typeof payload.iat !== 'number' || payload.iat > Math.floor(at / 1000) + config.jwtLeeway) throw invalidToken('The access token was issued in the future')
    const context = toAuthContext(payload)
    // Never cached past the key's own end: a retired key's tokens stop at the same instant, cached or not.
    verified.set(token, context, Math.min((context.expiresAt + config.jwtLeeway) * 1000, usedKey!.verifiesUntil))
    return context
  }

  /**
   * Never cached: a logout must take effect on the very next request, and a set
   * that may have missed other instances' revocations answers 503, never an allow.
   */
  function assertNotRevoked(context: AuthContext): AuthContext {
    revocation.assertCurrent()
    if (revocation.isRevoked(context.sessionId)) throw new AppError('token_revoked', 'This session has ended')
    return context
  }

  return {
    async sign(claims) {
      const nowMs = now()
      const issuedAt = Math.floor(nowMs / 1000)
      // Read per token: after a rotation (here or on another instance) the next token uses the new key.
      const key = keys.active()
      const payload: JWTPayload = {
        iss: config.jwtIssuer,
        aud: config.jwtAudience,
        sub: claims.userId,
        sid: claims.sessionId,
        roles: claims.roles,
        fresh: claims.fresh,
        amr: [...claims.amr],
        ...(claims.scope ? { scope: claims.scope } : {}),
        iat: issuedAt,
        exp: issuedAt + config.accessTokenTtl,
        jti: randomUUID(),
      }
      const signed = key.sign(payload)
      const token = key.algorithm === 'ES256' ? withLowS(signed) : signed
      // RFC 7519 §11.2: sign, then encrypt, so the signature covers the claims and clients see neither.
      return { token: encryption === undefined ? token : await encryption.encrypt(token), expiresIn: config.accessTokenTtl, secondsLeft: Math.floor(issuedAt + config.accessTokenTtl - nowMs / 1000) }
    },

    async verify(token) {
      if (looksLikeRefreshToken(token)) throw new AppError('wrong_token_type', 'A refresh token cannot be used as an access token')
      return assertNotRevoked(await verifySignatureAndClaims(token))
    },

    verifyKnown(token) {
      const cached = verified.get(token, now())
      return cached === undefined ? undefined : assertNotRevoked(cached)
    },
  }
}

async function importEncryption(config: Config, key: EncryptionKey | undefined): Promise<TokenEncryption | undefined> {
  if (config.accessTokenFormat !== 'jwe') return undefined
  if (key === undefined) throw new TypeError('ACCESS_TOKEN_FORMAT=jwe needs options.encryption (loadEncryptionKey provides it)')
  return createTokenEncryption(key)
}

/** Every decryption failure is the same `token_invalid`: which part was wrong is no business of the presenter's. */
async function decryptOrInvalid(encryption: TokenEncryption, token: string): Promise<string> {
  try {
    return await encryption.decrypt(token)
  } catch (error) {
    throw new AppError('token_invalid', 'The access token is not valid', { cause: error })
  }
}

function invalidToken(detail: string): AppError {
  // The detail stays generic on the wire; which rule failed is for the log (cause).
  return new AppError('token_invalid', 'The access token is not valid', { cause: new Error(detail) })
}

/** jose's errors become ours at this boundary: expiry is told apart, everything else is `token_invalid`. */
function translateJoseError(error: unknown): AppError {
  if (error instanceof joseErrors.JWTExpired) return new AppError('token_expired', 'The access token has expired')
  return new AppError('token_invalid', 'The access token is not valid', { cause: error })
}

function toAuthContext(payload: JWTPayload): AuthContext {
  const { sub, sid, roles, fresh, jti, iat, exp, amr, scope } = payload as JWTPayload & { sid?: unknown; roles?: unknown; fresh?: unknown; amr?: unknown; scope?: unknown }
  const rolesOk = Array.isArray(roles) && roles.every((role) => typeof role === 'string')
  // Tokens signed before amr existed lack it; they all came from password logins.
  const amrOk = amr === undefined || (Array.isArray(amr) && amr.every((method) => typeof method === 'string'))
  const scopeOk = scope === undefined || scope === 'mfa_enrollment'
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || !rolesOk || typeof fresh !== 'boolean' || !amrOk || !scopeOk) {
    throw new AppError('token_invalid', 'The access token lacks required claims')
  }
  // Frozen: the verified-token cache hands this same object to every request bearing the token.
  return Object.freeze({
    userId: sub,
    sessionId: sid,
    roles: Object.freeze([...(roles as string[])]) as string[],
    fresh,
    amr: Object.freeze([...((amr as string[] | undefined) ?? ['pwd'])]),
    ...(scope === 'mfa_enrollment' ? { scope } : {}),
    tokenId: jti,
    issuedAt: iat!,
    expiresAt: exp!,
  })
}
