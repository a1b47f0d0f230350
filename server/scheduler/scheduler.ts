// Splits jobs into chunks of keyspace indices and hands them to workers. Knows nothing of sockets:
// the orchestrator feeds it events (worker joined, progress, done, found, lost) and sends what it returns.
// Chunks are index ranges, never lists; every index is counted exactly once when its chunk completes.
import { equalBytes } from '@noble/ciphers/utils.js'
import { EventEmitter } from 'node:events'
import { DIGEST_BYTES, toHex, type Algorithm } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { keyspaceFrom, type Keyspace } from '../../shared/keyspace/keyspace.ts'
import { hashBytes } from '../../shared/kernels/scalar.ts'
import {
  ASSUMED_SPEED_PER_THREAD, CHUNKS_AHEAD_PER_WORKER, MAX_CHUNK_CANDIDATES, MAX_TARGETS_PER_JOB, MIN_CHUNK_CANDIDATES,
  TAIL_SHRINK_FACTOR, TARGET_CHUNK_SECONDS
} from '../../shared/protocol/limits.ts'
import type { KeyspaceSpec } from '../../shared/protocol/messages.ts'

export type JobStatus = 'running' | 'paused' | 'found' | 'exhausted' | 'cancelled'
export type FoundResult = { hash: string, plaintext: Uint8Array }
// `known`: targets whose plaintext is already known (from the potfile): found from the start, never searched.
// `capLength(offset)`: most candidates a chunk starting there may hold (wordlists bound chunks in bytes).
export type JobSpec = { algorithm: Algorithm, targets: Uint8Array[], keyspace: KeyspaceSpec, priority?: number, known?: FoundResult[], capLength?: (offset: bigint) => number }

export type Chunk = {
  id: string
  job: JobState
  offset: bigint
  length: number
  workerId: string | null
  hashed: number // progress reported so far
}

export type JobState = {
  id: string
  seq: number
  algorithm: Algorithm
  targets: Uint8Array[]
  remaining: Uint8Array[] // targets not yet found
  keyspace: Keyspace
  priority: number
  status: JobStatus
  found: FoundResult[]
  hashed: bigint // sum of completed chunk lengths
  frontier: bigint // first index never handed out
  requeued: Chunk[] // chunks taken back from lost workers, handed out first
  active: Map<string, Chunk>
  createdAt: number
  endedAt: number | null
  nextChunk: number
  restoredHashed: bigint // searched in an earlier run of a restored session, counted in `hashed`
  capLength: ((offset: bigint) => number) | null
}

export type WorkerState = {
  id: string
  name: string
  address: string
  cores: number
  threads: number
  speed: number // hashes per second, 0 until measured
  chunks: Map<string, Chunk>
  connectedAt: number
  lastReport: { at: number, hashed: number } | null
  hashed: number // everything this worker reported, for speed measurement
}

export interface SchedulerEvents {
  found: [JobState, FoundResult]
  completed: [JobState, Chunk] // a chunk's every index is now searched and counted
  end: [JobState]
}

// A range of a job's keyspace searched in an earlier run (from a session journal).
export type Completed = { offset: bigint, length: number }

// What the orchestrator must tell workers after a scheduler call.
export type Cancellation = { workerId: string, jobId: string, chunkId: string }

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly jobs = new Map<string, JobState>()
  readonly workers = new Map<string, WorkerState>()
  readonly #now: () => number
  #jobSeq = 0

  constructor (now: () => number = Date.now) {
    super()
    this.#now = now
  }

  addJob (spec: JobSpec): JobState {
    return this.#createJob(spec, String(this.#jobSeq + 1))
  }

  // A job from an earlier run: the same id, its completed ranges counted once and skipped; every
  // gap below the highest completed index (chunks that were in flight) is searched again first.
  restoreJob (spec: JobSpec, id: string, completed: Completed[]): JobState {
    if (!/^[1-9][0-9]*$/.test(id) || this.jobs.has(id)) throw new InvalidInputError(`cannot restore job "${id}": bad or duplicate id`)
    const job = this.#createJob(spec, id)
    if (!isLive(job)) return job
    const ranges = [...completed].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
    let covered = 0n // everything below this index is accounted for
    for (const { offset, length } of ranges) {
      const end = offset + BigInt(length)
      if (offset < 0n || end > job.keyspace.size) throw new InvalidInputError(`cannot restore job ${id}: range ${offset}+${length} is outside its keyspace`)
      if (offset > covered) this.#requeueGap(job, covered, offset)
      if (end > covered) {
        job.hashed += end - (offset > covered ? offset : covered) // overlaps count once
        covered = end
      }
    }
    job.frontier = covered
    job.restoredHashed = job.hashed
    this.#maybeExhausted(job)
    return job
  }

  // Gaps go back as chunks of a few seconds at the assumed speed, so they spread over the fleet.
  #requeueGap (job: JobState, from: bigint, to: bigint): void {
    const piece = BigInt(ASSUMED_SPEED_PER_THREAD * TARGET_CHUNK_SECONDS)
    for (let offset = from; offset < to;) {
      let length = Number(to - offset < piece ? to - offset : piece)
      if (job.capLength) length = Math.min(length, job.capLength(offset))
      job.requeued.push({ id: `${job.id}.${job.nextChunk++}`, job, offset, length, workerId: null, hashed: 0 })
      offset += BigInt(length)
    }
  }

  #createJob (spec: JobSpec, id: string): JobState {
    if (spec.targets.length === 0) throw new InvalidInputError('a job needs at least one target')
    if (spec.targets.length > MAX_TARGETS_PER_JOB) throw new InvalidInputError(`a job takes at most ${MAX_TARGETS_PER_JOB} targets, got ${spec.targets.length}`)
    for (const t of spec.targets) {
      if (t.length !== DIGEST_BYTES[spec.algorithm]) throw new InvalidInputError(`target ${toHex(t)} is not a ${spec.algorithm} digest`)
    }
    const keyspace = keyspaceFrom(spec.keyspace)
    const byHex = new Map(spec.targets.map((t) => [toHex(t), t]))
    const known = (spec.known ?? []).filter((k) => byHex.has(k.hash))
    const knownHex = new Set(known.map((k) => k.hash))
    this.#jobSeq = Math.max(this.#jobSeq, Number(id))
    const job: JobState = {
      id, seq: this.#jobSeq, algorithm: spec.algorithm, targets: [...byHex.values()], remaining: [...byHex].filter(([hex]) => !knownHex.has(hex)).map(([, t]) => t),
      keyspace, priority: spec.priority ?? 0, status: 'running', found: known, hashed: 0n, frontier: 0n, requeued: [],
      active: new Map(), createdAt: this.#now(), endedAt: null, nextChunk: 0, restoredHashed: 0n, capLength: spec.capLength ?? null
    }
    this.jobs.set(id, job)
    // Everything already known: done before any worker is asked.
    if (job.remaining.length === 0) {
      job.status = 'found'
      job.endedAt = job.createdAt
    }
    return job
  }

  addWorker (worker: Pick<WorkerState, 'id' | 'name' | 'address' | 'cores' | 'threads'>): WorkerState {
    const state: WorkerState = { ...worker, speed: 0, chunks: new Map(), connectedAt: this.#now(), lastReport: null, hashed: 0 }
    this.workers.set(worker.id, state)
    return state
  }

  // A lost or departing worker: every chunk it held goes back to the front of its job's queue.
  removeWorker (workerId: string): Chunk[] {
    const worker = this.workers.get(workerId)
    if (!worker) return []
    this.workers.delete(workerId)
    const requeued = [...worker.chunks.values()].filter((chunk) => this.#takeBack(worker, chunk))
    this.#sortRequeued()
    return requeued
  }

  // Unassigns a chunk, forgetting its progress; a live job gets it back to hand out again.
  #takeBack (worker: WorkerState, chunk: Chunk): boolean {
    worker.chunks.delete(chunk.id)
    chunk.workerId = null
    chunk.hashed = 0
    chunk.job.active.delete(chunk.id)
    if (!isLive(chunk.job)) return false
    chunk.job.requeued.push(chunk)
    return true
  }

  // Taken-back chunks go out lowest offset first.
  #sortRequeued (): void {
    for (const job of this.jobs.values()) job.requeued.sort((a, b) => (a.offset < b.offset ? -1 : 1))
  }

  // Chunks to send to this worker now, so it holds one running plus CHUNKS_AHEAD_PER_WORKER queued.
  assign (workerId: string): Chunk[] {
    const worker = this.workers.get(workerId)
    if (!worker) return []
    const assigned: Chunk[] = []
    while (worker.chunks.size < 1 + CHUNKS_AHEAD_PER_WORKER) {
      const chunk = this.#nextChunk(worker)
      if (!chunk) break
      chunk.workerId = worker.id
      chunk.job.active.set(chunk.id, chunk)
      worker.chunks.set(chunk.id, chunk)
      assigned.push(chunk)
    }
    return assigned
  }

  #nextChunk (worker: WorkerState): Chunk | null {
    for (const job of this.#runnableJobs()) {
      const requeued = job.requeued.shift()
      if (requeued) return requeued
      if (job.frontier < job.keyspace.size) {
        const left = job.keyspace.size - job.frontier
        const size = this.chunkSize(worker, left)
        let length = left < BigInt(size) ? Number(left) : size
        if (job.capLength) length = Math.min(length, job.capLength(job.frontier))
        const chunk: Chunk = { id: `${job.id}.${job.nextChunk++}`, job, offset: job.frontier, length, workerId: null, hashed: 0 }
        job.frontier += BigInt(length)
        return chunk
      }
    }
    return null
  }

  // Higher priority first, then first come first served.
  #runnableJobs (): JobState[] {
    return [...this.jobs.values()].filter((j) => j.status === 'running').sort((a, b) => b.priority - a.priority || a.seq - b.seq)
  }

  // A few seconds of work at the worker's measured speed (or an estimate from its threads), and
  // smaller near the end so the fleet finishes together instead of waiting on one slow worker.
  chunkSize (worker: WorkerState, left: bigint): number {
    const speed = worker.speed > 0 ? worker.speed : ASSUMED_SPEED_PER_THREAD * worker.threads
    let size = Math.round(speed * TARGET_CHUNK_SECONDS)
    const fleetSpeed = [...this.workers.values()].reduce((sum, w) => sum + (w.speed > 0 ? w.speed : ASSUMED_SPEED_PER_THREAD * w.threads), 0)
    const share = Number(left) * (speed / fleetSpeed) / TAIL_SHRINK_FACTOR
    if (share < size) size = Math.round(share)
    return Math.min(MAX_CHUNK_CANDIDATES, Math.max(MIN_CHUNK_CANDIDATES, size))
  }

  // Returns false when the report does not belong to this worker (ignored, and logged by the caller).
  progress (workerId: string, chunkId: string, hashed: number): boolean {
    const worker = this.workers.get(workerId)
    const chunk = worker?.chunks.get(chunkId)
    if (!worker || !chunk || hashed > chunk.length || hashed < chunk.hashed) return false
    this.#measure(worker, hashed - chunk.hashed)
    chunk.hashed = hashed
    return true
  }

  // A DONE counts only when its count equals the chunk's length; anything else is a lie or a bug.
  done (workerId: string, chunkId: string, hashed: number): 'accepted' | 'unknown' | 'miscounted' {
    const worker = this.workers.get(workerId)
    const chunk = worker?.chunks.get(chunkId)
    if (!worker || !chunk) return 'unknown'
    if (hashed !== chunk.length) return 'miscounted'
    this.#measure(worker, hashed - chunk.hashed)
    worker.chunks.delete(chunkId)
    const job = chunk.job
    job.active.delete(chunkId)
    job.hashed += BigInt(chunk.length)
    this.emit('completed', job, chunk)
    this.#maybeExhausted(job)
    return 'accepted'
  }

  #measure (worker: WorkerState, delta: number): void {
    const now = this.#now()
    worker.hashed += delta
    const last = worker.lastReport
    if (last && now - last.at >= 250) {
      const sample = (worker.hashed - last.hashed) * 1000 / (now - last.at)
      worker.speed = worker.speed === 0 ? sample : worker.speed * 0.7 + sample * 0.3
      worker.lastReport = { at: now, hashed: worker.hashed }
    } else if (!last) {
      worker.lastReport = { at: now, hashed: worker.hashed }
    }
  }

  // The server re-hashes every claimed plaintext; a worker cannot make us report a false preimage.
  found (workerId: string, jobId: string, hash: Uint8Array, plaintext: Uint8Array): { result: FoundResult, cancellations: Cancellation[] } | 'unknown' | 'false' | 'duplicate' {
    const job = this.jobs.get(jobId)
    if (!job || !this.workers.has(workerId)) return 'unknown'
    if (!equalBytes(hashBytes(job.algorithm, plaintext), hash)) return 'false'
    const i = job.remaining.findIndex((t) => equalBytes(t, hash))
    if (i < 0) return job.targets.some((t) => equalBytes(t, hash)) ? 'duplicate' : 'false'
    job.remaining.splice(i, 1)
    const result = { hash: toHex(hash), plaintext }
    job.found.push(result)
    this.emit('found', job, result)
    const cancellations = job.remaining.length === 0 ? this.#end(job, 'found') : []
    return { result, cancellations }
  }

  // A job that now outranks work queued at workers: each worker keeps the chunk it is most likely
  // running (its oldest), and gives back queued chunks of lower priority that report no progress,
  // so the new job starts within a chunk instead of after three. A chunk that had in fact finished
  // is searched again; it is still counted once (its late DONE is for a chunk no longer assigned).
  preemptFor (jobId: string): Cancellation[] {
    const job = this.jobs.get(jobId)
    if (!job || job.status !== 'running') return []
    const cancellations: Cancellation[] = []
    for (const worker of this.workers.values()) {
      const [, ...queued] = worker.chunks.values()
      for (const chunk of queued) {
        if (chunk.job.priority >= job.priority || chunk.hashed > 0) continue
        this.#takeBack(worker, chunk)
        cancellations.push({ workerId: worker.id, jobId: chunk.job.id, chunkId: chunk.id })
      }
    }
    this.#sortRequeued()
    return cancellations
  }

  cancel (jobId: string): Cancellation[] {
    const job = this.jobs.get(jobId)
    if (!job || !isLive(job)) return []
    return this.#end(job, 'cancelled')
  }

  // Paused jobs keep their chunks in flight but get no new ones.
  setPaused (jobId: string, paused: boolean): void {
    const job = this.jobs.get(jobId)
    if (job && isLive(job)) job.status = paused ? 'paused' : 'running'
  }

  #maybeExhausted (job: JobState): void {
    if (isLive(job) && job.frontier === job.keyspace.size && job.requeued.length === 0 && job.active.size === 0) {
      this.#end(job, 'exhausted')
    }
  }

  #end (job: JobState, status: 'found' | 'exhausted' | 'cancelled'): Cancellation[] {
    const cancellations: Cancellation[] = []
    for (const chunk of job.active.values()) {
      if (chunk.workerId) {
        this.workers.get(chunk.workerId)?.chunks.delete(chunk.id)
        cancellations.push({ workerId: chunk.workerId, jobId: job.id, chunkId: chunk.id })
      }
    }
    job.active.clear()
    job.requeued = []
    job.status = status
    job.endedAt = this.#now()
    this.emit('end', job)
    return cancellations
  }

  // Index range each job has left in flight or unassigned: for the UI and for tests.
  outstanding (job: JobState): bigint {
    return job.keyspace.size - job.hashed
  }
}

export function isLive (job: JobState): boolean {
  return job.status === 'running' || job.status === 'paused'
}
