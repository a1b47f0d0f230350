// Human-readable figures shared by the log lines and the terminal UI.
import type { Job } from '../job.ts'

export function formatSpeed (hashesPerSecond: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s']
  let value = hashesPerSecond
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++ }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

// Past this an ETA means nothing but "not in your lifetime".
const LONGEST_ETA_SECONDS = 100 * 365.25 * 86_400

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-'
  if (seconds > LONGEST_ETA_SECONDS) return '> 100 years'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
}

// `job <id> <status>: <found>/<targets> found, <searched>/<keyspace> candidates in <secs> s (<speed>)`;
// `status` names the end otherwise (a stopped session's jobs are interrupted, not cancelled).
export function jobSummary (job: Job, status: string = job.state.status): string {
  const s = job.state
  const seconds = ((s.endedAt ?? Date.now()) - s.createdAt) / 1000
  const speed = seconds > 0 ? Number(s.hashed - s.restoredHashed) / seconds : 0 // this run's work only
  return `job ${s.id} ${status}: ${s.found.length}/${s.targets.size} found, ${s.hashed}/${s.keyspace.size} candidates in ${seconds.toFixed(1)} s (${formatSpeed(speed)})`
}

// `job 1 md5 0-100000000: 42.0% at 12.3 MH/s, ETA 1m02s, 0/1 found`
export function jobProgress (job: Job, speed: number): string {
  const s = job.state
  const fraction = Number(job.searched) / Number(s.keyspace.size)
  const eta = speed > 0 ? Number(s.keyspace.size - job.searched) / speed : NaN
  return `job ${s.id} ${s.algorithm} ${job.keyspaceText}: ${(fraction * 100).toFixed(1)}% at ${formatSpeed(speed)}, ETA ${formatDuration(eta)}, ${s.found.length}/${s.targets.size} found`
}
