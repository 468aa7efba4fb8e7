import { Type } from 'typebox'
import { ERROR_CODE_LIST } from '../../errors.js'

/** ISO 8601 UTC timestamp. */
export const Timestamp = Type.String({ format: 'date-time', examples: ['2026-11-22T10:00:00.000Z'] })
export const Uuid = Type.String({ format: 'uuid' })

export const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] })
/** Checked again after NFC normalisation in the service; the schema bounds the work before hashing. */
export const Password = Type.String({ minLength: 8, maxLength: 128, examples: ['correct horse battery'] })
/** Letters, digits, `_ . -`; no `@`, so a login string is an email or a username, never both. */
export const Username = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', examples: ['ada'] })
export const FullName = Type.String({ minLength: 1, maxLength: 200, examples: ['Ada Lovelace'] })
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
    code: Type.Union(ERROR_CODE_LIST.map((code) => Type.Literal(code))),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details; `code` is stable and machine-readable.' },
)

export const ProblemRef = Type.Unsafe({ $ref: 'Problem#', description: 'application/problem+json' })

/** Response schemas for the problems a route can answer with, for OpenAPI. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemRef]))
}
