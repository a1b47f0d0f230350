// Splits jobs into chunks of keyspace indices and hands them to workers. Knows nothing of sockets,
// files or crypto: the orchestrator feeds it events (worker joined, progress, done, a verified find,
// lost) and carries out the effects each transition returns, persisting before it announces.
// Chunks are index ranges, never lists; every index is counted exactly once when its chunk completes.
import { InvalidInputError } from '../../shared/errors.ts'
import { hashcatRefusal, hashcatRunAt, minHashcatRun } from '../../shared/hashcat.ts'
import { keyspaceFrom, segmentAt } from '../../shared/keyspace/keyspace.ts'
import { alignedStart } from '../../shared/keyspace/runs.ts'
import { MAX_WASM_CHUNK_CANDIDATES } from '../../shared/protocol/limits.ts'
import { RateMeter } from '../rate.ts'
import { SCHEDULER_DEFAULTS, type SchedulerOptions } from './options.ts'
import { complement, insertRange, mergeRanges, rangesSize, takeRange, type Range } from './ranges.ts'
import { chunkSize, costOf, fileSpeedKey, hashcatChunkSize, runStarts, speedKeyOf } from './sizing.ts'
import { Remaining, TargetList } from '../targets.ts'
import { isPassThrough, scaledByCost, toHex } from '../../shared/algorithms.ts'
import { canaryRoom, steeredCut, unassignedRangeOf, type CanaryRoom } from './canaries.ts'
import { carriesCanaries, inFlight, isHashcat, isLive, type Canary, type Confirmation, type Chunk, type Effect, type EndStatus, type FoundResult, type JobSpec, type JobState, type WorkerInfo, type WorkerState } from './state.ts'

// A new worker loads its threads and kernels before its first report; on a busy machine that is slow.
const NEW_WORKER_STALL_FACTOR = 3
// A hashcat worker looks for a mask run this close to its chunk size among this many unassigned
// ranges, before it settles for the longest it saw (ranges left between WASM chunks are ragged).
const GOOD_RUN_FRACTION = 4n
const RUN_RANGES_SEARCHED = 16

export class Scheduler {
  readonly jobs = new Map<string, JobState>()
  readonly workers = new Map<string, WorkerState>()
  readonly options: Readonly<SchedulerOptions>
  readonly #now: () => number
  readonly #random: () => number
  #lastJobId = 0
  #runnable: JobState[] | null = null // running jobs in dispatch order, until a job or its status changes

  // `random`: where in a steered chunk its canary falls (secret in production: crypto, by default).
  constructor (options: Partial<SchedulerOptions> & { now?: () => number, random?: () => number } = {}) {
    const { now, random, ...knobs } = options
    this.options = { ...SCHEDULER_DEFAULTS, ...knobs }
    this.#now = now ?? Date.now
    this.#random = random ?? Math.random
  }

  // New jobs take ids above this (a session journal knows ids of jobs that ended before a restore).
  reserveJobIds (lastId: number): void {
    this.#lastJobId = Math.max(this.#lastJobId, lastId)
  }

  // A new job; `effects` announce the results it knows from the start (and its end, if that is all).
  addJob (spec: JobSpec): { job: JobState, effects: Effect[] } {
    return this.#createJob(spec, String(this.#lastJobId + 1), [])
  }

  // A job from an earlier run, under its old id: its completed ranges are counted once and never
  // handed out again; everything else (the chunks that were in flight, and beyond) is, lowest first.
  restoreJob (spec: JobSpec, id: string, completed: Range[]): { job: JobState, effects: Effect[] } {
    if (!/^[1-9][0-9]{0,15}$/.test(id) || this.jobs.has(id)) throw new InvalidInputError(`cannot restore job "${id}": bad or duplicate id`)
    return this.#createJob(spec, id, completed)
  }

  #createJob (spec: JobSpec, id: string, completed: Range[]): { job: JobState, effects: Effect[] } {
    const targets = spec.targets instanceof TargetList ? spec.targets : TargetList.from(spec.algorithm, spec.targets)
    if (targets.size === 0) throw new InvalidInputError('a job needs at least one target')
    const priority = spec.priority ?? 0 // bounded where the job was described (server/job-description.ts)
    const remaining = new Remaining(targets)
    const keyspace = keyspaceFrom(spec.keyspace)
    const done = mergeRanges(completed)
    for (const { offset, end } of done) {
      if (offset < 0n || end > keyspace.size) throw new InvalidInputError(`cannot restore job ${id}: range ${offset}-${end} is outside its keyspace of ${keyspace.size}`)
    }
    const hashed = rangesSize(done)
    this.#lastJobId = Math.max(this.#lastJobId, Number(id))
    const job: JobState = {
      id, seq: this.#lastJobId, algorithm: spec.algorithm, targets, remaining, keyspace, priority,
      status: 'running', found: [], hashed, unassigned: complement(done, keyspace.size), active: new Map(),
      createdAt: this.#now(), firstChunkAt: null, endedAt: null, nextChunk: 0, restoredHashed: hashed, capLength: spec.capLength ?? null,
      hashcat: hashcatRefusal(spec.algorithm, keyspace.spec, spec.wordsFile, spec.rules) === null, wordsFile: spec.wordsFile?.sha256 ?? null,
      canaries: new Map(), canaryKeys: new Set(), doneBy: new Map(), lastChunkLength: 0
    }
    this.jobs.set(id, job)
    this.#runnable = null
    const effects: Effect[] = []
    for (const known of spec.known ?? []) {
      if (!remaining.delete(known.hash)) continue // not a target, or known twice
      job.found.push(known)
      effects.push({ type: 'found', job, result: known })
    }
    if (remaining.size === 0) effects.push(...this.#end(job, 'found'))
    else effects.push(...this.#maybeExhausted(job))
    return { job, effects }
  }

  addWorker (info: WorkerInfo): WorkerState {
    const now = this.#now()
    const state: WorkerState = {
      ...info, meter: new RateMeter(), speeds: new Map(), chunks: new Map(), connectedAt: now, lastReportAt: now, advancedAt: now, hashed: 0, failures: 0, idleUntil: 0,
      verified: 0, sinceCheck: 0, quarantined: false, holds: new Set(info.files)
    }
    this.workers.set(info.id, state)
    return state
  }

  // The worker now holds this words file (it fetched it and checked its digest): it may search whole
  // words of the jobs that have it on hashcat. The chunks of words it has queued for its WASM kernels
  // meanwhile come back (a crypt scheme's run there a hundred times slower). Null when that changes
  // nothing.
  holding (workerId: string, sha256: string): Effect[] | null {
    const worker = this.workers.get(workerId)
    if (!worker || worker.holds.has(sha256)) return null
    worker.holds.add(sha256)
    return this.#takeBackQueued(worker, (chunk) => !chunk.fromFile && chunk.job.wordsFile === sha256 && this.#searchesFile(worker, chunk.job))
  }

  // A lost or departing worker: every chunk it held goes back to its job, to be handed out first.
  // Returns how many chunks went back.
  removeWorker (workerId: string): number {
    const worker = this.workers.get(workerId)
    if (!worker) return 0
    this.workers.delete(workerId)
    let requeued = 0
    for (const chunk of worker.chunks.values()) if (this.#takeBack(worker, chunk)) requeued++
    return requeued
  }

  // Unassigns a chunk, forgetting its progress; a live job gets its range back to hand out again
  // (cut anew, so its size suits whoever takes it), unless a twin still runs it.
  #takeBack (worker: WorkerState, chunk: Chunk): boolean {
    worker.chunks.delete(chunk.id)
    chunk.workerId = null
    chunk.job.active.delete(chunk.id)
    if (chunk.twin) {
      chunk.twin.twin = null
      chunk.twin = null
      return false
    }
    if (!isLive(chunk.job)) return false
    insertRange(chunk.job.unassigned, { offset: chunk.offset, end: chunk.offset + BigInt(chunk.length) })
    return true
  }

  // Chunks to send to this worker now, so it holds one running plus `chunksAheadPerWorker` queued.
  assign (workerId: string): Chunk[] {
    const worker = this.workers.get(workerId)
    if (!worker || worker.quarantined) return []
    const assigned: Chunk[] = []
    const now = this.#now()
    if (worker.chunks.size === 0) worker.lastReportAt = worker.advancedAt = now // an idle worker owes no report
    if (now < worker.idleUntil) return assigned
    // A hashcat worker runs two chunks at once, each long: more would only hold work others could take.
    const ahead = isHashcat(worker) ? 1 : this.options.chunksAheadPerWorker
    while (worker.chunks.size < 1 + ahead) {
      const chunk = this.#nextChunk(worker, now)
      if (!chunk) break
      chunk.workerId = worker.id
      chunk.job.active.set(chunk.id, chunk)
      worker.chunks.set(chunk.id, chunk)
      assigned.push(chunk)
    }
    return assigned
  }

  // Job by job in dispatch order: an overdue chunk to run again, else a chunk cut from the lowest
  // unassigned range. With nothing left to cut anywhere, a twin of the chunk whose holder is expected
  // to finish last, if this worker would finish it sooner (so one slow machine cannot hold the end).
  #nextChunk (worker: WorkerState, now: number): Chunk | null {
    // A mode we have no kernel for is searched by hashcat workers alone.
    const runnable = this.runnableJobs().filter((job) => isHashcat(worker) || !isPassThrough(job.algorithm))
    for (const job of runnable) {
      const overdue = this.#speculationFor(worker, job, now, true)
      if (overdue) return overdue
      if (job.wordsFile !== null) {
        const words = this.#searchesFile(worker, job) ? this.#cutWords(worker, job, now) : null
        if (words) return words
        if (isPassThrough(job.algorithm)) continue // its words go with no task: hashcat reads them from its copy
      } else if (isHashcat(worker) && job.hashcat) {
        const run = this.#cutRun(worker, job, now)
        if (run) return run
        continue
      }
      const range = job.unassigned[0]
      if (!range) continue
      const canary = this.#dueCanary(worker, job)
      const speedKey = speedKeyOf(job, canary?.index ?? range.offset)
      const size = this.chunkSize(worker, rangesSize(job.unassigned), speedKey)
      const cut = canary ? steeredCut(job, canary.index, size, this.#random) : { index: 0, offset: range.offset, length: size }
      const available = job.unassigned[cut.index].end - cut.offset
      let length = available < BigInt(cut.length) ? Number(available) : cut.length
      if (job.capLength) length = Math.min(length, job.capLength(cut.offset))
      takeRange(job.unassigned, cut.index, cut.offset, cut.offset + BigInt(length))
      return this.#newChunk(job, cut.offset, length, speedKeyOf(job, cut.offset), now)
    }
    for (const job of runnable) {
      const twin = this.#speculationFor(worker, job, now, false)
      if (twin) return twin
    }
    return null
  }

  // For a hashcat worker: a mask run (shared/keyspace/runs.ts) of about its chunk size, from the
  // first unassigned range that holds a good one, else the longest seen. Ragged ends left between
  // runs stay unassigned, for any worker.
  #cutRun (worker: WorkerState, job: JobState, now: number): Chunk | null {
    const first = job.unassigned[0]
    if (!first) return null
    const speedKey = speedKeyOf(job, first.offset)
    const speed = this.#speedOf(worker, speedKey)
    let size = BigInt(hashcatChunkSize(this.options, speed, this.#fleetSpeed(speedKey), rangesSize(job.unassigned)))
    // Near a job's end, finishing together matters more than hashcat's speed: no chunk beyond size.
    // A worker not yet verified gets no chunk an idle WASM worker could not copy.
    const unverifiedSize = BigInt(scaledByCost(job.algorithm, this.options.unverifiedHashcatChunk))
    // (No canary can check a mode we have no kernel for: its chunks are never held back for one.)
    const unverified = worker.verified === 0 && size > unverifiedSize && !isPassThrough(job.algorithm)
    if (unverified) size = unverifiedSize
    const tail = unverified || Number(size) < speed * this.options.hashcatChunkSeconds
    const cap = tail ? size : BigInt(Math.round(Math.min(Number.MAX_SAFE_INTEGER, speed * this.options.hashcatMaxChunkSeconds)))
    const canary = this.#dueCanary(worker, job)
    if (canary) { // the longest aligned run that holds the canary, up to size
      const which = unassignedRangeOf(job, canary.index)
      const { offset, end } = job.unassigned[which]
      const segmentStart = segmentAt(job.keyspace, canary.index).start
      const floor = offset > segmentStart ? offset : segmentStart
      const shortest = BigInt(minHashcatRun(job.algorithm))
      for (let most = size; most >= shortest; most /= 4n) { // shorter ones run on WASM
        const start = alignedStart(job.keyspace, canary.index - most + 1n > floor ? canary.index - most + 1n : floor, most)
        const length = start <= canary.index ? hashcatRunAt(job.keyspace, start, end, most, most) : 0n
        if (length < shortest || start + length <= canary.index) continue
        takeRange(job.unassigned, which, start, start + length)
        return this.#newChunk(job, start, Number(length), speedKeyOf(job, start), now)
      }
    }
    let best = { index: -1, offset: 0n, length: 0n }
    for (let index = 0; index < Math.min(job.unassigned.length, RUN_RANGES_SEARCHED); index++) {
      const { offset, end } = job.unassigned[index]
      for (const start of runStarts(job.keyspace, offset, end, size)) {
        const length = hashcatRunAt(job.keyspace, start, end, size, cap)
        if (length > best.length) best = { index, offset: start, length }
      }
      if (best.length * GOOD_RUN_FRACTION >= size) break
    }
    if (best.index < 0) return null
    takeRange(job.unassigned, best.index, best.offset, best.offset + best.length)
    return this.#newChunk(job, best.offset, Number(best.length), speedKeyOf(job, best.offset), now)
  }

  // Whether this worker searches the job's words on hashcat, from its copy of the words file.
  #searchesFile (worker: WorkerState, job: JobState): boolean {
    return isHashcat(worker) && job.hashcat && job.wordsFile !== null && worker.holds.has(job.wordsFile)
  }

  // For a hashcat worker holding the job's words file: whole words (hashcat's -s/-l count words, and
  // each word stands for all its candidates), about its chunk size of them, from the first
  // unassigned range that holds one, or around a due canary's word. Null when there are fewer than
  // make a hashcat run worth its start-up: the worker gets a chunk with its words, for its kernels.
  #cutWords (worker: WorkerState, job: JobState, now: number): Chunk | null {
    const perWord = job.keyspace.perWord
    const speedKey = fileSpeedKey(job)
    const speed = this.#speedOf(worker, speedKey)
    let size = BigInt(hashcatChunkSize(this.options, speed, this.#fleetSpeed(speedKey), rangesSize(job.unassigned)))
    const unverifiedSize = BigInt(scaledByCost(job.algorithm, this.options.unverifiedHashcatChunk))
    const passThrough = isPassThrough(job.algorithm) // no canary checks it, and no kernel takes what hashcat does not
    if (worker.verified === 0 && size > unverifiedSize && !passThrough) size = unverifiedSize
    const most = size / perWord > 1n ? size / perWord * perWord : perWord
    const shortest = passThrough ? perWord : BigInt(scaledByCost(job.algorithm, this.options.hashcatMinRun))
    const whole = (range: Range) => ({ start: (range.offset + perWord - 1n) / perWord * perWord, end: range.end / perWord * perWord })
    const take = (index: number, start: bigint, end: bigint) => {
      takeRange(job.unassigned, index, start, end)
      const chunk = this.#newChunk(job, start, Number(end - start), speedKey, now)
      chunk.fromFile = true
      return chunk
    }
    const canary = this.#dueCanary(worker, job)
    if (canary) { // a run of whole words holding the canary's, at a random place in it
      const which = unassignedRangeOf(job, canary.index)
      const { start, end } = whole(job.unassigned[which])
      const word = canary.index / perWord * perWord
      if (word >= start && word + perWord <= end) {
        const before = BigInt(Math.floor(this.#random() * Number((most - perWord) / perWord + 1n))) * perWord
        const from = word - before > start ? word - before : start
        const to = from + most < end ? from + most : end
        if (to - from >= shortest) return take(which, from, to)
      }
    }
    for (let index = 0; index < job.unassigned.length; index++) {
      const { start, end } = whole(job.unassigned[index])
      const length = end - start < most ? end - start : most
      if (length >= shortest) return take(index, start, start + length)
    }
    return null
  }

  #newChunk (job: JobState, offset: bigint, length: number, speedKey: string, now: number): Chunk {
    job.lastChunkLength = length
    job.firstChunkAt ??= now
    return { id: `${job.id}.${job.nextChunk++}`, job, offset, length, workerId: null, hashed: 0, speedKey, assignedAt: now, startedAt: null, starting: false, twin: null, fromFile: false }
  }

  // A twin for `worker` of one of `job`'s chunks: with `overdueOnly`, of a chunk past its deadline;
  // otherwise of the chunk whose holder should finish it last, if this worker would finish it sooner.
  #speculationFor (worker: WorkerState, job: JobState, now: number, overdueOnly: boolean): Chunk | null {
    let best: Chunk | null = null
    let bestGain = 0
    for (const chunk of job.active.values()) {
      if (chunk.twin || chunk.workerId === worker.id || chunk.workerId === null) continue
      if (chunk.length > MAX_WASM_CHUNK_CANDIDATES && !isHashcat(worker)) continue
      // Whole words of a file only a worker holding it searches (a task of them would not fit words).
      if (chunk.fromFile && !this.#searchesFile(worker, job)) continue
      const holder = this.workers.get(chunk.workerId)
      if (!holder) continue
      const mine = chunk.length * 1000 / this.#speedOf(worker, chunk.speedKey)
      const gain = overdueOnly
        ? (this.#isOverdue(holder, chunk, now) ? Number.MAX_SAFE_INTEGER - chunk.assignedAt : 0)
        : this.#expectedFinish(holder, chunk, now) - (now + mine)
      if (gain > bestGain) {
        best = chunk
        bestGain = gain
      }
    }
    if (!best) return null
    const twin = this.#newChunk(job, best.offset, best.length, best.speedKey, now)
    twin.fromFile = best.fromFile
    twin.twin = best
    best.twin = twin
    return twin
  }

  // Its holder has gone silent or stopped advancing, or it has run far longer than its holder's
  // measured speed says it should. (Not sooner: a copy that finishes first cancels the holder's, and
  // a hashcat worker starting up must get to advance once.)
  #isOverdue (holder: WorkerState, chunk: Chunk, now: number): boolean {
    if (now - holder.lastReportAt >= this.options.silentMs || now - holder.advancedAt >= this.options.stallMs) return true
    if (chunk.startedAt === null) return false
    const expected = chunk.length * 1000 / this.#speedOf(holder, chunk.speedKey)
    return now - chunk.startedAt > this.options.overdueFactor * expected + this.options.stallMs
  }

  // When the holder should be done with this chunk: its chunks run one after another, in order.
  #expectedFinish (holder: WorkerState, chunk: Chunk, now: number): number {
    let at = now
    for (const held of holder.chunks.values()) {
      at += (held.length - held.hashed) * 1000 / this.#speedOf(holder, held.speedKey)
      if (held === chunk) return at
    }
    return at
  }

  // The running jobs: higher priority first, then first come first served; recomputed only when jobs change.
  runnableJobs (): readonly JobState[] {
    this.#runnable ??= [...this.jobs.values()].filter((j) => j.status === 'running').sort((a, b) => b.priority - a.priority || a.seq - b.seq)
    return this.#runnable
  }

  // Measured at this algorithm and candidate length, or a modest guess until then; never more than
  // its threads or devices could make (a worker that reports DONE at once must not earn huge chunks).
  #speedOf (worker: WorkerState, speedKey: string): number {
    const speed = worker.speeds.get(speedKey)?.meter.speed ?? 0
    const plausible = isHashcat(worker) ? (worker.backend?.kind === 'hashcat' ? worker.backend.devices.length : 1) * this.options.maxSpeedPerDevice : worker.threads * this.options.maxSpeedPerThread
    // Until measured: an MD5 speed, divided by the algorithm's cost (a crypt scheme's first chunks
    // would otherwise hold a slow worker for hours).
    const assumed = (isHashcat(worker) ? this.options.assumedHashcatSpeed : this.options.assumedSpeedPerThread) / costOf(speedKey)
    return Math.min(plausible, speed > 0 ? speed : assumed)
  }

  // The least a chunk holds is fewer by the algorithm's cost: a thousand sha512crypt candidates are a
  // minute of a WASM thread.
  chunkSize (worker: WorkerState, left: bigint, speedKey: string): number {
    const options = { ...this.options, minChunkCandidates: Math.max(1, Math.floor(this.options.minChunkCandidates / costOf(speedKey))) }
    return chunkSize(options, this.#speedOf(worker, speedKey), this.#fleetSpeed(speedKey), left)
  }

  #fleetSpeed (speedKey: string): number {
    let total = 0
    for (const w of this.workers.values()) total += this.#speedOf(w, speedKey)
    return total
  }

  // Workers that hold chunks and whose counts have not risen for stallMs give them back, to be cut
  // anew for whoever takes them (they stay connected: a paused machine that resumes is just idle, its
  // late reports ignored). A report that repeats its count keeps nothing. Called about once a second.
  tick (): Effect[] {
    const now = this.#now()
    const effects: Effect[] = []
    for (const worker of this.workers.values()) {
      // A worker that has never advanced may still be starting its threads, or hashcat compiling; a
      // hashcat worker whose runs have not advanced yet may be starting them (a process each, and a
      // slow mode's first batch reports nothing until it ends).
      const starting = isHashcat(worker) && [...worker.chunks.values()].every((chunk) => chunk.hashed === 0)
      const limit = worker.hashed === 0 ? Math.max(NEW_WORKER_STALL_FACTOR * this.options.stallMs, isHashcat(worker) ? this.options.hashcatStartupMs : 0)
        : starting ? Math.max(this.options.stallMs, this.options.hashcatRunStartMs) : this.options.stallMs
      if (worker.chunks.size === 0 || now - worker.advancedAt < limit) continue
      for (const chunk of [...worker.chunks.values()]) {
        this.#takeBack(worker, chunk)
        effects.push({ type: 'cancel', workerId: worker.id, jobId: chunk.job.id, chunkId: chunk.id })
      }
    }
    return effects
  }

  // Returns false when the report changes nothing or does not belong to this worker. An unchanged
  // count says the worker is alive (hashcat starting up), not that it advances.
  // `starting`: its hashcat has not begun (it loads, or compiles kernels): said, not believed for
  // anything but display.
  progress (workerId: string, chunkId: string, hashed: number, starting = false): boolean {
    const worker = this.workers.get(workerId)
    const chunk = worker?.chunks.get(chunkId)
    if (!worker || !chunk || hashed > chunk.length || hashed < chunk.hashed) return false
    const changed = chunk.starting !== starting
    chunk.starting = starting
    // A chunk's hashcat starting (seconds; minutes compiling kernels) is not its speed: a slow hash
    // measured with it got chunks of a few hundred candidates, each mostly start-up.
    if (starting) this.#rebase(worker, chunk)
    if (hashed === chunk.hashed) {
      worker.lastReportAt = this.#now()
      return changed
    }
    this.#measure(worker, chunk, hashed - chunk.hashed)
    chunk.startedAt ??= this.#now()
    chunk.hashed = hashed
    return true
  }

  // A DONE counts only when its count equals the chunk's length; anything else is a lie or a bug.
  // A chunk that held a canary sent to its worker counts only if the worker reported it; if not, the
  // worker is caught (#distrust).
  done (workerId: string, chunkId: string, hashed: number): Effect[] | 'unknown' | 'miscounted' {
    const worker = this.workers.get(workerId)
    const chunk = worker?.chunks.get(chunkId)
    if (!worker || !chunk) return 'unknown'
    if (hashed !== chunk.length) return 'miscounted'
    const job = chunk.job
    const end = chunk.offset + BigInt(chunk.length)
    const inChunk = [...job.canaries.values()].filter((c) => c.index >= chunk.offset && c.index < end)
    const held = inChunk.filter((c) => c.sentTo.has(workerId))
    const missed = held.find((c) => !c.reportedBy.has(workerId))
    if (missed) return this.#distrust(worker, job, missed, chunkId)
    this.#measure(worker, chunk, hashed - chunk.hashed)
    worker.failures = 0
    worker.chunks.delete(chunkId)
    job.active.delete(chunkId)
    job.hashed += BigInt(chunk.length)
    const effects: Effect[] = [{ type: 'completed', job, offset: chunk.offset, length: chunk.length }]
    // A hashcat worker runs a short chunk on its WASM kernels: passing there says nothing of hashcat.
    if (held.length > 0 && (!isHashcat(worker) || chunk.length >= minHashcatRun(job.algorithm))) {
      worker.verified++
      worker.sinceCheck = 0
    } else {
      worker.sinceCheck++
    }
    insertRange(mapGet(job.doneBy, workerId), { offset: chunk.offset, end })
    // Every canary in the range has had its check (or was not this worker's to find): retired.
    for (const canary of inChunk) {
      job.canaries.delete(canary.key)
      // Not to those that reported it: they dropped it, and a SOLVED for one's own find would say canary.
      effects.push({ type: 'retired', job, canary, workerIds: [...canary.sentTo].filter((id) => !canary.reportedBy.has(id)) })
    }
    effects.push(...this.#withdraw(job))
    const twin = chunk.twin
    if (twin) { // first DONE wins: the copy still running is cancelled, and counts nothing
      twin.twin = null
      chunk.twin = null
      job.active.delete(twin.id)
      if (twin.workerId) {
        this.workers.get(twin.workerId)?.chunks.delete(twin.id)
        effects.push({ type: 'cancel', workerId: twin.workerId, jobId: job.id, chunkId: twin.id })
      }
    }
    return [...effects, ...this.#maybeExhausted(job)]
  }

  // A chunk its worker could not finish (hashcat crashed, hung, miscounted): handed out again, and
  // that worker backs off (failedBackoffMs). Returns whether the chunk goes back to its job (not when
  // a twin still runs it or the job ended).
  failed (workerId: string, chunkId: string): boolean | 'unknown' {
    const worker = this.workers.get(workerId)
    const chunk = worker?.chunks.get(chunkId)
    if (!worker || !chunk) return 'unknown'
    const now = this.#now()
    worker.lastReportAt = worker.advancedAt = now
    worker.failures++
    worker.idleUntil = now + Math.min(this.options.failedBackoffMaxMs, this.options.failedBackoffMs * 2 ** (worker.failures - 1))
    return this.#takeBack(worker, chunk)
  }

  #rebase (worker: WorkerState, chunk: Chunk): void {
    const now = this.#now()
    worker.meter.rebase(worker.hashed, now)
    const speed = worker.speeds.get(chunk.speedKey)
    speed?.meter.rebase(speed.hashed, now)
  }

  #measure (worker: WorkerState, chunk: Chunk, delta: number): void {
    const now = this.#now()
    worker.lastReportAt = worker.advancedAt = now
    worker.hashed += delta
    worker.meter.update(worker.hashed, now)
    let speed = worker.speeds.get(chunk.speedKey)
    if (!speed) worker.speeds.set(chunk.speedKey, speed = { meter: new RateMeter(), hashed: 0 })
    speed.hashed += delta
    speed.meter.update(speed.hashed, now)
  }

  // A find the orchestrator has verified (the plaintext hashes to `hash`). Only a live job's remaining
  // target counts; anything else changes nothing and says why.
  // What a claimed find would be, looked up before anyone spends a hash on verifying it: still to be
  // found ('remaining'), found already, no target of the job, or for a job that is gone or over.
  expects (jobId: string, target: Uint8Array): 'remaining' | 'canary' | 'unknown' | 'ended' | 'duplicate' | 'not-a-target' {
    const job = this.jobs.get(jobId)
    if (!job) return 'unknown'
    const i = job.targets.indexOf(target)
    if (i < 0) {
      const key = toHex(target)
      return job.canaries.has(key) ? 'canary' : job.canaryKeys.has(key) ? 'duplicate' : 'not-a-target'
    }
    if (!job.remaining.hasIndex(i)) return 'duplicate'
    return isLive(job) ? 'remaining' : 'ended'
  }

  found (jobId: string, hash: string, plaintext: Uint8Array, confirmation?: Confirmation): Effect[] | 'unknown' | 'ended' | 'duplicate' | 'not-a-target' {
    const job = this.jobs.get(jobId)
    if (!job) return 'unknown'
    if (!job.remaining.has(hash)) return job.targets.hasText(hash) ? 'duplicate' : 'not-a-target'
    if (!isLive(job)) return 'ended'
    job.remaining.delete(hash)
    const result: FoundResult = confirmation ? { hash, plaintext, confirmation } : { hash, plaintext }
    job.found.push(result)
    const effects: Effect[] = [{ type: 'found', job, result }]
    if (job.remaining.size === 0) effects.push(...this.#end(job, 'found'))
    else effects.push(...this.#withdraw(job))
    return effects
  }

  // The canaries each worker that no longer carries them (carriesCanaries) may drop.
  #withdraw (job: JobState): Effect[] {
    const effects: Effect[] = []
    for (const canary of job.canaries.values()) {
      for (const workerId of canary.sentTo) {
        const worker = this.workers.get(workerId)
        if (!worker || carriesCanaries(worker, job)) continue
        canary.sentTo.delete(workerId)
        effects.push({ type: 'retired', job, canary, workerIds: [workerId] })
      }
    }
    return effects
  }

  // Work verification (server/verification.ts plants, docs/verification.md says why): how many
  // canaries a live job wants now, and among which unassigned indices.
  canaryRoom (jobId: string): CanaryRoom | null {
    const job = this.jobs.get(jobId)
    // The server cannot make a target of a mode it has no kernel for.
    if (!job || !isLive(job) || isPassThrough(job.algorithm)) return null
    return canaryRoom(job, this.options.assumedSpeedPerThread * this.options.targetChunkSeconds)
  }

  // A canary at an index still unassigned, whose target is no target of the job nor another canary.
  plantCanary (jobId: string, index: bigint, target: Uint8Array, plaintext: Uint8Array): Canary | null {
    const job = this.jobs.get(jobId)
    const key = toHex(target)
    if (!job || !isLive(job) || unassignedRangeOf(job, index) < 0 || job.targets.indexOf(target) >= 0 || job.canaryKeys.has(key)) return null
    for (const other of job.canaries.values()) if (other.index === index) return null
    const canary: Canary = { index, target, key, plaintext, reportedBy: new Set(), sentTo: new Set() }
    job.canaries.set(key, canary)
    job.canaryKeys.add(key)
    return canary
  }

  // A worker reports a live canary (expects() said 'canary'): true when its plaintext is the canary's,
  // or another that hashes to the same target (`hashesTo`: NTLM widens invalid UTF-8, so two byte
  // strings can share a digest).
  canaryReported (jobId: string, workerId: string, target: Uint8Array, plaintext: Uint8Array, hashesTo: () => boolean): boolean {
    const canary = this.jobs.get(jobId)?.canaries.get(toHex(target))
    if (!canary) return true // retired meanwhile
    if (!Buffer.from(plaintext).equals(canary.plaintext) && !hashesTo()) return false
    canary.reportedBy.add(workerId)
    return true
  }

  // The canary a worker's next chunk of this job should hold: none while it is checked often enough.
  #dueCanary (worker: WorkerState, job: JobState): Canary | null {
    if (!carriesCanaries(worker, job) || (worker.verified > 0 && worker.sinceCheck < this.options.canaryCheckEvery)) return null
    let due: Canary | null = null
    for (const canary of job.canaries.values()) {
      if ((!due || canary.index < due.index) && unassignedRangeOf(job, canary.index) >= 0) due = canary
    }
    return due
  }

  // A chunk held a canary its worker had and did not report: the worker skips work, or its device
  // computes wrong. It gets no more work while connected, the chunks it holds go back, and every
  // range it completed this run, in any live job, is searched again (its DONEs count for nothing).
  #distrust (worker: WorkerState, job: JobState, canary: Canary, chunkId: string): Effect[] {
    worker.quarantined = true
    const effects: Effect[] = [{ type: 'caught', worker, job, canary, chunkId }]
    for (const chunk of [...worker.chunks.values()]) {
      this.#takeBack(worker, chunk)
      effects.push({ type: 'cancel', workerId: worker.id, jobId: chunk.job.id, chunkId: chunk.id })
    }
    for (const other of this.jobs.values()) {
      const ranges = other.doneBy.get(worker.id) ?? []
      other.doneBy.delete(worker.id)
      if (!isLive(other)) continue
      for (const range of ranges) {
        other.hashed -= range.end - range.offset
        insertRange(other.unassigned, range)
        effects.push({ type: 'reopened', job: other, offset: range.offset, length: range.end - range.offset })
      }
    }
    return effects
  }

  // A job that now outranks work queued at workers: each worker keeps the chunk it is most likely
  // running (its oldest), and gives back queued chunks of lower priority that report no progress,
  // so the new job starts within a chunk instead of after three. A chunk that had in fact finished
  // is searched again; it is still counted once (its late DONE is for a chunk no longer assigned).
  preemptFor (jobId: string): Effect[] {
    const job = this.jobs.get(jobId)
    if (!job || job.status !== 'running') return []
    return [...this.workers.values()].flatMap((worker) => this.#takeBackQueued(worker, (chunk) => chunk.job.priority < job.priority))
  }

  // The worker's chunks queued behind the one it runs, not begun, that `which` picks: taken back, and
  // the worker told to drop them.
  #takeBackQueued (worker: WorkerState, which: (chunk: Chunk) => boolean): Effect[] {
    const effects: Effect[] = []
    const [, ...queued] = worker.chunks.values()
    for (const chunk of queued) {
      if (!which(chunk) || chunk.hashed > 0) continue
      this.#takeBack(worker, chunk)
      effects.push({ type: 'cancel', workerId: worker.id, jobId: chunk.job.id, chunkId: chunk.id })
    }
    return effects
  }

  cancel (jobId: string): Effect[] {
    const job = this.jobs.get(jobId)
    if (!job || !isLive(job)) return []
    return this.#end(job, 'cancelled')
  }

  // Paused jobs keep their chunks in flight but get no new ones. Returns false for an ended job.
  setPaused (jobId: string, paused: boolean): boolean {
    const job = this.jobs.get(jobId)
    if (!job || !isLive(job)) return false
    job.status = paused ? 'paused' : 'running'
    this.#runnable = null
    return true
  }

  // Served in the new order from the next chunk on. Returns false for an ended job.
  setPriority (jobId: string, priority: number): boolean {
    const job = this.jobs.get(jobId)
    if (!job || !isLive(job)) return false
    job.priority = priority
    this.#runnable = null
    return true
  }

  #maybeExhausted (job: JobState): Effect[] {
    if (isLive(job) && job.unassigned.length === 0 && job.active.size === 0) return this.#end(job, 'exhausted')
    return []
  }

  // What the chunks still out reported searching counts too: a job found mid-chunk says how far it got.
  #end (job: JobState, status: EndStatus): Effect[] {
    job.hashed += BigInt(inFlight(job))
    const effects: Effect[] = []
    for (const chunk of job.active.values()) {
      if (chunk.workerId) {
        this.workers.get(chunk.workerId)?.chunks.delete(chunk.id)
        effects.push({ type: 'cancel', workerId: chunk.workerId, jobId: job.id, chunkId: chunk.id })
      }
    }
    job.active.clear()
    job.unassigned = []
    job.canaries.clear()
    job.doneBy.clear()
    job.status = status
    job.endedAt = this.#now()
    this.#runnable = null
    effects.push({ type: 'ended', job })
    return effects
  }
}

function mapGet<K, V> (map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key)
  if (!list) map.set(key, list = [])
  return list
}
