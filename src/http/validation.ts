import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { emailProblem, fullNameProblem, searchTextProblem, usernameProblem } from '../domain/identifiers.js'

const COMMON: Options = {
  allErrors: true,
  // Unknown fields are an error (API.md), never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
}

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes })
  ;(addFormats as unknown as (ajv: Ajv) => Ajv)(ajv)
  // The identifier rules live in one module (src/domain/identifiers.ts); the schemas name them as formats.
  ajv.addFormat('email', { type: 'string', validate: (value: string) => emailProblem(value) === undefined })
  ajv.addFormat('username', { type: 'string', validate: (value: string) => usernameProblem(value) === undefined })
  ajv.addFormat('full-name', { type: 'string', validate: (value: string) => fullNameProblem(value) === undefined })
  ajv.addFormat('search-text', { type: 'string', validate: (value: string) => searchTextProblem(value) === undefined })
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
