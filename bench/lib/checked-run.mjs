// One autocannon run whose every response is checked, and the server's CPU time per request.
// A row counts as measured only if every response had the expected status and body: a fast
// error page must never pass for a fast server.
import autocannon from 'autocannon'
import { cpuMs } from './processes.mjs'

function autocannonRun(options) {
  return new Promise((resolveRun, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolveRun(result)))
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false })
  })
}

/**
 * Runs `request` (an autocannon request: method, path, headers, body, setupRequest) against
 * `server` for `duration` seconds with `connections` connections. `check(status, body, context)`
 * returns true for a good answer; anything else counts in `bad`. `onResponse` (optional) sees every
 * answer too (the refresh row keeps its pool of tokens with it).
 */
export async function checkedRun(server, { request, check, onResponse, connections, duration }) {
  let bad = 0
  let firstBad
  const before = cpuMs(server.pid)
  const result = await autocannonRun({
    url: server.url,
    connections,
    duration,
    requests: [
      {
        ...request,
        onResponse(status, body, context) {
          let good = false
          try {
            good = check(status, body, context)
          } catch {
            good = false
          }
          if (!good) {
            bad++
            firstBad ??= `${status} ${String(body).slice(0, 200)}`
          }
          onResponse?.(status, body, context)
        },
      },
    ],
  })
  const cpuUsPerRequest = Math.round(((cpuMs(server.pid) - before) * 1000) / Math.max(1, result.requests.total) * 10) / 10
  return { result, cpuUsPerRequest, bad, firstBad }
}

/** A warm-up of `seconds` (JIT, caches) whose answers are not counted. */
export async function warmUp(server, request, { connections, seconds = 2 }) {
  await autocannonRun({ url: server.url, connections, duration: seconds, requests: [request] })
}

export { autocannonRun }
