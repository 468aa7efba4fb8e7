// Every error code is documented, published in the OpenAPI Problem schema, and carried by a real
// HTTP answer to a request of error-scenarios.ts, as fastify checks its own error codes. @see issue 2, issue 15
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp, ERROR_CODES, loadConfig } from '../../src/index.js'
import { EXTENSION_CODES } from '../../src/errors.js'
import { api, login, PASSWORD, uniqueEmail, type Account } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { ADMIN_EMAIL, ADMIN_PASSWORD, SCENARIO_ENV, SCENARIOS, type ScenarioContext } from './error-scenarios.js'
import { ROOT } from '../helpers/paths.js'

const codes = Object.keys(ERROR_CODES)
// API.md lives in shared/ beside the repository (as CI checks it out); without it that one check is skipped.
const apiContract = (() => {
  try {
    return readFileSync(resolve(ROOT, '../shared/API.md'), 'utf8')
  } catch {
    return ''
  }
})()

/**
 * Codes of API.md's sections that are not built yet, each with the open issue that builds it. The
 * check below fails when one of them appears in src/errors.ts without leaving this list, or when
 * API.md gains a code that is neither built nor listed here.
 */
const NOT_BUILT_YET: Record<string, string> = {
}

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

  it('are exactly the codes of the contract', { skip: apiContract ? false : 'API.md not found' }, () => {
    // The rows of API.md's error table: `| 401 | `token_invalid` | when |`.
    const rows = [...apiContract.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)]
    const contractCodes = rows.flatMap((row) => [...row[2]!.matchAll(/`([a-z_]+)`/g)].map((match) => [match[1]!, Number(row[1])] as const))
    assert.ok(contractCodes.length >= 20)
    const missing = contractCodes.filter(([code]) => !(code in ERROR_CODES)).map(([code]) => code)
    assert.deepEqual(missing, Object.keys(NOT_BUILT_YET), 'the contract codes not in src/errors.ts are exactly those of sections not built yet')
    for (const [code, status] of contractCodes) {
      if (code in NOT_BUILT_YET) continue
      assert.equal(ERROR_CODES[code as keyof typeof ERROR_CODES]?.status, status, `${code} (${status}) from API.md`)
    }
    const contract = new Set(contractCodes.map(([code]) => code))
    const beyond = codes.filter((code) => !contract.has(code))
    assert.deepEqual(beyond, [...EXTENSION_CODES], 'no code beyond the contract but the declared extensions')
  })

  for (const code of codes) {
    it(`${code} is documented and published`, () => {
      assert.ok(errorsDoc.includes(`\`${code}\``), `docs/errors.md does not mention ${code}`)
      assert.ok(problemCodes.includes(code), `the OpenAPI Problem.code enum lacks ${code}`)
    })
  }
})

describe('every error code is carried by a real answer', () => {
  let server: RunningServer
  let host: FastifyInstance
  let context: ScenarioContext
  before(async () => {
    server = await startServer(SCENARIO_ENV)
    host = await buildApp({ config: loadConfig({ DATABASE_URL: 'sqlite::memory:' }), logger: false })
    host.get('/boom', async () => {
      throw new Error('a bug in a route of the host app')
    })
    const hostUrl = await host.listen({ host: '127.0.0.1', port: 0 })
    const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const newUser = async (): Promise<Account> => {
      const email = uniqueEmail('contract')
      const created = await api(server.url, '/admin/users', { token: admin.accessToken, body: { email, password: PASSWORD } })
      assert.equal(created.status, 201, created.text)
      return login(server.url, email)
    }
    context = { url: server.url, hostUrl, admin, newUser }
  })
  after(async () => {
    await host?.close()
    await server?.stop()
  })

  it('has one scenario per code of src/errors.ts, and none for a code that is not there', () => {
    assert.deepEqual(SCENARIOS.map((scenario) => scenario.code).sort(), [...codes].sort(), 'add a row to test/contract/error-scenarios.ts for each new code')
  })

  for (const scenario of SCENARIOS) {
    const status = ERROR_CODES[scenario.code as keyof typeof ERROR_CODES]?.status
    if ('provokedBy' in scenario) {
      it(`${scenario.code} is provoked by ${scenario.provokedBy.file} (${scenario.provokedBy.why})`, () => {
        const file = join(ROOT, scenario.provokedBy.file)
        assert.ok(existsSync(file), `${scenario.provokedBy.file} does not exist`)
        assert.match(readFileSync(file, 'utf8'), new RegExp(`['"]${scenario.code}['"]`), `${scenario.provokedBy.file} never asserts ${scenario.code}`)
      })
      continue
    }
    it(`${scenario.code}: ${status} with that code, as application/problem+json`, async () => {
      assert.ok(status, `${scenario.code} is not in src/errors.ts`)
      assertProblem(await scenario.request(context), status, scenario.code)
    })
  }
})
