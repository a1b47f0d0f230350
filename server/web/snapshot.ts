// What the web view's pages show, read from the server's face (FleetView) when pushed: jobs and
// workers as ctl and --status-json see them, with what the pages add (attack, chunks, speeds).
import type { KeyspaceSpec } from '../../shared/keyspace/spec.ts'
import { MAX_REPLY_ITEMS } from '../../shared/protocol/limits.ts'
import type { WebChunk, WebJob, WebResults, WebSnapshot, WebWorker } from './api.ts'
import type { FleetView, WorkerSummary } from '../fleet.ts'
import type { Job } from '../job.ts'
import { formatPlaintext, formatUser, shownResult } from '../pot-format.ts'
import { jobLine, workerLine } from '../status.ts'

// Results per page of GET /api/jobs/ID/results.
export const WEB_RESULTS_PER_PAGE = 500

// hashcat's -a number for a keyspace.
export function attackOf (spec: KeyspaceSpec): number {
  if (spec.type !== 'wordlist') return 3
  if (spec.combinator) return 1
  if (spec.hybrid) return spec.hybrid.side === 'append' ? 6 : 7
  return 0
}

export function webJob (fleet: FleetView, job: Job, now: number): WebJob {
  const s = job.state
  const { time, ...line } = jobLine(fleet, job, now) // the snapshot is compared with the last sent: no clock in it
  return { ...line, attack: attackOf(s.keyspace.spec), createdAt: s.createdAt, ended: s.endedAt !== null }
}

export function webWorker (worker: WorkerSummary): WebWorker {
  return {
    ...workerLine(worker), id: worker.id, cores: worker.cores, connectedAt: worker.connectedAt, lastSeenAt: worker.lastReportAt,
    verified: worker.verified, quarantined: worker.quarantined, speeds: Object.entries(worker.speeds).map(([algorithm, speed]) => [algorithm, Math.round(speed)])
  }
}

// The chunks a job has out: who holds each (a twin is a second worker on the same candidates).
export function webChunks (fleet: FleetView, job: Job): WebChunk[] {
  const names = new Map(fleet.workers.map((w) => [w.id, w.name]))
  return [...job.state.active.values()].slice(0, MAX_REPLY_ITEMS).map((chunk) => ({
    worker: chunk.workerId === null ? '' : names.get(chunk.workerId) ?? chunk.workerId,
    offset: chunk.offset.toString(), length: chunk.length, searched: chunk.hashed, twin: chunk.twin !== null
  }))
}

// The last MAX_REPLY_ITEMS jobs (a server up for months may have had many more) and every worker:
// what every page is sent. `chunks(jobId)` adds those of the job one page shows.
export function webSnapshot (fleet: FleetView, now = Date.now()): { base: Omit<WebSnapshot, 'chunks'>, chunks: (jobId: string | null) => WebSnapshot['chunks'] } {
  const jobs = fleet.jobs.slice(-MAX_REPLY_ITEMS)
  return {
    base: { jobs: jobs.map((job) => webJob(fleet, job, now)), workers: fleet.workers.slice(0, MAX_REPLY_ITEMS).map(webWorker) },
    chunks: (jobId) => {
      const shown = jobId === null ? undefined : jobs.find((j) => j.id === jobId)
      return shown ? webChunks(fleet, shown) : null
    }
  }
}

export function webResults (job: Job, from: number): WebResults {
  const { page, next } = job.results(from, WEB_RESULTS_PER_PAGE)
  return {
    total: job.state.found.length,
    next,
    results: page.map((f) => ({
      hash: shownResult(job.state.algorithm, f).hash, plaintext: formatPlaintext(f.plaintext), users: (job.users[f.hash] ?? []).map(formatUser),
      confirmedBy: f.confirmation?.by ?? null, byFinder: f.confirmation?.byFinder ?? false
    }))
  }
}
