// The server: turns authenticated sessions into scheduler events, and carries out what each
// scheduler transition returns: persist first (potfile, journal), then announce (events, workers).
// Nothing polls: work is handed out when a worker joins, a chunk completes, a job arrives or a worker leaves.
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { EventEmitter } from 'node:events'
import { formatTarget, isTarget, parseTarget, type Algorithm } from '../shared/algorithms.ts'
import { FalseFoundError, InvalidInputError, MiscountError, ProtocolError, TimeoutError, coded, type StoreError, type TaskOrchError } from '../shared/errors.ts'
import { matches } from '../shared/kernels/modes.ts'
import { keyspaceFrom, wordsOf } from '../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES, type KeyspaceSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import type { LogLevel } from '../shared/log.ts'
import { plural } from '../shared/plural.ts'
import { MAX_OUTBOUND_BUFFER_BYTES, MAX_WASM_CHUNK_CANDIDATES, MAX_TARGETS_PER_MESSAGE, PROTOCOL_VERSION, SHUTDOWN_GRACE_MS, WORDLIST_CHUNK_BYTES } from '../shared/protocol/limits.ts'
import { isControlMessage, type ControlMessage, type WorkerMessage } from '../shared/protocol/messages.ts'
import { checkTokenStrength, generateStaticKey, serverKeyFingerprint, tokenBytes, type StaticKeyPair } from '../shared/protocol/noise.ts'
import { DEFAULT_TIMINGS, type PeerRole, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'
import { Control } from './control.ts'
import { readRuleFiles, rereadRuleFiles } from './inputs/rules.ts'
import { Wordlist } from './inputs/wordlist.ts'
import { Job, foundOf, type Found } from './job.ts'
import { checkRequest, type CheckedWordlist, type JobRequest, type WordlistInput } from './jobs.ts'
import { Listener } from './listener.ts'
import { spawnLocalWorker, type LocalWorkerOptions } from './local-worker.ts'
import type { SchedulerOptions } from './scheduler/options.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { describeBackend, isLive, workerSummary, type Chunk, type Effect, type EndStatus, type FoundResult, type JobSpec, type JobState, type WorkerState, type WorkerSummary } from './scheduler/state.ts'

export type { WorkerSummary }
import type { JournaledJob, Journal } from './store/journal.ts'
import { verifiedPlaintext, type Potfile } from './store/potfile.ts'
import { WriteQueue } from './store/write-queue.ts'

// What may be chosen of the local worker: its threads (default: all cores) and backend (default wasm).
type LocalWorkerChoice = Pick<LocalWorkerOptions, 'threads' | 'backend'>

export type OrchestratorOptions = {
  host?: string
  port?: number
  token: string
  // The server's long-term key, which workers pin (server/identity.ts keeps it in a file). Without
  // one, a key is made for this run only: fine for tests and throwaway servers, but workers that
  // pinned it will refuse the next run's.
  staticKey?: StaticKeyPair
  timings?: Partial<SessionTimings>
  scheduler?: Partial<SchedulerOptions>
  potfile?: Potfile // results are appended here before they are reported; targets in it are not searched
  journal?: { journal: Journal, lastJobId: number } // a session: everything is recorded; new job ids follow lastJobId
  storeRetryMs?: number // how often a failed potfile or journal write is tried again
  // Also run a worker on this machine (a child process on loopback, all cores unless `threads`),
  // started with the server and stopped with it; its log lines come out as this orchestrator's.
  localWorker?: boolean | LocalWorkerChoice
  // Accept controllers (npm run ctl) holding `adminToken`, which must differ from `token`; the
  // files they send are kept in `uploadDir` (server/control.ts).
  control?: { adminToken: string, uploadDir: string }
}

export interface OrchestratorEvents {
  log: [LogLevel, string]
  'worker-joined': [WorkerSummary]
  'worker-left': [WorkerSummary, string]
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

const SCHEDULER_TICK_MS = 1_000
// TARGETS batches made and sent before the event loop gets a turn (about 0.1 s of work).
const ANNOUNCE_BATCHES_PER_TURN = 32
// The reason 'worker-left' gives for a worker that said goodbye (anything else: it was lost).
export const LEFT_POLITELY = 'said goodbye'

// knownJobs: the jobs announced to this worker; a pending promise while a long target list is still
// going out, paced by the worker's reading.
type Peer = { session: ServerSession, worker: WorkerState | null, knownJobs: Map<string, Promise<void> | null> }

export class Orchestrator extends EventEmitter<OrchestratorEvents> {
  readonly #scheduler: Scheduler
  readonly #listener: Listener
  readonly #host: string
  readonly #timings: SessionTimings
  readonly #potfile: Potfile | null
  readonly #journal: Journal | null
  readonly #writes: WriteQueue
  readonly #peers = new Map<string, Peer>()
  readonly #handles = new Map<string, Job>()
  // A wordlist job's file, and its rule files' texts (sent with the job).
  readonly #wordlists = new Map<string, { list: Wordlist, rules: Uint8Array[] | undefined }>()
  readonly #pausedByStore = new Set<string>()
  #workerSeq = 0
  #ticker: NodeJS.Timeout | null = null
  #stopping = false
  #localWorker: ChildProcess | null = null
  readonly #localWorkerOptions: LocalWorkerChoice | null
  readonly #token: string
  readonly #staticKey: StaticKeyPair
  readonly #control: Control | null = null
  readonly #controllers = new Set<ServerSession>()

  constructor (options: OrchestratorOptions) {
    super()
    if (typeof options.token !== 'string' || options.token.length === 0) throw new InvalidInputError('a token is required')
    checkTokenStrength(options.token)
    this.#host = options.host ?? '0.0.0.0'
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings }
    this.#scheduler = new Scheduler(options.scheduler)
    this.#potfile = options.potfile ?? null
    this.#journal = options.journal?.journal ?? null
    this.#scheduler.reserveJobIds(options.journal?.lastJobId ?? 0)
    this.#writes = new WriteQueue(options.storeRetryMs)
    this.#writes.on('failed', (error) => this.#onStoreFailed(error))
    this.#writes.on('recovered', (written) => this.#onStoreRecovered(written))
    this.#staticKey = options.staticKey ?? generateStaticKey()
    const control = options.control
    if (control) {
      checkTokenStrength(control.adminToken)
      if (control.adminToken === options.token) throw new InvalidInputError('the admin token must differ from the workers\' token: a worker could otherwise control the server')
      this.#control = new Control(this, control.uploadDir, (level, message) => this.emit('log', level, message))
    }
    this.#listener = new Listener({
      host: this.#host, port: options.port ?? 8080, token: tokenBytes(options.token), adminToken: control && tokenBytes(control.adminToken), staticKey: this.#staticKey, timings: this.#timings
    })
    this.#listener.on('log', (level, message) => this.emit('log', level, message))
    this.#listener.on('session', (session, role) => this.#onSession(session, role))
    this.#listener.on('shed', () => this.emit('refused', 'limits'))
    this.#listener.on('handshake-failed', (error) => this.emit('handshake-failed', coded(error)))
    this.#token = options.token
    this.#localWorkerOptions = options.localWorker ? (options.localWorker === true ? {} : options.localWorker) : null
  }

  get port (): number { return this.#listener.port }
  // What workers pin: give it to them (--server-key) to skip trusting the first connection.
  get serverKeyFingerprint (): string { return serverKeyFingerprint(this.#staticKey.publicKey) }
  get host (): string { return this.#host }
  get jobs (): Job[] { return [...this.#handles.values()] }
  get workers (): WorkerSummary[] { return [...this.#scheduler.workers.values()].map(workerSummary) }

  // Connections that are not workers yet (handshake or HELLO pending), by remote address.
  get connecting (): string[] {
    return this.#listener.pending
  }

  async start (): Promise<void> {
    // Once a second, after the event loop has read what is waiting (setImmediate): stalled workers
    // give their chunks back, and whoever is idle picks them up.
    this.#ticker ??= setInterval(() => setImmediate(() => {
      const effects = this.#scheduler.tick()
      for (const e of effects) if (e.type === 'cancel') this.#chunkEvent('requeued', this.#scheduler.jobs.get(e.jobId)?.algorithm)
      this.#carryOut(effects)
    }), SCHEDULER_TICK_MS)
    this.#ticker.unref()
    await this.#listener.start()
    if (this.#localWorkerOptions && !this.#localWorker) {
      this.#localWorker = spawnLocalWorker({ port: this.port, token: this.#token, serverKey: this.serverKeyFingerprint, ...this.#localWorkerOptions },
        (level, message) => this.emit('log', level, `[local worker] ${message}`))
    }
  }

  // Cancels running jobs, tells workers goodbye, stops listening, and tries once more to write
  // anything a failing disk held back. A peer that has not closed its end within SHUTDOWN_GRACE_MS
  // (a paused machine, say) is cut off, so stopping never waits on a worker.
  // Jobs still running end 'cancelled' for the library, but the journal does not record that end: a
  // stopped server's session goes on with --restore, as a crashed one's does.
  async stop (): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker)
    this.#stopping = true
    for (const job of this.#handles.values()) job.cancel()
    const sessions = [...[...this.#peers.values()].map((peer) => peer.session), ...this.#controllers]
    for (const session of sessions) session.close('server shutting down')
    const stopped = this.#listener.stop()
    let grace: NodeJS.Timeout | undefined
    await Promise.race([stopped, new Promise<void>((resolve) => { grace = setTimeout(resolve, SHUTDOWN_GRACE_MS) })])
    clearTimeout(grace)
    for (const session of sessions) session.socket.destroy()
    await stopped
    this.#localWorker?.kill()
    if (!this.#writes.flush()) this.emit('log', 'error', `${this.#writes.pending} result(s) or record(s) could not be written to the potfile or session journal; the results were printed as they were found`)
    this.#writes.close()
  }

  // Wordlist jobs resolve once the file has been read through and indexed; the rest at once.
  addTasks (request: JobRequest & { keyspace: WordlistInput }): Promise<Job>
  addTasks (request: JobRequest & { keyspace: Exclude<JobRequest['keyspace'], WordlistInput> }): Job
  addTasks (request: JobRequest): Job | Promise<Job>
  addTasks (request: JobRequest): Job | Promise<Job> {
    const { targets, keyspace } = checkRequest(request)
    const create = (spec: KeyspaceSpec, wordlist: WordlistFiles | null) => {
      const known = this.#knownInPotfile(request.algorithm, targets)
      const { job, effects } = this.#scheduler.addJob({ algorithm: request.algorithm, targets, keyspace: spec, priority: request.priority, known, capLength: wordlist ? capWords(wordlist.list, spec) : undefined })
      if (known.length > 0) this.emit('log', 'info', `job ${job.id}: ${known.length} of ${job.targets.size} target(s) already in the potfile ${this.#potfile!.path}`)
      return this.#register(job, wordlist, effects, request.users)
    }
    if (keyspace.type === 'wordlist' && 'path' in keyspace) return this.#openWordlistJob(keyspace).then(({ spec, files }) => create(spec, files))
    return create(keyspace as KeyspaceSpec, null)
  }

  async #openWordlistJob (input: CheckedWordlist): Promise<{ spec: WordlistSpec, files: WordlistFiles }> {
    const rules = input.rules.length > 0 ? await readRuleFiles(input.rules) : null
    const list = await this.#openWordlist(input.path)
    const spec: WordlistSpec = list.spec
    if (rules) spec.rules = rules.specs
    if (input.hybrid) spec.hybrid = input.hybrid
    return { spec, files: { list, rules: rules?.texts } }
  }

  // An unfinished job from a session journal, under its old id, with what it had searched and found.
  async restoreTasks (journaled: JournaledJob): Promise<Job> {
    const { id, algorithm, targets, keyspace, priority } = journaled
    let wordlist: WordlistFiles | null = null
    if (keyspace.type === 'wordlist') {
      const rules = keyspace.rules ? await rereadRuleFiles(id, keyspace.rules) : null
      const list = await this.#openWordlist(keyspace.name)
      const was = journaled.source!
      if (list.source.bytes !== was.bytes || list.source.sha256 !== was.sha256) {
        throw new InvalidInputError(`cannot restore job ${id}: wordlist ${keyspace.name} has changed since the session began (${was.bytes} bytes, SHA-256 ${was.sha256.slice(0, 16)}…; now ${list.source.bytes} bytes, ${list.source.sha256.slice(0, 16)}…)`)
      }
      wordlist = { list, rules: rules?.texts }
    }
    const known = new Map([...journaled.known, ...this.#knownInPotfile(algorithm, targets)].map((k) => [k.hash, k]))
    const spec: JobSpec = { algorithm, targets, keyspace, priority, known: [...known.values()], capLength: wordlist ? capWords(wordlist.list, keyspace) : undefined }
    const { job, effects } = this.#scheduler.restoreJob(spec, id, journaled.completed)
    return this.#register(job, wordlist, effects, journaled.users)
  }

  async #openWordlist (path: string): Promise<Wordlist> {
    const list = await Wordlist.open(path)
    if (list.tooLong > 0) this.emit('log', 'warn', `wordlist ${list.path}: skipped ${list.tooLong} line(s) longer than ${MAX_CANDIDATE_BYTES} bytes`)
    if (list.bom) this.emit('log', 'info', `wordlist ${list.path}: skipped the UTF-8 byte order mark at its start`)
    return list
  }

  // Targets as bytes or their text (formatTarget) whose plaintext the potfile holds, verified.
  #knownInPotfile (algorithm: Algorithm, targets: readonly (string | Uint8Array)[]): FoundResult[] {
    const potfile = this.#potfile
    if (!potfile) return []
    return targets.flatMap((t) => {
      const hash = typeof t === 'string' ? t : formatTarget(algorithm, t)
      const plaintext = verifiedPlaintext(potfile, algorithm, hash, typeof t === 'string' ? undefined : t)
      return plaintext ? [{ hash, plaintext }] : []
    })
  }

  // The job's record is written before anything about it. Results known from the start, and a job
  // that ended before it began, are announced next tick, so the caller can listen to the job it gets back.
  #register (state: JobState, wordlist: WordlistFiles | null, effects: Effect[], users?: Record<string, string[]>): Job {
    const job = new Job(state, { cancel: (id) => this.#cancel(id), setPaused: (id, paused) => this.#setPaused(id, paused) }, users)
    this.#handles.set(state.id, job)
    if (wordlist) this.#wordlists.set(state.id, wordlist)
    const journal = this.#journal
    if (journal) this.#writes.write(() => journal.recordJob(state, wordlist?.list.source ?? null, users))
    this.#persist(effects)
    this.emit('job-added', job)
    if (this.#writes.failing && this.#scheduler.setPaused(state.id, true)) this.#pausedByStore.add(state.id)
    process.nextTick(() => this.#announce(effects))
    this.#carryOut(this.#scheduler.preemptFor(state.id))
    return job
  }

  // Persist first, then announce, then hand out whatever work there is.
  #carryOut (effects: Effect[]): void {
    this.#persist(effects)
    this.#announce(effects)
    this.#dispatch()
  }

  // Queued in order; a failing disk holds them (and pauses the jobs) until it works again.
  #persist (effects: Effect[]): void {
    const potfile = this.#potfile
    const journal = this.#journal
    for (const effect of effects) {
      if (effect.type === 'found') {
        const { job, result } = effect
        if (potfile) this.#writes.write(() => potfile.append(result.hash, result.plaintext))
        if (journal) this.#writes.write(() => journal.recordFound(job.id, result))
      } else if (journal && effect.type === 'completed') {
        const { job, offset, length } = effect
        this.#writes.write(() => journal.recordCompleted(job.id, offset, length))
      } else if (journal && effect.type === 'ended' && !this.#stopping) {
        const { job } = effect
        this.#writes.write(() => journal.recordEnd(job.id, job.status as EndStatus))
      }
    }
  }

  #announce (effects: Effect[]): void {
    for (const effect of effects) {
      const job = effect.type === 'cancel' ? undefined : this.#handles.get(effect.job.id)
      switch (effect.type) {
        case 'found':
          job?.reportFound(effect.result)
          if (job) this.emit('found', job, foundOf(effect.result, job.users))
          break
        case 'completed':
          if (job) this.emit('job-progress', job)
          break
        case 'ended':
          this.#wordlists.delete(effect.job.id)
          job?.reportEnd()
          if (job) this.emit('job-ended', job)
          break
        case 'cancel':
          this.#peers.get(effect.workerId)?.session.send({ type: 'cancel', jobId: effect.jobId, chunkId: effect.chunkId })
      }
    }
  }

  #onStoreFailed (error: StoreError): void {
    for (const job of this.#scheduler.jobs.values()) {
      if (job.status === 'running' && this.#scheduler.setPaused(job.id, true)) this.#pausedByStore.add(job.id)
    }
    this.emit('log', 'error', `${error.message}: jobs paused; what was found is kept in memory and written when the disk accepts it again (retried every few seconds)`)
    this.emit('store-failed', error)
  }

  #onStoreRecovered (written: number): void {
    this.emit('log', 'info', `the potfile and journal are writable again: ${written} held-back write(s) done; resuming jobs`)
    for (const id of this.#pausedByStore) {
      if (this.#scheduler.setPaused(id, false)) this.#carryOut(this.#scheduler.preemptFor(id))
    }
    this.#pausedByStore.clear()
    this.emit('store-recovered')
    this.#dispatch()
  }

  #cancel (jobId: string): void {
    this.#carryOut(this.#scheduler.cancel(jobId))
  }

  #setPaused (jobId: string, paused: boolean): void {
    if (!this.#scheduler.setPaused(jobId, paused)) return
    this.#pausedByStore.delete(jobId)
    this.emit('log', 'info', `job ${jobId} ${paused ? 'paused: chunks in flight finish, no new ones go out' : 'resumed'}`)
    if (!paused) this.#carryOut(this.#scheduler.preemptFor(jobId))
  }

  #onSession (session: ServerSession, role: PeerRole): void {
    // A session that authenticates but never says HELLO (or CONTROL) is dropped after the handshake deadline.
    const helloTimer = setTimeout(() => session.destroy(new TimeoutError('HELLO after the handshake', this.#timings.handshakeTimeoutMs)), this.#timings.handshakeTimeoutMs)
    session.once('message', () => clearTimeout(helloTimer))
    session.once('close', () => clearTimeout(helloTimer))
    if (role === 'controller') {
      this.#controllers.add(session)
      session.once('close', () => this.#controllers.delete(session))
      return this.#control!.attach(session, (why, reason) => this.#refuse(session, why, reason))
    }
    const peer: Peer = { session, worker: null, knownJobs: new Map() }
    const key = `p${++this.#workerSeq}`
    this.#peers.set(key, peer)
    session.on('message', (message) => {
      try {
        this.#onMessage(key, peer, message)
      } catch (error) {
        const why = coded(error)
        this.emit('log', 'error', `worker ${peer.worker?.name ?? session.remoteAddress}: ${why.message}`)
        session.destroy(why)
      }
    })
    session.on('close', (error) => {
      this.#peers.delete(key)
      if (!peer.worker) {
        if (error) this.emit('log', 'warn', `connection from ${session.remoteAddress} dropped before HELLO: ${error.message}`)
        return
      }
      const left = workerSummary(peer.worker)
      for (const chunk of peer.worker.chunks.values()) this.#chunkEvent('requeued', chunk.job.algorithm)
      const requeued = this.#scheduler.removeWorker(peer.worker.id)
      const why = error ? `${error.code}: ${error.message}` : LEFT_POLITELY
      this.emit('log', error ? 'warn' : 'info', `worker ${left.name} left (${why}); ${requeued} chunk(s) requeued`)
      this.emit('worker-left', left, why)
      this.#dispatch()
    })
  }

  #onMessage (key: string, peer: Peer, message: WorkerMessage | ControlMessage): void {
    if (isControlMessage(message)) { // a controller's message, on a session that holds the workers' token
      if (peer.worker || message.type !== 'control') throw new ProtocolError(`a worker sent ${message.type}`)
      return this.#refuse(peer.session, 'role', 'this is the workers\' token, which cannot control the server: npm run ctl needs the admin token (setting adminToken, TASKORCH_ADMIN_TOKEN), which the server saved in its config file',
        `refused a controller at ${peer.session.remoteAddress}: it holds the workers' token, not the admin token`)
    }
    if (!peer.worker) {
      if (message.type !== 'hello') throw new ProtocolError(`expected HELLO, got ${message.type}`)
      if (message.version !== PROTOCOL_VERSION) {
        return this.#refuse(peer.session, 'version', `this server speaks protocol ${PROTOCOL_VERSION}, the worker ${message.version}: run the same version on both`,
          `refused worker ${message.name} at ${peer.session.remoteAddress}: it speaks protocol ${message.version}, this server ${PROTOCOL_VERSION}`)
      }
      const { name, cores, threads, software, backend } = message
      peer.worker = this.#scheduler.addWorker({ id: key, name, address: peer.session.remoteAddress, cores, threads, software, backend })
      peer.session.send({ type: 'welcome', workerId: key })
      this.emit('log', 'info', `worker ${name} joined from ${peer.session.remoteAddress} (${plural(cores, 'core')}, ${plural(threads, 'thread')}, version ${software}, ${describeBackend(backend)})`)
      this.emit('worker-joined', workerSummary(peer.worker))
      this.#dispatch()
      return
    }
    const worker = peer.worker
    switch (message.type) {
      case 'hello':
        throw new ProtocolError('second HELLO')
      case 'progress': {
        const chunk = worker.chunks.get(message.chunkId)
        if (chunk && this.#scheduler.progress(worker.id, message.chunkId, message.hashed)) this.#progressOf(chunk.job.id)
        return
      }
      case 'done': {
        const chunk = worker.chunks.get(message.chunkId)
        const outcome = this.#scheduler.done(worker.id, message.chunkId, message.hashed)
        if (outcome === 'miscounted') {
          this.#chunkEvent('failed', chunk?.job.algorithm)
          throw new MiscountError(message.chunkId, message.hashed, chunk?.length ?? 0)
        }
        if (chunk && outcome !== 'unknown') this.#chunkEvent('completed', chunk.job.algorithm, chunk.length, (Date.now() - chunk.assignedAt) / 1000)
        if (outcome !== 'unknown') this.#carryOut(outcome)
        else this.#dispatch()
        return
      }
      case 'failed': {
        const chunk = worker.chunks.get(message.chunkId)
        const requeued = this.#scheduler.failed(worker.id, message.chunkId)
        if (requeued === 'unknown') return // cancelled meanwhile
        this.#chunkEvent('failed', chunk?.job.algorithm)
        if (requeued) this.#chunkEvent('requeued', chunk?.job.algorithm)
        this.emit('log', 'warn', `worker ${worker.name} could not finish chunk ${message.chunkId}${requeued ? ', handed out again' : ''}: ${message.reason}`)
        this.#dispatch()
        return
      }
      case 'found':
        return this.#onFound(worker, message.jobId, message.hash, message.plaintext)
      case 'bye':
        this.emit('log', 'info', `worker ${worker.name} is leaving: ${message.reason}`)
    }
  }

  // The server re-hashes every claimed plaintext: a worker cannot make us report a false preimage.
  #onFound (worker: WorkerState, jobId: string, hash: Uint8Array, plaintext: Uint8Array): void {
    const job = this.#scheduler.jobs.get(jobId)
    if (!job) throw new ProtocolError(`FOUND for job ${jobId}, which was never announced`)
    if (!isTarget(job.algorithm, hash) || !matches(job.algorithm, hash, plaintext)) throw new FalseFoundError(jobId)
    const key = formatTarget(job.algorithm, hash)
    const outcome = this.#scheduler.found(jobId, key, plaintext)
    if (outcome === 'not-a-target') throw new FalseFoundError(jobId)
    if (typeof outcome === 'string') {
      this.emit('log', 'debug', `worker ${worker.name}: FOUND for job ${jobId} ignored (${outcome})`)
      return
    }
    this.emit('log', 'info', `worker ${worker.name} found ${key}`)
    // The finder has dropped the target itself; the others are told.
    for (const other of this.#peers.values()) {
      if (other.worker !== worker && other.knownJobs.has(jobId)) other.session.send({ type: 'solved', jobId, hash })
    }
    this.#carryOut(outcome)
  }

  #progressOf (jobId: string): void {
    const job = this.#handles.get(jobId)
    if (job) this.emit('job-progress', job)
  }

  #dispatch (): void {
    for (const peer of this.#peers.values()) {
      if (!peer.worker || peer.session.closed) continue
      for (const chunk of this.#scheduler.assign(peer.worker.id)) this.#sendChunk(peer, chunk)
    }
  }

  // After authenticating: the peer hears why (REFUSED), and the session closes. `logged`: the log's words.
  #refuse (session: ServerSession, why: RefusalReason, reason: string, logged = `refused ${session.remoteAddress}: ${reason}`): void {
    this.emit('log', 'warn', logged)
    this.emit('refused', why)
    session.send({ type: 'refused', reason })
    session.close('refused')
  }

  #chunkEvent (outcome: ChunkEvent['outcome'], algorithm: Algorithm | undefined, candidates = 0, seconds?: number): void {
    if (algorithm) this.emit('chunk', { outcome, algorithm, candidates, seconds })
  }

  #sendChunk (peer: Peer, chunk: Chunk): void {
    const job: JobState = chunk.job
    this.#chunkEvent('issued', job.algorithm, chunk.length)
    const announced = this.#announceJob(peer, job)
    const task = { type: 'task', jobId: job.id, chunkId: chunk.id, offset: chunk.offset.toString(), length: chunk.length } as const
    const wordlist = this.#wordlists.get(job.id)?.list
    if (!wordlist && !announced) return peer.session.send(task)
    const needed = wordlist && wordsOf(job.keyspace, chunk.offset, chunk.length)
    const words = needed && wordlist.read(needed.first, Number(needed.end - needed.first)).catch((error: Error) => {
      this.#chunkEvent('failed', job.algorithm)
      this.emit('log', 'error', `job ${job.id}: ${error.message}; cancelling it`)
      this.#cancel(job.id)
      return null
    })
    void Promise.all([announced, words]).then(([, read]) => {
      // The chunk may have been cancelled or taken back meanwhile.
      if (read === null || peer.session.closed || chunk.workerId !== peer.worker?.id || !isLive(job)) return
      peer.session.send(read ? { ...task, words: read } : task)
    })
  }

  // JOB, then its targets in TARGETS messages. Up to a few MB go at once; beyond that each batch waits
  // for the worker to read what is queued, so a list of millions never trips MAX_OUTBOUND_BUFFER_BYTES.
  // Returns null when the worker knows the job already, else a promise of the last batch sent.
  #announceJob (peer: Peer, job: JobState): Promise<void> | null {
    const known = peer.knownJobs.get(job.id)
    if (known !== undefined) return known
    const remaining = [...job.remaining]
    const batch = (from: number) => remaining.slice(from, from + MAX_TARGETS_PER_MESSAGE).map((text) => parseTarget(job.algorithm, text))
    const rules = this.#wordlists.get(job.id)?.rules
    peer.session.send({ type: 'job', jobId: job.id, algorithm: job.algorithm, targets: batch(0), keyspace: job.keyspace.spec, ...(rules ? { rules } : {}) })
    if (remaining.length <= MAX_TARGETS_PER_MESSAGE) {
      peer.knownJobs.set(job.id, null)
      return null
    }
    const socket = peer.session.socket
    const pending = (async () => {
      for (let i = MAX_TARGETS_PER_MESSAGE; i < remaining.length && !peer.session.closed; i += MAX_TARGETS_PER_MESSAGE) {
        if (socket.writableLength > MAX_OUTBOUND_BUFFER_BYTES / 4) await drained(socket)
        // Making a million targets' bytes takes a while: other sessions are served in between.
        else if ((i / MAX_TARGETS_PER_MESSAGE) % ANNOUNCE_BATCHES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
        peer.session.send({ type: 'targets', jobId: job.id, targets: batch(i) })
      }
      peer.knownJobs.set(job.id, null)
    })()
    peer.knownJobs.set(job.id, pending)
    return pending
  }
}

// Resolves once the socket's queue has gone out, or the socket is gone.
function drained (socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

type WordlistFiles = { list: Wordlist, rules: Uint8Array[] | undefined }

// Wordlist chunks are bounded in bytes, not only in candidates: as many candidates as the words that
// fit in WORDLIST_CHUNK_BYTES make, from the chunk's first (which may be a word's middle variant).
function capWords (wordlist: Wordlist, spec: KeyspaceSpec): (offset: bigint) => number {
  const keyspace = keyspaceFrom(spec)
  return (offset) => {
    const first = offset / keyspace.perWord
    const candidates = BigInt(wordlist.wordsWithin(first, WORDLIST_CHUNK_BYTES)) * keyspace.perWord - offset % keyspace.perWord
    return candidates < BigInt(MAX_WASM_CHUNK_CANDIDATES) ? Number(candidates) : MAX_WASM_CHUNK_CANDIDATES
  }
}
