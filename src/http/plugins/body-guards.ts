import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { AppError } from '../../errors.js'

/** API.md: bodies over 64 KiB get 413. */
export const BODY_LIMIT = 64 * 1024

/**
 * JSON only (415 for anything else, text/plain included), parsed without
 * prototype pollution: `__proto__` and `constructor.prototype` keys are refused.
 * An empty body is no body, so `POST /auth/logout` works from clients that
 * always send `Content-Type: application/json`.
 */
export const bodyGuardsPlugin = fp(
  async (app) => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
      const text = body as string
      if (text.trim() === '') return done(null, undefined)
      try {
        done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
      } catch (error) {
        done(isPoisoning(error) ? forbiddenProperty(error) : new AppError('invalid_json', 'The body is not valid JSON'), undefined)
      }
    })
  },
  { name: 'tessera-body-guards' },
)

/** secure-json-parse throws a SyntaxError for both bad JSON and prototype keys; tell them apart. */
function isPoisoning(error: unknown): boolean {
  return error instanceof Error && /forbidden (prototype|constructor) property/i.test(error.message)
}

function forbiddenProperty(error: unknown): AppError {
  const path = /constructor/i.test((error as Error).message) ? '/constructor' : '/__proto__'
  return new AppError('validation_failed', 'The body contains a forbidden property', { errors: [{ path, message: 'is not an allowed field' }] })
}
