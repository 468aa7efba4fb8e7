// Starting and stopping the benchmark's servers, each by its own pid.
import { execFileSync, spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs'

/**
 * Spawns `node <script>` and resolves once it logs "tessera listening", with its url and that
 * whole line (`ready`: a peer may put a token there). With `pinCore`, the process runs on that core
 * only (taskset execs node, so the pid is node's).
 */
export async function startProcess(script, { env = {}, logFile, nodeArgs = [], pinCore }) {
  const command = [process.execPath, ...nodeArgs, script]
  if (pinCore !== undefined) command.unshift('taskset', '-c', String(pinCore))
  const child = spawn(command[0], command.slice(1), { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const log = createWriteStream(logFile)
  let seen = ''
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 120 s; see ${logFile}`)), 120_000)
    const onData = (chunk) => {
      log.write(chunk)
      if (seen !== null) {
        seen += chunk.toString('utf8')
        const line = seen.split('\n').find((l) => l.includes('"tessera listening"'))
        if (line) {
          clearTimeout(timer)
          seen = null
          resolve(JSON.parse(line))
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
    url: ready.url,
    ready,
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

/**
 * Pins this process (the load generator) to `core` and returns the core servers should use, when
 * the machine has two or more cores and `taskset` works; otherwise undefined and nothing is pinned.
 */
export function pinLoadGenerator(core = 1) {
  try {
    if (availableParallelism() < 2) return undefined
    execFileSync('taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' })
    return core === 0 ? 1 : 0
  } catch {
    return undefined
  }
}
