// Starting and stopping the benchmark's servers, each by its own pid.
import { spawn } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'

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

/** Samples RSS every 250 ms until stopped; returns the peak. */
export function sampleRss(pid) {
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
