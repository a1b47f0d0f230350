// Headless mode: found results on stdout as they come, and a progress line per running job now and
// then on the log, so a long job is seen to move.
import type { Logger } from '../../shared/log.ts'
import type { FleetView } from '../fleet.ts'
import { jobProgress } from '../ui/format.ts'

export const PROGRESS_LOG_INTERVAL_MS = 5_000

export function logProgress (orch: FleetView, log: Logger): void {
  setInterval(() => {
    const now = Date.now()
    for (const job of orch.jobs) if (job.status === 'running') log('INFO', jobProgress(job, job.speed(now)))
  }, PROGRESS_LOG_INTERVAL_MS).unref()
}
