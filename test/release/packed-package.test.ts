// The package as someone outside this repository gets it: a clean checkout is packed with
// `npm pack` (which runs `prepare`, as `npm publish` and `npm install <git url>` do), the tarball
// is installed into an empty project, and that project then (a) runs an app of its own that
// imports the plugin from `tessera-auth` and protects a route with requireAuth, (b) runs the
// `tessera` command. Its subject is installed processes, so it spawns them.
// @see issue 13
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { api, uniqueEmail } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'
import { copyCleanCheckout, npm, reuseBuiltSqlite, ROOT, run, waitForListening } from './helpers.js'

/** The consumer's app: the README's `tesseraPlugin` recipe, plus one protected route of its own. */
const APP = `
import Fastify from 'fastify'
import { createServices, loadConfig, openStorage, tesseraPlugin } from 'tessera-auth'

const config = loadConfig(process.env)
const storage = await openStorage(config.databaseUrl)
const services = await createServices(config, storage)

const app = Fastify()
await app.register(tesseraPlugin, { services })
app.addHook('onClose', async () => {
  services.stop()
  await storage.close()
})

app.get('/mine', { onRequest: app.requireAuth() }, async (request) => ({ user: request.auth.userId }))

const url = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ msg: 'tessera listening', url, pid: process.pid }))
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => app.close().then(() => process.exit(0)))
`

/** The same in TypeScript, compiled against the installed declarations: `request.auth` must be typed. */
const TYPED_APP = `
import Fastify from 'fastify'
import { AppError, type AuthContext, createServices, loadConfig, openStorage, tesseraPlugin } from 'tessera-auth'

const config = loadConfig(process.env)
const services = await createServices(config, await openStorage(config.databaseUrl))
const app = Fastify()
await app.register(tesseraPlugin, { services })
app.get('/mine', { onRequest: app.requireAuth({ role: 'admin', fresh: true }) }, async (request) => {
  const auth: AuthContext | null = request.auth
  if (!auth) throw new AppError('authorization_required')
  const id: string = auth.userId
  return { id }
})
`

/** Every worker or helper file the code loads by URL at run time, as its compiled path under dist/. */
function filesLoadedByUrl(): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/new URL\(\s*'(\.{1,2}\/[^']+)'\s*,\s*import\.meta\.url\s*\)/g)) {
          found.push(join('dist', relative(join(ROOT, 'src'), join(dirname(path), match[1]!))).replace(/\.ts$/, '.js'))
        }
      }
    }
  }
  walk(join(ROOT, 'src'))
  return found
}

describe('the packed package, installed into an empty project', { timeout: 600_000 }, () => {
  let work: string
  let project: string
  let packed: string[]
  let database: string
  let app: ChildProcess | undefined
  let url: string
  const admin = { email: uniqueEmail('cli-admin'), password: 'a long admin password' }
  const cliEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work, DATABASE_URL: database })
  const tessera = (args: string[], input?: string) => run(npm, ['exec', '--no', '--', 'tessera', ...args], { cwd: project, env: cliEnv(), input })

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tessera-packed-'))
    database = `sqlite:${join(work, 'data', 'tessera.db')}`
    const source = join(work, 'source')
    copyCleanCheckout(source)
    // The compilers `prepare` needs, without a second install of every dependency.
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir')
    run(npm, ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: source })
    const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!)
    packed = run('tar', ['-tzf', tarball], { cwd: work }).split('\n').filter(Boolean).map((name) => name.replace(/^package\//, ''))

    project = join(work, 'project')
    mkdirSync(project)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }))
    const fastifyVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/fastify/package.json'), 'utf8')).version as string
    run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, `fastify@${fastifyVersion}`], {
      cwd: project,
      env: { ...process.env, ...reuseBuiltSqlite(join(work, 'prebuilds')) },
      timeout: 540_000,
    })
  })
  after(() => {
    if (app && app.exitCode === null) app.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  })

  it('is named tessera-auth and carries the compiled code, its workers and its declarations, not the sources', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/tessera-auth/package.json'), 'utf8'))
    assert.equal(manifest.name, 'tessera-auth')
    assert.equal(manifest.bin.tessera, './dist/cli/main.js')
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/main.js', 'dist/cli/main.js', 'README.md', ...filesLoadedByUrl()]) {
      assert.ok(packed.includes(file), `${file} is not in the tarball`)
    }
    assert.ok(filesLoadedByUrl().includes('dist/services/password-worker.js'))
    assert.deepEqual(packed.filter((file) => file.startsWith('src/') || file.startsWith('test/') || /\.test\.[jt]s$/.test(file)), [])
  })

  it('runs `tessera --help` from the project', () => {
    const help = tessera(['--help'])
    assert.match(help, /Usage: tessera <command>/)
    assert.match(help, /users create/)
  })

  it('runs `tessera migrate up` and `tessera users create` from the project', () => {
    assert.match(tessera(['migrate', 'up']), /init/)
    assert.match(tessera(['users', 'create', '--email', admin.email, '--password-stdin', '--role', 'admin'], admin.password), new RegExp(admin.email))
    assert.match(tessera(['users', 'list', '--role', 'admin']), new RegExp(admin.email))
  })

  describe('an app of the project that registers the plugin and protects its own route', () => {
    before(async () => {
      writeFileSync(join(project, 'app.mjs'), APP)
      app = spawn(process.execPath, ['app.mjs'], {
        cwd: project,
        env: { ...cliEnv(), NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      url = (await waitForListening(app)).url
    })

    it('refuses its route without a token, with Tessera\'s problem+json', async () => {
      assertProblem(await api(url, '/mine'), 401, 'authorization_required')
    })

    it('serves its route to a user who registered and logged in over HTTP', async () => {
      const email = uniqueEmail('consumer')
      const password = 'correct horse battery'
      const registered = await api(url, '/auth/register', { method: 'POST', body: { email, password } })
      assert.equal(registered.status, 201)
      const login = await api(url, '/auth/login', { method: 'POST', body: { email, password } })
      assert.equal(login.status, 200)
      const mine = await api(url, '/mine', { token: login.body.access_token })
      assert.equal(mine.status, 200)
      assert.deepEqual(mine.body, { user: registered.body.user.id })
    })

    it('logs in the user the CLI created in the same database', async () => {
      const login = await api(url, '/auth/login', { method: 'POST', body: { email: admin.email, password: admin.password } })
      assert.equal(login.status, 200)
      assert.deepEqual(login.body.user.roles, ['admin'])
    })

    it('stops on SIGTERM with exit code 0', async () => {
      const exited = new Promise<number | null>((resolveExit) => app!.once('exit', (code) => resolveExit(code)))
      app!.kill('SIGTERM')
      assert.equal(await exited, 0)
    })
  })

  it('type-checks an app against the installed declarations', () => {
    writeFileSync(join(project, 'app.ts'), TYPED_APP)
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['app.ts'],
    }))
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project })
  })
})
