// docs/deployment.md's production recipe, run as written in a clean copy of the repository: each
// line of the block after its `<!-- production-recipe -->` marker, in order, the last (`npm start`)
// as the server. The Dockerfile's build stage repeats the same steps (it cannot be built here: no
// Docker engine). Fails if the recipe needs something it does not install, if `npm ci` warns about
// an engine, if a dev dependency survives the prune, or if `npm start` needs the compilers.
// @see issue 7, issue 13
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, register } from '../helpers/client.js'
import { copyCleanCheckout, npm, reuseBuiltSqlite, ROOT, run, waitForListening } from './helpers.js'

/** The recipe's commands: the lines of the shell block after the marker, comments dropped. */
function recipe(): string[][] {
  const page = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8')
  const block = /<!-- production-recipe -->\s*```sh\n([\s\S]*?)```/.exec(page)
  assert.ok(block, 'docs/deployment.md has no <!-- production-recipe --> block')
  return block[1]!.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean).map((line) => line.split(/\s+/))
}

describe('the production recipe of docs/deployment.md, in a clean copy', { timeout: 600_000 }, () => {
  let work: string
  let app: string
  let server: ChildProcess | undefined
  let url: string
  const outputs: string[] = []

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessera-recipe-'))
    app = join(work, 'app')
    copyCleanCheckout(app)
    const env = {
      ...reuseBuiltSqlite(join(work, 'prebuilds')),
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(work, 'data', 'tessera.db')}`,
      NODE_ENV: 'production',
    }
    const steps = recipe()
    const start = steps.pop()!
    assert.deepEqual(start, ['npm', 'start'], 'the recipe ends by starting the server')
    for (const [command, ...args] of steps) {
      assert.equal(command, 'npm', `the recipe runs ${command}, which this test does not expect`)
      outputs.push(run(npm, args, { cwd: app, env, timeout: 540_000 }))
    }
    server = spawn(npm, ['start'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
    url = (await waitForListening(server)).url
  })
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  })

  it('installs without an engine warning on this Node', () => {
    for (const output of outputs) assert.doesNotMatch(output, /EBADENGINE/)
  })

  it('leaves the build and no dev dependency', () => {
    assert.ok(existsSync(join(app, 'dist/main.js')))
    const installed = readdirSync(join(app, 'node_modules'))
    for (const dev of ['typescript', 'tsx', 'autocannon', 'playwright-core']) assert.ok(!installed.includes(dev), `${dev} is installed`)
  })

  it('serves health, registration and the docs page', async () => {
    assert.equal((await api(url, '/health')).status, 200)
    const account = await register(url)
    assert.equal((await api(url, '/auth/me', { token: account.accessToken })).status, 200)
    assert.equal((await fetch(new URL('/docs/', url))).status, 200)
  })

  it('stops on SIGTERM to the npm pid with exit code 0', async () => {
    const exited = new Promise<number | null>((resolveExit) => server!.once('exit', (code) => resolveExit(code)))
    server!.kill('SIGTERM')
    assert.equal(await exited, 0)
  })
})
