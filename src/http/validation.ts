import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const COMMON: Options = {
  allErrors: true,
  // Unknown fields are an error (API.md), never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
}

/** Loose enough for what people type (surrounding spaces are trimmed later), strict about the shape. */
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes })
  ;(addFormats as unknown as (ajv: Ajv) => Ajv)(ajv)
  ajv.addFormat('email', { type: 'string', validate: (value: string) => EMAIL.test(value.trim()) && value.trim().length <= 254 })
  return ajv
}

/**
 * Bodies are checked as sent (`"1"` is not a number, `{"$gt": ""}` is not a
 * string); query strings and path parameters arrive as text, so they are coerced.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = createAjv(false)
  const coercing = createAjv(true)
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>
  }
}
