// What the server's onlookers see of it: its events and its jobs and workers, and for the controller
// a way to add a job. Control, status, metrics, hooks and the dashboard take these narrow faces, not
// the Orchestrator, so none of them imports it back.
import type { EventEmitter } from 'node:events'
import type { Algorithm } from '../shared/algorithms.ts'
import { UnknownJobError, type StoreError, type TaskOrchError } from '../shared/errors.ts'
import { MAX_ID_LENGTH } from '../shared/protocol/limits.ts'
import type { LogLevel } from '../shared/log.ts'
import type { Found, Job } from './job.ts'
import type { AddOptions, JobRequest } from './job-description.ts'
import type { WorkerSummary } from './scheduler/state.ts'

export type { WorkerSummary }

export interface ServerEvents {
  log: [LogLevel, string]
  'worker-joined': [WorkerSummary]
  'worker-left': [WorkerSummary, string]
  // Work verification caught it skipping work (or computing wrong) on this job: docs/verification.md.
  'worker-caught': [WorkerSummary, string]
  'job-added': [Job]
  'job-progress': [Job]
  found: [Job, Found]
  'job-ended': [Job]
  'store-failed': [StoreError] // jobs are paused; results are kept in memory and written when it works again
  'store-recovered': []
  // For metrics: every chunk handed out, completed (with its candidates and how long it took), taken
  // back from a worker that was lost or fell silent (requeued), or failed (a miscount, an unreadable
  // wordlist); connections refused, at once (limits) or after authenticating; failed handshakes.
  chunk: [ChunkEvent]
  refused: [RefusalReason]
  'handshake-failed': [TaskOrchError]
}

export type ChunkEvent = { outcome: 'issued' | 'completed' | 'requeued' | 'failed', algorithm: Algorithm, candidates: number, seconds?: number }
export type RefusalReason = 'limits' | 'version' | 'role'

// The reason 'worker-left' gives for a worker that said goodbye (anything else: it was lost).
export const LEFT_POLITELY = 'said goodbye'

// The server as status lines, metrics, hooks and the dashboard read it.
export type FleetView = Pick<EventEmitter<ServerEvents>, 'on' | 'off'> & {
  readonly jobs: Job[]
  readonly workers: WorkerSummary[]
}

// The job a controller (ctl, the web view) names, or UnknownJobError (an id from a URL cut to an id's length).
export function jobById (fleet: FleetView, id: string): Job {
  const job = fleet.jobs.find((j) => j.id === id)
  if (!job) throw new UnknownJobError(id.slice(0, MAX_ID_LENGTH))
  return job
}

// The server as the controller role steers it: what it reads, and a job to add.
export type Fleet = FleetView & {
  addTasks (request: JobRequest, options?: AddOptions): Job | Promise<Job>
}
