// examples/node-client/call-api.mjs against the example API: it logs in, calls a protected route
// through the client and logs out; a wrong password is reported by its problem code. @see issue 20
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { api, PASSWORD, register } from '../helpers/client.js'
import { startServerProcess, type RunningServer } from '../helpers/server.js'
import { ROOT } from '../helpers/paths.js'

const SCRIPT = resolve(ROOT, 'examples/node-client/call-api.mjs')
const EXAMPLE_APP = resolve(ROOT, 'examples/protected-api/server.mjs')
const run = promisify(execFile)

async function callApi(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('the Node example', () => {
  let server: RunningServer

  before(async () => {
    server = await startServerProcess({}, { script: EXAMPLE_APP }) // a script of its own: spawned
  })
  after(async () => {
    await server?.stop()
  })

  it('logs in, calls GET /secret with the token, logs out', async () => {
    const account = await register(server.url)
    const result = await callApi({ TESSERA_URL: server.url, TESSERA_EMAIL: account.email, TESSERA_PASSWORD: PASSWORD }, '/secret')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '200 {"answer":42}\n')
    assert.match(result.stderr, new RegExp(`signed in as ${account.email}`))
    // It logged out: only the registration's session is left.
    const sessions = await api(server.url, '/auth/sessions', { token: account.accessToken })
    assert.equal(sessions.body.data.length, 1)
  })

  it('a wrong password exits 1 with the problem code; missing settings exit 2', async () => {
    const account = await register(server.url)
    const wrong = await callApi({ TESSERA_URL: server.url, TESSERA_EMAIL: account.email, TESSERA_PASSWORD: 'not the password' })
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /^tessera: invalid_credentials: /m)
    assert.equal((await callApi({})).code, 2)
  })
})
