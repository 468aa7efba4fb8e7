// Diagnostic preload for the server under test (not used by `npm run bench` itself):
//   node --import ./bench/lib/stall-probe.mjs dist/main.js
// Records every event-loop gap longer than STALL_PROBE_MS (default 5) seen by a 1 ms timer, every
// GC pause (perf_hooks), and the thread CPU times of the process around each stall, and writes
// them as JSON lines to STALL_PROBE_FILE (default /tmp/stall-probe.jsonl) every second. Run by
// hand while driving the server (docs/performance.md, "Where the storm's stalls come from").
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { isMainThread } from 'node:worker_threads'
import { execFileSync } from 'node:child_process'

// Worker threads inherit --import; only the main thread's event loop is watched.
if (isMainThread) start()

function start() {

const threshold = Number(process.env.STALL_PROBE_MS ?? 5)
const file = process.env.STALL_PROBE_FILE ?? '/tmp/stall-probe.jsonl'
const origin = performance.timeOrigin
const lines = []

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    lines.push({ type: 'gc', at: Math.round(entry.startTime), ms: Math.round(entry.duration * 100) / 100, kind: GC_KINDS[entry.detail?.kind] ?? entry.detail?.kind })
  }
}).observe({ entryTypes: ['gc'] })

/** Per-thread CPU ticks (utime+stime, 10 ms each) and states, to see who ran during a stall. */
function threads() {
  const out = {}
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[`${tid}:${name}`] = { state: fields[0], ticks: Number(fields[11]) + Number(fields[12]), nice: Number(fields[16]) }
    }
  } catch {}
  return out
}

/** The main thread's time on a CPU and waiting in the run queue, in ns (/proc schedstat). */
function mainSchedstat() {
  const [run, wait, slices] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number)
  return { run, wait, slices, others: othersRun() }
}

// Other threads watched during a gap: the newest three of this process (worker threads: the
// SQLite checkpointer and the hashing pool, started after the main thread's own) and the parent
// (the bench, which drives the load). Chosen once, a few seconds in.
let watched = []
setTimeout(() => {
  const tids = readdirSync('/proc/self/task').map(Number).sort((a, b) => a - b)
  watched = [...tids.slice(-3).map((tid) => [`t${tid}`, `/proc/self/task/${tid}/schedstat`]), ['parent', `/proc/${process.ppid}/task/${process.ppid}/schedstat`]]
  lines.push({ type: 'watched', watched })
}, 3000).unref()

setTimeout(() => {
  const tids = readdirSync('/proc/self/task').map(Number)
  // Experiment: STALL_PROBE_SCHED_IDLE=1 moves the nice-19 threads (the hashing pool) to SCHED_IDLE.
  if (process.env.STALL_PROBE_SCHED_IDLE === '1') {
    for (const tid of tids) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
      lines.push({ type: 'nice', tid, nice })
      if (nice === 19) {
        execFileSync('chrt', ['--idle', '-p', '0', String(tid)])
        lines.push({ type: 'sched-idle', tid })
      }
    }
  }
}, 8000).unref()

function othersRun() {
  const out = {}
  for (const [name, path] of watched) {
    try {
      out[name] = Number(readFileSync(path, 'utf8').split(' ')[0])
    } catch {}
  }
  return out
}

let last = performance.now()
let lastCpu = process.cpuUsage()
let lastSched = mainSchedstat()
setInterval(() => {
  const now = performance.now()
  const gap = now - last
  const sched = mainSchedstat()
  if (gap > threshold) {
    const cpu = process.cpuUsage(lastCpu)
    // procCpuMs: all threads during the gap. mainRunMs: the main thread on a CPU (running code or GC);
    // mainQueuedMs: runnable but waiting for a CPU; the rest of the gap it slept (I/O, locks, fsync).
    lines.push({
      type: 'stall',
      at: Math.round(last),
      ms: Math.round(gap * 10) / 10,
      procCpuMs: Math.round((cpu.user + cpu.system) / 100) / 10,
      mainRunMs: Math.round((sched.run - lastSched.run) / 1e5) / 10,
      mainQueuedMs: Math.round((sched.wait - lastSched.wait) / 1e5) / 10,
      slices: sched.slices - lastSched.slices,
      othersRunMs: Object.fromEntries(Object.keys(sched.others).map((k) => [k, Math.round((sched.others[k] - (lastSched.others[k] ?? 0)) / 1e5) / 10])),
    })
  }
  last = now
  lastSched = sched
  lastCpu = process.cpuUsage()
}, 1).unref()

setInterval(() => {
  if (lines.length === 0) return
  appendFileSync(file, lines.splice(0).map((l) => JSON.stringify(l)).join('\n') + '\n')
}, 1000).unref()

setInterval(() => {
  lines.push({ type: 'threads', at: Math.round(performance.now()), threads: threads() })
}, 5000).unref()

lines.push({ type: 'start', origin, threshold })
}
