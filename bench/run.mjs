#!/usr/bin/env node
// npm run bench: every scenario of issue 3 in one run, against a baseline measured in the same run.
// Loopback only, bounded in time; each server is started and stopped here by its pid.
//   node bench/run.mjs [--connections 10] [--duration 10] [--only protected,me] [--out bench/results/latest.json]
//   node bench/run.mjs --only tokens     sign/verify costs per algorithm alone (no server), printed and saved
//   node bench/run.mjs --help
import autocannon from 'autocannon'
import { hash } from '@node-rs/argon2'
import { availableParallelism } from 'node:os'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuMs, rssMiB, sampleRss, startProcess } from './lib/processes.mjs'
import { sampleLatency } from './lib/latency.mjs'
import { insertRevokedSessions } from './lib/revocations.mjs'
import { measureTokenCosts } from './lib/token-costs.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    only: { type: 'string' },
    revoked: { type: 'string', default: '1000000' },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
    help: { type: 'boolean', short: 'h' },
  },
})
if (flags.help) {
  console.log(`Usage: npm run bench -- [options]

Starts Tessera (the example app, SQLite) and measures each scenario with autocannon, against a
bare-node baseline measured in the same run.
  --connections N   concurrent connections (default 10)
  --duration S      seconds per scenario (default 10)
  --only LIST       comma-separated scenarios: fastify, protected, me, refresh, login, storm,
                    revoked-1m, tokens (default: all). "tokens" alone starts no server.
  --revoked N       revoked sessions for revoked-1m (default 1000000)
  --out FILE        JSON report (default bench/results/latest.json)
Scenario "tokens": signs/s and verifies/s of jose per algorithm (HS256, RS256, ES256, EdDSA)
on one core, without the verified-token cache.`)
  process.exit(0)
}
const connections = Number(flags.connections)
const duration = Number(flags.duration)
const only = flags.only ? new Set(flags.only.split(',')) : undefined
const wanted = (name) => !only || only.has(name)
const PASSWORD = 'bench password 0123456789'
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 }

function run(options) {
  return new Promise((resolveRun, reject) => {
    const instance = autocannon({ connections, duration, ...options }, (error, result) => (error ? reject(error) : resolveRun(result)))
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false })
  })
}

/** Runs autocannon against a server and adds the server's CPU time per request: steadier than req/s on a shared machine. */
async function measure(server, options) {
  const before = cpuMs(server.pid)
  const result = await run(options)
  result.cpuUsPerRequest = Math.round(((cpuMs(server.pid) - before) * 1000) / Math.max(1, result.requests.total) * 10) / 10
  return result
}

function summarize(name, result, extra = {}) {
  return {
    scenario: name,
    cpu_us_per_req: result.cpuUsPerRequest,
    requests_per_s: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
    total: result.requests.total,
    ...extra,
  }
}

async function json(url, path, { method = 'GET', body, token } = {}) {
  const headers = {}
  if (body) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(new URL(path, url), { method, headers, body: body && JSON.stringify(body) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : null
}

async function hashMilliseconds(samples = 15) {
  const times = []
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint()
    await hash(`password-${i}`, ARGON2)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

async function eventLoopMaxMs(url) {
  const text = await (await fetch(new URL('/metrics', url))).text()
  const match = /^nodejs_eventloop_lag_max_seconds\s+([0-9.e+-]+)/m.exec(text)
  return match ? Math.round(Number(match[1]) * 1000 * 10) / 10 : NaN
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** The sign/verify section (scenario "tokens"): printed, and saved in the report as token_costs. */
async function tokenCosts() {
  const rows = await measureTokenCosts()
  console.log('token costs: jose on one core, no cache')
  console.table(rows)
  return rows
}

async function main() {
  if (only && only.size === 1 && only.has('tokens')) {
    const report = { date: new Date().toISOString(), node: process.version, token_costs: await tokenCosts() }
    mkdirSync(dirname(flags.out), { recursive: true })
    writeFileSync(flags.out, JSON.stringify(report, null, 2))
    console.log(`written ${flags.out}`)
    return
  }
  const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
  const database = join(work, 'bench.db')
  const tesseraEnv = {
    DATABASE_URL: `sqlite:${database}`,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_AUTH: '100000000/1m',
    LOGIN_FAILURE_LIMIT: '100000000/1m',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // Unset: the server's default (one hashing thread per core).
    ...(process.env.BENCH_HASH_CONCURRENCY ? { PASSWORD_HASH_CONCURRENCY: process.env.BENCH_HASH_CONCURRENCY } : {}),
  }
  const example = join(ROOT, 'examples/protected-api/server.mjs')
  // The V8 flags of `npm start`, so the example runs as the server would.
  const startScript = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start
  const nodeArgs = startScript.split(' ').filter((word) => word.startsWith('--'))
  // BENCH_NODE_ARGS adds flags for a diagnosis, e.g. "--import ./bench/lib/stall-probe.mjs" or "--cpu-prof".
  if (process.env.BENCH_NODE_ARGS) nodeArgs.push(...process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean))
  const rows = []
  const notes = {}
  console.log(`tessera bench: ${connections} connections, ${duration} s per scenario, ${availableParallelism()} cores, node ${process.version}, node flags ${nodeArgs.join(' ') || 'none'}`)

  let baselineFirst
  let baselineLast
  try {
    // ---- baseline ----
    // Measured at the start and again at the end; the better run is the ceiling (this machine is noisy).
    const measureBaseline = async () => {
      const baseline = await startProcess(join(ROOT, 'bench/servers/baseline.mjs'), { logFile: join(work, 'baseline.log') })
      await run({ url: `${baseline.url}/`, duration: 2 }) // warm-up
      const result = await measure(baseline, { url: `${baseline.url}/` })
      await baseline.stop()
      return result
    }
    baselineFirst = await measureBaseline()

    // ---- bare Fastify: a reference row that separates the framework's cost from Tessera's ----
    if (wanted('fastify')) {
      const fastify = await startProcess(join(ROOT, 'bench/servers/fastify.mjs'), { logFile: join(work, 'fastify.log') })
      await run({ url: `${fastify.url}/`, duration: 2 })
      rows.push(summarize('fastify', await measure(fastify, { url: `${fastify.url}/` })))
      await fastify.stop()
    }

    // ---- Tessera (the example app: /secret behind requireAuth) ----
    const tessera = await startProcess(example, { env: tesseraEnv, logFile: join(work, 'tessera.log'), nodeArgs })
    const email = 'bench@example.com'
    const registered = await json(tessera.url, '/auth/register', { method: 'POST', body: { email, password: PASSWORD } })
    const auth = { authorization: `Bearer ${registered.access_token}` }
    await run({ url: `${tessera.url}/secret`, headers: auth, duration: 2 }) // warm-up (JIT, caches)
    const rssStart = rssMiB(tessera.pid)
    const stopSampling = sampleRss(tessera.pid)

    if (wanted('protected') || wanted('storm')) rows.push(summarize('protected', await measure(tessera, { url: `${tessera.url}/secret`, headers: auth })))
    if (wanted('me')) rows.push(summarize('me', await measure(tessera, { url: `${tessera.url}/auth/me`, headers: auth })))

    if (wanted('refresh')) {
      // Each in-flight request carries its own session: a pool of refresh tokens, each used by one request at a time.
      const pool = []
      for (let i = 0; i < connections * 2; i++) pool.push((await json(tessera.url, '/auth/login', { method: 'POST', body: { email, password: PASSWORD } })).refresh_token)
      const result = await measure(tessera, {
        url: tessera.url,
        requests: [
          {
            method: 'POST',
            path: '/auth/refresh',
            headers: { 'content-type': 'application/json' },
            setupRequest(request, context) {
              context.token = pool.shift()
              return { ...request, body: JSON.stringify({ refresh_token: context.token }) }
            },
            onResponse(status, body, context) {
              pool.push(status === 200 ? JSON.parse(body).refresh_token : context.token)
            },
          },
        ],
      })
      rows.push(summarize('refresh', result))
    }

    const loginRequest = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) }
    if (wanted('login')) {
      const hashMs = await hashMilliseconds()
      const ideal = availableParallelism() / (hashMs / 1000)
      const result = await measure(tessera, { url: `${tessera.url}/auth/login`, ...loginRequest })
      notes.hash_ms = Math.round(hashMs * 10) / 10
      rows.push(summarize('login', result, { ideal_per_s: Math.round(ideal), ratio_to_ideal: Math.round((result.requests.average / ideal) * 100) / 100 }))
    }

    if (wanted('storm')) {
      // Latency of protected requests at microsecond resolution, idle and then under a login flood.
      const sampler = { connections, seconds: duration, headers: auth }
      const idle = await sampleLatency(`${tessera.url}/secret`, sampler)
      await eventLoopMaxMs(tessera.url) // resets the histogram
      const flood = run({ url: `${tessera.url}/auth/login`, ...loginRequest, connections, duration: duration + 2 })
      await sleep(1000)
      const stormy = await sampleLatency(`${tessera.url}/secret`, sampler)
      const loopMs = await eventLoopMaxMs(tessera.url)
      const floodResult = await flood
      rows.push({
        scenario: 'storm',
        requests_per_s: Math.round(stormy.count / duration),
        p50_ms: stormy.p50_us / 1000,
        p99_ms: stormy.p99_us / 1000,
        errors: stormy.errors,
        non_2xx: 0,
        idle_p50_us: idle.p50_us,
        idle_p99_us: idle.p99_us,
        storm_p50_us: stormy.p50_us,
        storm_p99_us: stormy.p99_us,
        p99_vs_idle: Math.round((stormy.p99_us / idle.p99_us) * 100) / 100,
        event_loop_max_ms: loopMs,
        logins_per_s: Math.round(floodResult.requests.average),
        login_503: floodResult.statusCodeStats?.['503']?.count ?? 0,
      })
    }

    notes.rss_start_mib = rssStart
    notes.rss_peak_mib = stopSampling()
    // V8 gives memory back when its idle-time memory reducer runs, seconds after the load ends:
    // watch for up to 30 s and report when RSS came back within 10 % of the start.
    const settleStart = Date.now()
    let rssAfter = rssMiB(tessera.pid)
    while (rssAfter > rssStart * 1.1 && Date.now() - settleStart < 30_000) {
      await sleep(1000)
      rssAfter = rssMiB(tessera.pid)
    }
    notes.rss_after_mib = rssAfter
    notes.rss_settle_s = Math.round((Date.now() - settleStart) / 1000)
    await tessera.stop()

    // ---- revoked-1m: `protected` on a copy of the database holding a million revoked sessions, against the
    // same without them; alternated twice, best of each, because this machine's noise exceeds the 5 % asked for.
    if (wanted('revoked-1m')) {
      const measureSecret = async (file, label) => {
        const started = Date.now()
        const server = await startProcess(example, { env: { ...tesseraEnv, DATABASE_URL: `sqlite:${file}` }, logFile: join(work, `tessera-${label}.log`), nodeArgs })
        const startup = Math.round((Date.now() - started) / 100) / 10
        const token = (await json(server.url, '/auth/login', { method: 'POST', body: { email, password: PASSWORD } })).access_token
        const headers = { authorization: `Bearer ${token}` }
        await run({ url: `${server.url}/secret`, headers, duration: 2 })
        const result = await measure(server, { url: `${server.url}/secret`, headers })
        const rss = rssMiB(server.pid)
        await server.stop()
        return { result, startup, rss }
      }
      const count = Number(flags.revoked)
      const revokedDatabase = join(work, 'revoked.db')
      copyFileSync(database, revokedDatabase) // the first server has stopped: its WAL is checkpointed into the file
      const started = Date.now()
      insertRevokedSessions(revokedDatabase, count)
      notes.revoked_insert_s = Math.round((Date.now() - started) / 100) / 10
      const runs = []
      for (let round = 0; round < 2; round++) {
        runs.push({ kind: 'fresh', ...(await measureSecret(database, `fresh-${round}`)) })
        runs.push({ kind: 'revoked', ...(await measureSecret(revokedDatabase, `revoked-${round}`)) })
      }
      const best = (kind) => runs.filter((r) => r.kind === kind).sort((a, b) => b.result.requests.average - a.result.requests.average)[0]
      const fresh = best('fresh')
      const loaded = best('revoked')
      rows.push(summarize('protected-restarted', fresh.result, { rss_mib: fresh.rss }))
      rows.push(
        summarize('revoked-1m', loaded.result, {
          revoked: count,
          vs_protected_restarted: Math.round((loaded.result.requests.average / fresh.result.requests.average) * 100) / 100,
          cpu_vs_protected_restarted: Math.round((loaded.result.cpuUsPerRequest / fresh.result.cpuUsPerRequest) * 100) / 100,
          runs_per_s: runs.map((r) => `${r.kind}:${Math.round(r.result.requests.average)}`).join(' '),
          startup_s: loaded.startup,
          rss_mib: loaded.rss,
        }),
      )
    }

    baselineLast = await measureBaseline()
  } finally {
    rmSync(work, { recursive: true, force: true })
  }

  const best = baselineFirst.requests.average >= baselineLast.requests.average ? baselineFirst : baselineLast
  rows.unshift(summarize('baseline', best, { runs_per_s: `${Math.round(baselineFirst.requests.average)}/${Math.round(baselineLast.requests.average)}` }))
  const base = rows[0]
  for (const row of rows) row.vs_baseline = base ? Math.round((row.requests_per_s / base.requests_per_s) * 100) / 100 : undefined
  console.table(
    rows.map(({ scenario, requests_per_s, vs_baseline, cpu_us_per_req, p50_ms, p99_ms, errors, non_2xx }) => ({
      scenario,
      'req/s': requests_per_s,
      'x baseline': vs_baseline,
      'server CPU µs/req': cpu_us_per_req,
      'p50 ms': p50_ms,
      'p99 ms': p99_ms,
      errors,
      non_2xx,
    })),
  )
  for (const row of rows) {
    const extra = Object.entries(row).filter(([key]) => !['scenario', 'requests_per_s', 'vs_baseline', 'cpu_us_per_req', 'p50_ms', 'p99_ms', 'errors', 'non_2xx', 'total'].includes(key))
    if (extra.length) console.log(`${row.scenario}: ${extra.map(([k, v]) => `${k}=${v}`).join(' ')}`)
  }
  console.log(`notes: ${Object.entries(notes).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  // After the servers have stopped, so the section has the core to itself.
  const token_costs = wanted('tokens') ? await tokenCosts() : undefined
  const report = { date: new Date().toISOString(), node: process.version, cores: availableParallelism(), connections, duration_s: duration, rows, notes, token_costs }
  mkdirSync(dirname(flags.out), { recursive: true })
  writeFileSync(flags.out, JSON.stringify(report, null, 2))
  console.log(`written ${flags.out}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
