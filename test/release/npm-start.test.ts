// `npm start` as a supervisor runs it: it starts what is built (no compile on every start), and
// SIGTERM or SIGINT sent to the pid of npm, not of node, stops the server gracefully: a request
// already in flight is answered, npm exits 0 and no node process is left behind. npm runs the
// script through `sh -c`; the script's `exec` makes node take the shell's place, so the signal npm
// forwards reaches node. Its subject is the process, so it spawns npm (dist/ must be built).
// @see issue 13
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { uniqueEmail } from '../helpers/client.js'
import { npm, processExists, ROOT, waitForListening } from './helpers.js'

const work = mkdtempSync(join(tmpdir(), 'tessera-npm-start-'))
const started: ChildProcess[] = []

function npmStart(): ChildProcess {
  const child = spawn(npm, ['start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(work, `${started.length}.db`)}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  return child
}

/** Resolves once `child` has written a line containing `text`. */
function outputContains(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolveSeen) => {
    let seen = ''
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8')
      if (seen.includes(text)) resolveSeen()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
  })
}

interface Answer {
  status: number
  body: string
}

/**
 * A registration the server has begun: its headers carry `Expect: 100-continue`, and the server
 * answers "100 Continue" only once it has read them and routed the request. The body is held back
 * until `sendBody()`, so the request stays in flight for as long as the test wants.
 */
async function startRegistration(url: string): Promise<{ sendBody(): void; answer: Promise<Answer> }> {
  const body = JSON.stringify({ email: uniqueEmail('in-flight'), password: 'correct horse battery' })
  const request = httpRequest(new URL('/auth/register', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  })
  const answer = new Promise<Answer>((resolveAnswer, reject) => {
    request.once('error', reject)
    request.once('response', (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolveAnswer({ status: response.statusCode ?? 0, body: text }))
    })
  })
  request.flushHeaders()
  await new Promise<void>((resolveContinue, reject) => {
    request.once('continue', resolveContinue)
    answer.catch(reject)
  })
  return { sendBody: () => request.end(body), answer }
}

describe('npm start', { timeout: 120_000 }, () => {
  after(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  })

  it('starts the build in dist/ without compiling it again', async () => {
    const built = statSync(join(ROOT, 'dist/index.js')).mtimeMs
    const child = npmStart()
    await waitForListening(child)
    assert.equal(statSync(join(ROOT, 'dist/index.js')).mtimeMs, built, 'dist/ was rewritten by npm start')
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit))
    child.kill('SIGTERM')
    await exited
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops on ${signal} to the npm pid: the request in flight is answered, npm exits 0, node is gone`, async () => {
      const child = npmStart()
      const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))
      const server = await waitForListening(child)
      assert.notEqual(server.pid, child.pid, 'the pid in the log line should be node, a child of npm')

      const registration = await startRegistration(server.url)
      const shuttingDown = outputContains(child, '"shutting down"')
      child.kill(signal)
      await shuttingDown
      registration.sendBody()

      const answer = await registration.answer
      assert.equal(answer.status, 201, answer.body)
      assert.equal(await exited, 0)
      assert.equal(processExists(server.pid), false, `node (pid ${server.pid}) is still running`)
    })
  }
})
