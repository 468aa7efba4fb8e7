// The Dockerfile cannot be built here (no Docker engine), so this checks what it relies on: the
// published package installed from a clean directory with `npm ci --omit=dev` starts with the
// production command and serves requests. A runtime dependency left in devDependencies fails it.
// @see issue 7
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { api, register } from '../helpers/client.js'

const ROOT = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

describe('a production install from the packed package', { timeout: 600_000 }, () => {
  let work: string
  let app: string
  let server: ChildProcess | undefined
  let url: string

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessera-release-'))
    execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, stdio: 'ignore' })
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work])
    app = join(work, 'package')
    copyFileSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'))
    execFileSync(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'ignore', timeout: 540_000 })

    // `npm start`'s command, as the Dockerfile's CMD repeats it.
    const [, ...args] = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string).split(' ')
    server = spawn(process.execPath, args, {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: `sqlite:${join(work, 'data', 'tessera.db')}`, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    url = await new Promise<string>((resolveUrl, reject) => {
      let seen = ''
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('utf8')
        const line = seen.split('\n').find((candidate) => candidate.includes('"tessera listening"'))
        if (line) resolveUrl(JSON.parse(line).url)
      }
      server!.stdout!.on('data', onData)
      server!.stderr!.on('data', onData)
      server!.once('exit', (code) => reject(new Error(`exited with ${code}: ${seen}`)))
    })
  })
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  })

  it('holds no dev dependency and no TypeScript source', () => {
    const installed = readdirSync(join(app, 'node_modules'))
    for (const dev of ['typescript', 'tsx', 'autocannon']) assert.ok(!installed.includes(dev), `${dev} is installed`)
    assert.ok(!readdirSync(app).includes('src'))
  })

  it('serves health, registration and the docs page', async () => {
    assert.equal((await api(url, '/health')).status, 200)
    const account = await register(url)
    assert.equal((await api(url, '/auth/me', { token: account.accessToken })).status, 200)
    assert.equal((await fetch(new URL('/docs/', url))).status, 200)
  })

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolveExit) => server!.once('exit', (code) => resolveExit(code)))
    server!.kill('SIGTERM')
    assert.equal(await exited, 0)
  })
})
