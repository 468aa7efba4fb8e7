// Latency at microsecond resolution (autocannon reports whole milliseconds, too coarse to compare
// two sub-millisecond p99s): `connections` keep-alive connections, each sending one request after
// another for `seconds`, timing every response with hrtime.
import { Agent, request } from 'node:http'

export async function sampleLatency(url, { connections, seconds, headers = {} }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const target = new URL(url)
  const latencies = []
  let errors = 0
  const deadline = Date.now() + seconds * 1000
  const once = () =>
    new Promise((resolve) => {
      const start = process.hrtime.bigint()
      const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, headers }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - start) / 1000)
          else errors++
          resolve()
        })
      })
      req.on('error', () => {
        errors++
        resolve()
      })
      req.end()
    })
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < deadline) await once()
  }))
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN)
  return { count: latencies.length, errors, p50_us: at(0.5), p99_us: at(0.99) }
}
