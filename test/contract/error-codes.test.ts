// Every error code is documented, published in the OpenAPI Problem schema, and asserted by a
// black-box test, as fastify checks its own error codes. @see issue 2
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp, ERROR_CODES, loadConfig } from '../../src/index.js'
import { EXTENSION_CODES } from '../../src/errors.js'

const ROOT = resolve(import.meta.dirname, '../..')
const codes = Object.keys(ERROR_CODES)
// API.md lives in shared/ beside the repository (as CI checks it out); without it that one check is skipped.
const apiContract = (() => {
  try {
    return readFileSync(resolve(ROOT, '../shared/API.md'), 'utf8')
  } catch {
    return ''
  }
})()

describe('error codes', () => {
  let app: FastifyInstance
  let problemCodes: string[]
  before(async () => {
    app = await buildApp({ config: loadConfig({ DATABASE_URL: 'sqlite::memory:' }), logger: false })
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const code = document.components.schemas.Problem.properties.code
    problemCodes = code.enum ?? code.anyOf.map((option: { const?: string; enum?: string[] }) => option.const ?? option.enum?.[0])
  })
  after(() => app.close())

  const errorsDoc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
  const httpTests = readdirSync(join(ROOT, 'test/http'))
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => readFileSync(join(ROOT, 'test/http', name), 'utf8'))
    .join('\n')

  it('are exactly the codes of the contract', { skip: apiContract ? false : 'API.md not found' }, () => {
    // The rows of API.md's error table: `| 401 | `token_invalid` | when |`.
    const rows = [...apiContract.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)]
    const contractCodes = rows.flatMap((row) => [...row[2]!.matchAll(/`([a-z_]+)`/g)].map((match) => [match[1]!, Number(row[1])] as const))
    assert.ok(contractCodes.length >= 20)
    for (const [code, status] of contractCodes) {
      assert.equal(ERROR_CODES[code as keyof typeof ERROR_CODES]?.status, status, `${code} (${status}) from API.md`)
    }
    const contract = new Set(contractCodes.map(([code]) => code))
    const beyond = codes.filter((code) => !contract.has(code))
    assert.deepEqual(beyond, [...EXTENSION_CODES], 'no code beyond the contract but the declared extensions')
  })

  for (const code of codes) {
    it(`${code} is documented, published and tested`, () => {
      assert.ok(errorsDoc.includes(`\`${code}\``), `docs/errors.md does not mention ${code}`)
      assert.ok(problemCodes.includes(code), `the OpenAPI Problem.code enum lacks ${code}`)
      // An assertion on the code, not just a mention: `code, '<code>'` or `code: '<code>'`, or a table row's `code: '<code>'`.
      assert.match(httpTests, new RegExp(`(code|expectProblem\\([^)]*)['"]?[,:)]\\s*['"]${code}['"]|['"]${code}['"]\\s*\\)`), `no test in test/http asserts ${code}`)
    })
  }
})
