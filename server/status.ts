// A job's figures as scripts read them: --status-json prints one line per running job every
// --status-timer seconds and one when a job ends (like hashcat's --status-json), and `npm run ctl`
// shows the same lines. Counts are numbers, or decimal strings beyond 2^53 so that they stay exact.
import type { JobLine, WorkerLine } from '../shared/protocol/control-protocol.ts'
import { describeBackend, isLive, shownStatus, workerActivity } from './scheduler/state.ts'
import type { Job } from './job.ts'
import type { FleetView, WorkerSummary } from './fleet.ts'

export const DEFAULT_STATUS_SECONDS = 10

const count = (n: bigint) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString())

export function jobLine (orch: FleetView, job: Job, now = Date.now()): JobLine {
  const s = job.state
  const ended = s.endedAt !== null
  const searched = ended ? s.hashed : job.searched
  const speed = ended ? 0 : job.speed(now)
  const holders = new Set([...s.active.values()].map((c) => c.workerId))
  return {
    time: new Date(now).toISOString(),
    job: s.id,
    status: shownStatus(s),
    algorithm: s.algorithm,
    keyspace: job.keyspaceText,
    priority: s.priority,
    progress: [count(searched), count(s.keyspace.size)],
    speed: Math.round(speed),
    eta: speed > 0 ? Math.round(Number(s.keyspace.size - searched) / speed) : null,
    recovered: [s.found.length, s.targets.size],
    workers: orch.workers.filter((w) => holders.has(w.id)).map((w) => ({ name: w.name, speed: Math.round(w.speed), state: workerActivity(w) }))
  }
}

export function workerLine (worker: WorkerSummary): WorkerLine {
  return { name: worker.name, address: worker.address, threads: worker.threads, software: worker.software ?? '', backend: describeBackend(worker.backend), speed: Math.round(worker.speed), chunks: worker.inFlight, state: workerActivity(worker) }
}

export function printStatus (orch: FleetView, seconds: number, write: (line: string) => void): void {
  setInterval(() => {
    const now = Date.now()
    for (const job of orch.jobs) if (isLive(job.state)) write(JSON.stringify(jobLine(orch, job, now)))
  }, seconds * 1000).unref()
  orch.on('job-ended', (job) => write(JSON.stringify(jobLine(orch, job))))
}
