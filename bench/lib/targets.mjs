// The targets of issue 19, judged on one run's rows (ratios within the run, never absolute times
// compared across days: this VM's speed moves by ±15 % between identical runs).

const byName = (rows, name) => rows.find((row) => row.scenario === name)
const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : Math.round((a / b) * 100) / 100)

/** One line per target: what was measured, the bound, and whether it is met. */
export function judgeTargets(rows, notes) {
  const baseline = byName(rows, 'baseline')
  const cpuVsBaseline = (name) => ratio(byName(rows, name)?.cpu_us_per_req, baseline?.cpu_us_per_req)
  const targets = [
    { target: 'protected CPU/req ≤ 1.4× baseline', value: cpuVsBaseline('protected'), ok: (v) => v <= 1.4 },
    { target: '/auth/me CPU/req ≤ 1.8× baseline', value: cpuVsBaseline('me'), ok: (v) => v <= 1.8 },
    { target: 'refresh CPU/req ≤ 60 µs', value: byName(rows, 'refresh')?.cpu_us_per_req, ok: (v) => v <= 60 },
    { target: 'login ≥ 0.95× hash-bound ideal', value: byName(rows, 'login')?.ratio_to_ideal, ok: (v) => v >= 0.95 },
    { target: 'register ≥ 0.95× hash-bound ideal', value: byName(rows, 'register')?.ratio_to_ideal, ok: (v) => v >= 0.95 },
    { target: 'idle RSS ≤ 90 MiB', value: notes.rss_start_mib, ok: (v) => v <= 90 },
    { target: 'peak RSS ≤ 150 MiB', value: notes.rss_peak_mib, ok: (v) => v <= 150 },
    { target: 'RSS after load within 10 % of idle', value: ratio(notes.rss_after_mib, notes.rss_start_mib), ok: (v) => v <= 1.1 },
    { target: 'protected p99 in a login flood ≤ 3× idle', value: byName(rows, 'storm')?.p99_vs_idle, ok: (v) => v <= 3 },
  ]
  return targets.map(({ target, value, ok }) => ({ target, measured: value ?? 'not run', met: value === undefined ? '—' : ok(value) ? 'yes' : 'NO' }))
}

/** Tessera's rows beside the peer row that does the same job, by server CPU per request. */
export function peerComparisons(rows) {
  const pairs = [
    ['protected', 'fastify-jwt protected'],
    ['me', 'better-auth get-session'],
    ['me', 'better-auth get-session (cookie cache)'],
    ['refresh', 'better-auth /token'],
    ['login', 'better-auth sign-in'],
    ['register', 'better-auth sign-up'],
  ]
  return pairs
    .filter(([ours, theirs]) => byName(rows, ours) && byName(rows, theirs))
    .map(([ours, theirs]) => ({
      tessera: ours,
      peer: theirs,
      'tessera CPU µs/req': byName(rows, ours).cpu_us_per_req,
      'peer CPU µs/req': byName(rows, theirs).cpu_us_per_req,
      'peer ÷ tessera (CPU)': ratio(byName(rows, theirs).cpu_us_per_req, byName(rows, ours).cpu_us_per_req),
      'tessera ÷ peer (req/s)': ratio(byName(rows, ours).requests_per_s, byName(rows, theirs).requests_per_s),
    }))
}
