// WORKERS=N: N processes share the port (node:cluster); a dead worker is replaced, a logout on one
// worker is honoured by the others at once, and SIGTERM stops them all cleanly. @see issue 7
// The logout's 204 waits until every other worker has confirmed the revocation. @see issue 14 (finding 10)
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { randomUUID } from 'node:crypto'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { register } from '../helpers/client.js'

interface Answer {
  status: number
  body: any
  /** The pid of the worker that answered, read from its request log line. */
  pid: number
}

/** One request on a fresh connection (so the primary may hand it to any worker), tagged with a request id. */
function freshRequest(server: ServerProcess, path: string, token?: string): Promise<{ status: number; body: any; requestId: string }> {
  return send(server, path, token)
}

/** One request, on `agent`'s kept-alive connection or else on a fresh one, tagged with a request id. */
function send(server: ServerProcess, path: string, token?: string, method = 'GET', agent?: Agent): Promise<{ status: number; body: any; requestId: string }> {
  const requestId = `workers-${randomUUID()}`
  const headers: Record<string, string> = { 'x-request-id': requestId }
  if (!agent) headers.connection = 'close'
  if (token) headers.authorization = `Bearer ${token}`
  if (method === 'POST') headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { method, headers, agent: agent ?? false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, requestId }))
    })
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)))
    req.on('error', reject)
    req.end(method === 'POST' ? '{}' : undefined)
  })
}

async function ask(server: ServerProcess, path: string, token?: string): Promise<Answer> {
  return pidOf(server, await freshRequest(server, path, token))
}

/** Tags an answer with the pid of the worker that gave it. */
async function pidOf(server: ServerProcess, { status, body, requestId }: { status: number; body: any; requestId: string }): Promise<Answer> {
  // The request's log line is written after the response; wait for it.
  for (let i = 0; i < 100; i++) {
    const line = server.output.find((entry) => entry.includes(`"${requestId}"`) && entry.includes('"msg":"request"'))
    if (line) return { status, body, pid: JSON.parse(line).pid as number }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no log line for request ${requestId}`)
}

/** Two kept-alive connections (one socket per agent), each held by a different worker. */
async function connectionsToEachWorker(server: ServerProcess): Promise<[HeldConnection, HeldConnection]> {
  const held = new Map<number, Agent>()
  for (let i = 0; i < 20 && held.size < 2; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const { pid } = await pidOf(server, await send(server, '/health', undefined, 'GET', agent))
    if (held.has(pid)) agent.destroy()
    else held.set(pid, agent)
  }
  assert.equal(held.size, 2, 'no connection reached the second worker')
  const [one, other] = [...held].map(([pid, agent]) => ({ agent, pid }))
  return [one!, other!]
}

interface HeldConnection {
  agent: Agent
  pid: number
}

/** Pids of the workers that logged "tessera listening" and have not logged their death since. */
function listeningPids(server: ServerProcess): Set<number> {
  const pids = new Set<number>()
  for (const line of server.output) {
    if (!line.startsWith('{')) continue
    const entry = JSON.parse(line) as { msg?: string; pid?: number; role?: string }
    if (entry.msg === 'tessera listening' && entry.pid) pids.add(entry.pid)
    if (entry.msg === 'worker died; starting a replacement') pids.delete((entry as { pid?: number }).pid!)
  }
  return pids
}

async function until(limitMs: number, probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const start = Date.now()
  while (!(await probe())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Asks on fresh connections until both given workers have answered; returns every answer. */
async function askEveryWorker(server: ServerProcess, path: string, token: string, workers: number): Promise<Answer[]> {
  const answers: Answer[] = []
  for (let i = 0; i < 40 && new Set(answers.map((answer) => answer.pid)).size < workers; i++) answers.push(await ask(server, path, token))
  assert.equal(new Set(answers.map((answer) => answer.pid)).size, workers, 'the requests did not reach every worker')
  return answers
}

describe('WORKERS=2', () => {
  let server: ServerProcess

  before(async () => {
    // Polling slowed to a minute: only the relay between workers can explain a revocation seen at once.
    server = await startServerProcess({
      WORKERS: '2',
      REVOCATION_POLL_INTERVAL: '60s',
      RATE_LIMIT_AUTH: '1000/1m',
      ADMIN_EMAIL: 'root@workers.example',
      ADMIN_PASSWORD: 'correct horse battery',
    })
    await until(15_000, () => listeningPids(server).size === 2, 'both workers to listen')
  })
  after(() => server.stop())

  it('creates the ADMIN_EMAIL account once, and no other worker warns about it', () => {
    assert.equal(server.output.filter((line) => line.includes('admin account created from ADMIN_EMAIL')).length, 1)
    assert.equal(server.output.filter((line) => line.includes('not promoted')).length, 0)
  })

  it('serves one port from two processes', async () => {
    const account = await register(server.url)
    const answers = await askEveryWorker(server, '/auth/me', account.accessToken, 2)
    for (const answer of answers) assert.equal(answer.status, 200)
    assert.ok(!answers.some((answer) => answer.pid === server.process.pid), 'the primary must not serve requests')
  })

  it('honours a logout made on one worker on every other one at once', async () => {
    const account = await register(server.url)
    // Both workers have verified (and cached) the token before the logout.
    await askEveryWorker(server, '/auth/me', account.accessToken, 2)
    const logout = await freshRequestWithBody(server, '/auth/logout', account.accessToken)
    assert.equal(logout, 204)
    const answers = await askEveryWorker(server, '/auth/me', account.accessToken, 2)
    for (const answer of answers) {
      assert.equal(answer.status, 401, `worker ${answer.pid} still accepted the token`)
      assert.equal(answer.body.code, 'token_revoked')
    }
  })

  it('never lets another worker accept a token after its logout got 204 (50 trials)', async () => {
    // One kept-alive connection to each worker: a request on it goes straight to that worker, with
    // no hop through the primary, so only a relay confirmed before the 204 can keep it from a 200.
    const [onOne, onOther] = await connectionsToEachWorker(server)
    const TRIALS = 50
    let acceptedAfter204 = 0
    for (let trial = 0; trial < TRIALS; trial++) {
      const account = await register(server.url)
      // Both workers have verified (and cached) the token before the logout.
      for (const connection of [onOne, onOther]) assert.equal((await send(server, '/auth/me', account.accessToken, 'GET', connection.agent)).status, 200)
      const logout = await send(server, '/auth/logout', account.accessToken, 'POST', onOne.agent)
      assert.equal(logout.status, 204)
      const after = await send(server, '/auth/me', account.accessToken, 'GET', onOther.agent)
      if (after.status === 200) acceptedAfter204++
      else assert.equal(after.body.code, 'token_revoked')
      assert.equal((await pidOf(server, logout)).pid, onOne.pid, 'the logout went to its worker')
      assert.equal((await pidOf(server, after)).pid, onOther.pid, 'the request after the 204 went to the other worker')
    }
    console.log(`[workers] accepted on the other worker after the 204: ${acceptedAfter204} of ${TRIALS} trials`)
    for (const connection of [onOne, onOther]) connection.agent.destroy()
    assert.equal(acceptedAfter204, 0, `${acceptedAfter204} of ${TRIALS} trials saw a 200 after the 204`)
  })

  it('kills and replaces a worker too stuck to confirm a revocation, and only then answers 204', async () => {
    const [onOne, onStuck] = await connectionsToEachWorker(server)
    const account = await register(server.url)
    for (const connection of [onOne, onStuck]) assert.equal((await send(server, '/auth/me', account.accessToken, 'GET', connection.agent)).status, 200)
    onStuck.agent.destroy()
    // A stopped process is a worker whose event loop never comes back: it cannot confirm.
    process.kill(onStuck.pid, 'SIGSTOP')
    const logout = await send(server, '/auth/logout', account.accessToken, 'POST', onOne.agent)
    onOne.agent.destroy()
    assert.equal(logout.status, 204)
    // The primary killed the stuck worker before it let the 204 go: it can never accept the token.
    const reported = (line: string) => line.includes('worker did not confirm a revocation in time') && line.includes(`"pid":${onStuck.pid}`)
    await until(5000, () => server.output.some(reported), 'the primary to report the stuck worker')
    await until(15_000, () => listeningPids(server).size === 2 && !listeningPids(server).has(onStuck.pid), 'a replacement worker')
    for (const answer of await askEveryWorker(server, '/auth/me', account.accessToken, 2)) assert.equal(answer.body.code, 'token_revoked')
  })

  it('replaces a worker that dies, and keeps serving meanwhile', async () => {
    const account = await register(server.url)
    const [victim] = [...listeningPids(server)]
    process.kill(victim!, 'SIGKILL')
    await until(15_000, () => server.output.some((line) => line.includes('worker died; starting a replacement') && line.includes(`"pid":${victim}`)), 'the primary to notice')
    // The survivor answers every request while the replacement starts.
    for (let i = 0; i < 10; i++) assert.equal((await ask(server, '/auth/me', account.accessToken)).status, 200)
    await until(15_000, () => listeningPids(server).size === 2 && !listeningPids(server).has(victim!), 'a replacement worker')
    const answers = await askEveryWorker(server, '/auth/me', account.accessToken, 2)
    for (const answer of answers) assert.equal(answer.status, 200)
  })

  it('stops every worker on SIGTERM and exits 0', async () => {
    const workers = [...listeningPids(server)]
    const exit = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)))
    server.process.kill('SIGTERM')
    assert.equal(await exit, 0)
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} outlived the primary`)
  })
})

/** POST with a bearer token and an empty JSON body, on a fresh connection; resolves with the status. */
function freshRequestWithBody(server: ServerProcess, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)))
    req.on('error', reject)
    req.end('{}')
  })
}
