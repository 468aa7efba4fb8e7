// Starting and stopping the benchmark's servers, each by its own pid.
import { spawn } from 'node:child_process'
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs'

/** Spawns `node <script>` and resolves with its url once it logs "tessera listening". */
export async function startProcess(script, { env = {}, logFile, nodeArgs = [] }) {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const log = createWriteStream(logFile)
  let seen = ''
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 120 s; see ${logFile}`)), 120_000)
    const onData = (chunk) => {
      log.write(chunk)
      if (seen !== null) {
        seen += chunk.toString('utf8')
        const line = seen.split('\n').find((l) => l.includes('"tessera listening"'))
        if (line) {
          clearTimeout(timer)
          seen = null
          resolve(JSON.parse(line).url)
        }
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${code}; see ${logFile}`))
    })
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM')
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
      log.end()
    },
  }
}

/** Resident set size of a process, in MiB (Linux). */
export function rssMiB(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return Math.round((kb / 1024) * 10) / 10
  } catch {
    return NaN
  }
}

/** The kernel's high-water mark of a process's RSS (VmHWM), in MiB (Linux). */
function peakRssMiB(pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return Math.round((kb / 1024) * 10) / 10
  } catch {
    return NaN
  }
}

/**
 * The peak RSS of a process from now until stopped. The kernel keeps the exact peak (VmHWM),
 * reset here to the current RSS by writing 5 to /proc/<pid>/clear_refs; a 250 ms sampler is the
 * fallback where that is not allowed. A timer alone under-reads: it runs on the bench's own event
 * loop, which the load generator keeps busy.
 */
export function sampleRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return () => Math.max(rssMiB(pid), peakRssMiB(pid))
  } catch {
    // not permitted here: sample
  }
  let peak = rssMiB(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid))
  }, 250)
  return () => {
    clearInterval(timer)
    return Math.max(peak, rssMiB(pid))
  }
}

/** CPU time (user + system, all threads) a process has used so far, in milliseconds (Linux). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms
  } catch {
    return NaN
  }
}
