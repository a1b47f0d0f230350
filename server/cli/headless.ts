// Headless mode: found results on stdout as they come, a progress line per running job now and then
// on the log, so a long job is seen to move, and a summary line when a job ends.
import type { Logger } from '../../shared/log.ts'
import type { FleetView } from '../fleet.ts'
import type { Job } from '../job.ts'
import { formatDuration, formatSpeed } from '../ui/format.ts'

export const PROGRESS_LOG_INTERVAL_MS = 5_000

export function logProgress (orch: FleetView, log: Logger): void {
  setInterval(() => {
    const now = Date.now()
    for (const job of orch.jobs) if (job.status === 'running') log('INFO', jobProgress(job, job.speed(now)))
  }, PROGRESS_LOG_INTERVAL_MS).unref()
}

// `job <id> <status>: <found>/<targets> found, <searched>/<keyspace> candidates in <secs> s (<speed>)`;
// `status` names the end otherwise (a stopped session's jobs are interrupted, not cancelled).
export function jobSummary (job: Job, status: string = job.state.status): string {
  const s = job.state
  // Timed from its first chunk: the wait for a worker (its start-up, a demo's) is said apart.
  const started = s.firstChunkAt ?? s.createdAt
  const seconds = ((s.endedAt ?? Date.now()) - started) / 1000
  const waited = (started - s.createdAt) / 1000
  const speed = seconds > 0 ? Number(s.hashed - s.restoredHashed) / seconds : 0 // this run's work only
  const wait = waited >= 0.1 ? `, after ${waited.toFixed(1)} s waiting for a worker` : ''
  return `job ${s.id} ${status}: ${s.found.length}/${s.targets.size} found, ${s.hashed}/${s.keyspace.size} candidates in ${seconds.toFixed(1)} s (${formatSpeed(speed)})${wait}`
}

// `job 1 md5 0-100000000: 42.0% at 12.3 MH/s, ETA 1m02s, 0/1 found`
export function jobProgress (job: Job, speed: number): string {
  const s = job.state
  const fraction = Number(job.searched) / Number(s.keyspace.size)
  const eta = speed > 0 ? Number(s.keyspace.size - job.searched) / speed : NaN
  return `job ${s.id} ${s.algorithm} ${job.keyspaceText}: ${(fraction * 100).toFixed(1)}% at ${formatSpeed(speed)}, ETA ${formatDuration(eta)}, ${s.found.length}/${s.targets.size} found`
}
