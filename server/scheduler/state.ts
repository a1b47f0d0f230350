// The scheduler's state: jobs, the chunks cut from them, the workers holding chunks, and the effects
// a transition asks the orchestrator to carry out (persist first, then announce).
import type { Algorithm } from '../../shared/algorithms.ts'
import type { Keyspace } from '../../shared/keyspace/keyspace.ts'
import type { KeyspaceSpec, WordsFile } from '../../shared/keyspace/spec.ts'
import type { Backend } from '../../shared/protocol/worker-protocol.ts'
import type { RateMeter } from '../rate.ts'
import type { Remaining, TargetList } from '../targets.ts'
import type { Range } from './ranges.ts'

export type JobStatus = 'running' | 'paused' | 'found' | 'exhausted' | 'cancelled'
export type EndStatus = 'found' | 'exhausted' | 'cancelled'
// hash: the target's text (formatTarget). confirmation: for a mode we have no kernel for, whose
// hashcat confirmed the find (server/pass-through.ts).
export type FoundResult = { hash: string, plaintext: Uint8Array, confirmation?: Confirmation }
// Which worker's hashcat confirmed a find, and whether it was the finder's own (no other was connected).
export type Confirmation = { by: string, byFinder: boolean }

// A job as the scheduler takes it: canonical keyspace, digests as bytes.
// `known`: targets whose plaintext is already known (potfile, restored session): found from the start.
// `capLength(offset)`: most candidates a chunk starting there may hold (wordlists bound chunks in bytes).
// `targets`: packed and checked where the job was described, or bytes (checked and packed here).
// `wordsFile`, `rules`: a wordlist job's words as a file and its rule files' texts, which say whether
// hashcat workers holding the file may search it (shared/hashcat.ts).
export type JobSpec = {
  algorithm: Algorithm
  targets: TargetList | readonly Uint8Array[]
  keyspace: KeyspaceSpec
  priority?: number
  known?: FoundResult[]
  capLength?: (offset: bigint) => number
  wordsFile?: WordsFile
  rules?: readonly Uint8Array[]
}

export type Chunk = {
  id: string
  job: JobState
  offset: bigint
  length: number
  workerId: string | null
  hashed: number // progress reported so far
  speedKey: string // what its speed depends on: algorithm and candidate length
  assignedAt: number
  startedAt: number | null // its first progress report
  starting: boolean // its worker says its hashcat has not begun (loading, compiling kernels)
  // The same range run by a second worker (a straggler's chunk near the end, or an overdue one):
  // the first DONE counts, the other copy is cancelled.
  twin: Chunk | null
  // Whole words of a wordlist job, searched by a hashcat worker from its copy of the words file (its
  // task carries no words).
  fromFile: boolean
}

export type JobState = {
  id: string
  seq: number // arrival order, for FIFO within a priority
  algorithm: Algorithm
  // Packed (server/targets.ts): a job of millions stays small; a target's text is made when needed.
  targets: TargetList
  remaining: Remaining // the targets not found yet
  keyspace: Keyspace
  priority: number
  status: JobStatus
  found: FoundResult[]
  hashed: bigint // sum of completed chunk lengths, this run's and restored
  unassigned: Range[] // sorted, disjoint: never handed out, or taken back
  active: Map<string, Chunk> // handed out, not done
  createdAt: number
  firstChunkAt: number | null // when its first chunk was cut: the time before it is spent waiting for workers
  endedAt: number | null
  nextChunk: number
  restoredHashed: bigint // searched in an earlier run of a restored session, counted in `hashed`
  capLength: ((offset: bigint) => number) | null
  hashcat: boolean // hashcat workers may search its mask runs, or its words from their file (shared/hashcat.ts)
  wordsFile: string | null // a wordlist job's words file, by its SHA-256
  // Work verification (docs/verification.md): the canaries planted in its unassigned indices and in
  // chunks not yet done, by target key (hex); and the ranges each worker completed this run, handed
  // out again if that worker is caught.
  canaries: Map<string, Canary>
  canaryKeys: Set<string> // every canary it ever had: a late report of a retired one is no lie
  doneBy: Map<string, Range[]>
  lastChunkLength: number // the length of the chunk cut last, to size the canaries' window
}

// A candidate at a secret index whose target the workers seek beside the job's own, never told apart:
// a worker that reports a chunk holding it DONE without having reported it did not search it.
// `reportedBy`: the workers that reported it (a candidate can sit at more than one index of a
// wordlist: a worker that found it earlier drops it, and still counts as having found it); `sentTo`:
// the workers it went to (a chunk is checked only for the canaries its worker had).
export type Canary = { index: bigint, target: Uint8Array, key: string, plaintext: Uint8Array, reportedBy: Set<string>, sentTo: Set<string> }

// software: the worker's release as it reported it, for display only. backend: what runs its chunks
// (absent: the WASM kernels). files: the words files it holds, by SHA-256.
export type WorkerInfo = { id: string, name: string, address: string, cores: number, threads: number, software?: string, backend?: Backend, files?: readonly string[] }

export type WorkerState = WorkerInfo & {
  meter: RateMeter // candidates per second over everything, for display
  speeds: Map<string, { meter: RateMeter, hashed: number }> // by chunk speedKey, for sizing and deadlines
  chunks: Map<string, Chunk> // in the order they were assigned (the first is the one running)
  connectedAt: number
  lastReportAt: number // its last PROGRESS or DONE, or when it was last given work while idle
  advancedAt: number // when a count of its last rose (or a chunk ended), or it was last given work while idle
  hashed: number // everything this worker reported
  failures: number // chunks reported FAILED since its last DONE
  idleUntil: number // no work before this (backing off after a FAILED)
  verified: number // chunks of it that held a canary it reported
  sinceCheck: number // chunks it completed since its last canary check (or since it joined)
  quarantined: boolean // caught skipping work: it gets none while connected
  holds: Set<string> // the words files it has, by SHA-256
}

// A worker as the library and the UI see it: no chunks, no meter, just figures.
export type WorkerSummary = WorkerInfo & {
  connectedAt: number
  speed: number // candidates per second, from its reports
  inFlight: number // chunks it holds
  starting: boolean // its hashcat is starting (loading, compiling kernels) for a chunk it holds
  verified: number // its chunks that passed a canary check (docs/verification.md)
  quarantined: boolean // caught skipping work: it gets none
  lastReportAt: number // its last PROGRESS or DONE (or when it was last given work while idle)
  speeds: Record<string, number> // by algorithm: its best measured speed over the candidate lengths it ran
}

// An idle worker's speed is 0: its meter keeps the last, for sizing its next chunk.
export function workerSummary (worker: WorkerState): WorkerSummary {
  const { id, name, address, cores, threads, software, backend, connectedAt, verified, quarantined, lastReportAt } = worker
  const speeds: Record<string, number> = {}
  for (const [key, { meter }] of worker.speeds) {
    const algorithm = key.slice(0, key.lastIndexOf(':')) // speed keys are ALGORITHM:LENGTH (scheduler/sizing.ts)
    speeds[algorithm] = Math.max(speeds[algorithm] ?? 0, meter.speed)
  }
  return { id, name, address, cores, threads, software, backend, connectedAt, speed: worker.chunks.size > 0 ? worker.meter.speed : 0, inFlight: worker.chunks.size, starting: [...worker.chunks.values()].some((c) => c.starting), verified, quarantined, lastReportAt, speeds }
}

// What a worker is doing, as the dashboard, ctl and --status-json say it.
export function workerActivity (worker: WorkerSummary): 'starting hashcat' | 'working' | 'idle' {
  return worker.starting ? 'starting hashcat' : worker.inFlight > 0 ? 'working' : 'idle'
}

// A job's status as shown: a paused job whose chunks out still finish is pausing.
export function shownStatus (job: JobState): JobStatus | 'pausing' {
  return job.status === 'paused' && job.active.size > 0 ? 'pausing' : job.status
}

export function isHashcat (worker: WorkerInfo): boolean {
  return worker.backend?.kind === 'hashcat'
}

// "wasm", or "hashcat v6.2.6 on 1 GPU: NVIDIA ...", for the dashboard and the logs.
export function describeBackend (backend: Backend | undefined): string {
  if (backend?.kind !== 'hashcat') return 'wasm'
  return `hashcat ${backend.version} on ${backend.devices.map((d) => `${d.type} ${d.name}`).join(', ')}`
}

// What a transition asks of the orchestrator. `completed`, `found` and `ended` are persisted (journal,
// potfile) before anything is announced; `cancel` tells a worker to drop a chunk.
export type Effect =
  | { type: 'completed', job: JobState, offset: bigint, length: number }
  | { type: 'found', job: JobState, result: FoundResult }
  | { type: 'ended', job: JobState }
  | { type: 'cancel', workerId: string, jobId: string, chunkId: string }
  // Verification: a canary's check is over (workers may drop it); a worker was caught, and the
  // ranges it had completed are searched again (persisted: a restore must not trust them either).
  | { type: 'retired', job: JobState, canary: Canary, workerIds: string[] }
  | { type: 'caught', worker: WorkerState, job: JobState, canary: Canary, chunkId: string }
  | { type: 'reopened', job: JobState, offset: bigint, length: bigint }

// Candidates reported searched on the chunks still out (a chunk and its twin count once).
export function inFlight (job: JobState): number {
  let total = 0
  for (const chunk of job.active.values()) {
    if (!chunk.twin) total += chunk.hashed
    else if (chunk.id < chunk.twin.id) total += Math.max(chunk.hashed, chunk.twin.hashed)
  }
  return total
}

// Whether a worker is sent a job's canaries: always, but a hashcat worker on a job with one target
// left only until it has passed a check, since a second hash costs hashcat its single-hash kernels
// (MD5 on a 2-core CPU: 386 M/s with one hash, 155 M/s with four).
export function carriesCanaries (worker: WorkerState, job: JobState): boolean {
  return !(isHashcat(worker) && job.remaining.size === 1 && worker.verified > 0)
}

export function isLive (job: JobState): boolean {
  return job.status === 'running' || job.status === 'paused'
}
