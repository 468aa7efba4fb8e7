import { Type } from 'typebox'
import { ERROR_CODE_LIST, type ErrorCode } from '../../errors.js'

/** ISO 8601 UTC timestamp. */
export const Timestamp = Type.String({ format: 'date-time', examples: ['2026-11-22T10:00:00.000Z'] })
export const Uuid = Type.String({ format: 'uuid' })

/** Checked again after NFC normalisation in the service; the schema bounds the work before hashing. */
export const Password = Type.String({ minLength: 8, maxLength: 128, examples: ['correct horse battery'] })
/** A password to log in with: any 1 to 128 characters (legacy passwords may be below the policy for new ones). */
export const LoginPassword = Type.String({ minLength: 1, maxLength: 128, examples: ['correct horse battery'] })
// The formats below are src/domain/identifiers.ts, registered in ../validation.ts (docs/identifiers.md).
export const Email = Type.String({
  format: 'email',
  maxLength: 320,
  description: 'Normalised to NFC, trimmed and lower-cased; at most 254 characters; no control, format, fullwidth or mixed-script characters',
  examples: ['ada@example.com'],
})
/** Unicode letters and digits, `_ . -` (RFC 8265); no `@`, so a login string is an email or a username, never both. */
export const Username = Type.String({
  format: 'username',
  minLength: 2,
  maxLength: 128,
  description: '3 to 32 Unicode letters, digits, `_ . -` (an ideograph counts two towards the minimum of 3; RFC 8265 UsernameCaseMapped: width-mapped, compared case-insensitively)',
  examples: ['ada', 'José_004', '山田'],
})
export const FullName = Type.String({ format: 'full-name', minLength: 1, maxLength: 400, description: '1 to 200 characters, NFC; no control or format characters', examples: ['Ada Lovelace'] })
/** A search filter: any text but control, format and replacement characters. */
export const SearchText = Type.String({ format: 'search-text', minLength: 1, maxLength: 200 })
export const Role = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_:-]*$' })
export const Roles = Type.Array(Role, { maxItems: 16, uniqueItems: true })

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false })

/** RFC 9457 problem document, registered once as a shared schema for OpenAPI. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    // An enum, not a union of literals: every route lists the problems it can answer with, and
    // fast-json-stringify compiles a union into an Ajv validator per route and status (about 5 MB
    // resident at start, issue 19) although problem bodies are sent as strings (problem.ts).
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...ERROR_CODE_LIST] }),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    mfa_token: Type.Optional(Type.String({ description: '`mfa_required` at login: single use, 5 minutes; send it to POST /auth/mfa/challenge' })),
    methods: Type.Optional(Type.Array(Type.String(), { description: '`mfa_required` at login: the answers the account can give (`totp`, `recovery_code`, `passkey`)' })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details; `code` is stable and machine-readable.' },
)

export const ProblemRef = Type.Unsafe({ $ref: 'Problem#', description: 'application/problem+json' })

/** Response schemas for the problems a route can answer with, for OpenAPI. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemRef]))
}

/** A language tag (BCP 47 shape); the account keeps its best supported match (en, pt-BR, zh-CN, ja, ko). */
export const Locale = Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', examples: ['pt-BR', 'ja'] })

/** A one-time link token from a mail: 43 base64url characters (anything else is `email_token_invalid`, not a schema error). */
export const LinkToken = Type.String({ minLength: 1, maxLength: 512, description: 'The `token` parameter of the link in the mail' })
