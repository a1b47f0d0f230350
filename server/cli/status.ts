// --status-json: a JSON object per running job every --status-timer seconds, and one more when a job
// ends, on stdout (like hashcat's --status-json, one object per line). Counts are numbers, or
// decimal strings beyond 2^53 so that they stay exact.
import type { Job } from '../job.ts'
import type { Orchestrator } from '../orchestrator.ts'

export const DEFAULT_STATUS_SECONDS = 10

export type StatusLine = {
  time: string // ISO 8601
  job: string
  status: string
  algorithm: string
  keyspace: string
  progress: [number | string, number | string] // candidates searched, of the keyspace
  speed: number // candidates per second lately
  eta: number | null // seconds, null when unknown (idle, or ended)
  recovered: [number, number] // targets found, of the job's
  workers: { name: string, speed: number }[] // those holding a chunk of the job
}

const count = (n: bigint) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString())

export function statusLine (orch: Orchestrator, job: Job, now = Date.now()): StatusLine {
  const s = job.state
  const ended = s.endedAt !== null
  const searched = ended ? s.hashed : job.searched
  const speed = ended ? 0 : job.speed(now)
  const holders = new Set([...s.active.values()].map((c) => c.workerId))
  return {
    time: new Date(now).toISOString(),
    job: s.id,
    status: s.status,
    algorithm: s.algorithm,
    keyspace: job.keyspaceText,
    progress: [count(searched), count(s.keyspace.size)],
    speed: Math.round(speed),
    eta: speed > 0 ? Math.round(Number(s.keyspace.size - searched) / speed) : null,
    recovered: [s.found.length, s.targets.size],
    workers: orch.workers.filter((w) => holders.has(w.id)).map((w) => ({ name: w.name, speed: Math.round(w.speed) }))
  }
}

export function printStatus (orch: Orchestrator, seconds: number, write: (line: string) => void): void {
  setInterval(() => {
    const now = Date.now()
    for (const job of orch.jobs) if (job.status === 'running' || job.status === 'paused') write(JSON.stringify(statusLine(orch, job, now)))
  }, seconds * 1000).unref()
  orch.on('job-ended', (job) => write(JSON.stringify(statusLine(orch, job))))
}
