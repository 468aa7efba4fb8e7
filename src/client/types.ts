// The wire shapes the client sends and receives (API.md). Where the server has a TypeBox schema
// these are its `Static` types, imported type-only: the import is erased, so no server code reaches
// the client bundle. The rest are written here and held to /openapi.json by test/client/types.test.ts.
import type { Static } from 'typebox'
import type { ErrorCode } from '../errors.js'
import type { UserWire } from '../http/schemas/user.js'
import type { TokenResponse as TokenResponseSchema } from '../http/schemas/token-response.js'

/** A user as the API shows it (`GET /auth/me`): never a password or a hash. */
export type User = UserWire

/** The answer of register, login and refresh (RFC 6749 §5.1, plus the user). */
export type TokenResponse = Static<typeof TokenResponseSchema>

/** One login on one device (`GET /auth/sessions`). */
export interface Session {
  id: string
  created_at: string
  last_used_at: string
  expires_at: string
  ip: string | null
  user_agent: string | null
  /** The session this client is signed in with. */
  current: boolean
}

/**
 * A problem code the server sends (docs/errors.md), or one of the client's own:
 * `network_error` (no answer at all) and `invalid_response` (an answer that is not the API's).
 * Open-ended, so a newer server's codes still type-check.
 */
export type TesseraErrorCode = ErrorCode | 'network_error' | 'invalid_response' | (string & {})

/** `POST /auth/register`. */
export interface RegisterInput {
  email: string
  password: string
  username?: string
  full_name?: string
  locale?: string
}

/** `POST /auth/login`: by email or by username. */
export type LoginInput = { email: string; password: string } | { username: string; password: string }

/** `PATCH /auth/me`. Changing `email` needs a fresh token (a password login). */
export interface ProfileChanges {
  username?: string | null
  full_name?: string | null
  /** Needs a fresh token; the new address waits in `pending_email` for the link mailed to it. */
  email?: string
  /** The language of the account's mails (en, pt-BR, zh-CN, ja, ko; others map to the closest); null: English. */
  locale?: string | null
}

/** `PUT /auth/password` (fresh token). */
export interface PasswordChange {
  current_password: string
  new_password: string
}

/** `POST /auth/mfa/challenge` (API.md, "Second factors and passkeys"): one of the three proofs. */
export type MfaChallengeInput =
  | { mfa_token: string; code: string }
  | { mfa_token: string; recovery_code: string }
  | { mfa_token: string; passkey: unknown }

/** `POST /auth/mfa/totp`: a TOTP enrolment waiting for its first code. */
export interface TotpEnrolment {
  /** Base32, for typing into an authenticator app. */
  secret: string
  otpauth_uri: string
  /** The `otpauth_uri` as a QR code, an SVG document (a person would rather scan than type). */
  qr_svg: string
}

/** A passkey of the user (`GET /auth/passkeys`); `id` is Tessera's, not the credential id. */
export interface Passkey {
  id: string
  name: string
  created_at: string
  last_used_at: string | null
}
