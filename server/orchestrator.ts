// The server: accepts workers over authenticated sessions, feeds the scheduler, sends it work.
// Nothing polls: work is handed out when a worker joins, a chunk completes, a job arrives or a worker leaves.
import { EventEmitter } from 'node:events'
import net, { type Socket } from 'node:net'
import { equalBytes } from '@noble/ciphers/utils.js'
import { parseDigest, toHex, type Algorithm } from '../shared/algorithms.ts'
import { hashBytes } from '../shared/kernels/scalar.ts'
import { InvalidInputError, TaskOrchError } from '../shared/errors.ts'
import { keyspaceSpec, type KeyspaceInput } from '../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES, MAX_CONNECTIONS, MAX_PENDING_HANDSHAKES, MAX_PENDING_HANDSHAKES_PER_ADDRESS, MAX_TARGETS_PER_MESSAGE, WORDLIST_CHUNK_BYTES } from '../shared/protocol/limits.ts'
import type { KeyspaceSpec, WorkerMessage } from '../shared/protocol/messages.ts'
import { tokenBytes } from '../shared/protocol/noise.ts'
import { acceptSession, DEFAULT_TIMINGS, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'
import { Job } from './job.ts'
import type { Potfile } from './store/potfile.ts'
import { Wordlist } from './inputs/wordlist.ts'
import { isLive, Scheduler, type Cancellation, type Chunk, type Completed, type FoundResult, type JobSpec, type JobState, type WorkerState } from './scheduler/scheduler.ts'

export type OrchestratorOptions = {
  host?: string
  port?: number
  token: string
  timings?: Partial<SessionTimings>
  potfile?: Potfile // results are appended here before they are reported; targets in it are not searched
}

// A wordlist is a file on the server's disk; its words travel with each task.
export type WordlistInput = { type: 'wordlist', path: string }

export type TaskSpec = {
  algorithm: Algorithm
  targets: (string | Uint8Array)[]
  keyspace: KeyspaceInput | WordlistInput
  priority?: number
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface OrchestratorEvents {
  log: [LogLevel, string]
  'worker-joined': [WorkerState]
  'worker-left': [WorkerState, string]
  'job-added': [Job]
  'job-progress': [Job]
  found: [Job, { hash: string, plaintext: string, bytes: Uint8Array }]
  'job-ended': [Job]
}

type Peer = { session: ServerSession, worker: WorkerState | null, knownJobs: Set<string> }

export class Orchestrator extends EventEmitter<OrchestratorEvents> {
  readonly scheduler = new Scheduler()
  readonly #options: Required<Omit<OrchestratorOptions, 'timings' | 'potfile'>> & { timings: SessionTimings }
  readonly #potfile: Potfile | null
  readonly #token: Uint8Array
  readonly #peers = new Map<string, Peer>()
  readonly #handles = new Map<string, Job>()
  readonly #pendingByAddress = new Map<string, number>()
  readonly #wordlists = new Map<string, Wordlist>()
  #pending = 0
  #server: net.Server | null = null
  #workerSeq = 0
  refusedHandshakes = 0

  constructor (options: OrchestratorOptions) {
    super()
    if (typeof options.token !== 'string' || options.token.length === 0) throw new InvalidInputError('a token is required')
    this.#options = { host: options.host ?? '0.0.0.0', port: options.port ?? 8080, token: options.token, timings: { ...DEFAULT_TIMINGS, ...options.timings } }
    this.#token = tokenBytes(options.token)
    this.#potfile = options.potfile ?? null
    this.scheduler.on('found', (state, result) => {
      this.#potfile?.append(result.hash, result.plaintext)
      const job = this.#handles.get(state.id)
      if (job) this.#reportFound(job, result)
    })
    this.scheduler.on('end', (state) => {
      const job = this.#handles.get(state.id)
      if (!job) return
      job.reportEnd()
      this.emit('job-ended', job)
    })
  }

  get port (): number {
    const address = this.#server?.address()
    return typeof address === 'object' && address ? address.port : this.#options.port
  }

  get host (): string { return this.#options.host }
  get jobs (): Job[] { return [...this.#handles.values()] }
  get workers (): WorkerState[] { return [...this.scheduler.workers.values()] }

  // Connections that are not workers yet (handshake or HELLO pending), by remote address.
  get connecting (): string[] {
    const addresses: string[] = []
    for (const [address, count] of this.#pendingByAddress) for (let i = 0; i < count; i++) addresses.push(address)
    for (const peer of this.#peers.values()) if (!peer.worker) addresses.push(peer.session.remoteAddress)
    return addresses
  }

  start (): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket))
    server.maxConnections = MAX_CONNECTIONS
    this.#server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#options.port, this.#options.host, () => {
        server.off('error', reject)
        server.on('error', (error) => this.emit('log', 'error', `listener: ${error.message}`))
        this.emit('log', 'info', `listening on ${this.#options.host}:${this.port}`)
        resolve()
      })
    })
  }

  // Cancels running jobs, tells workers goodbye and stops listening.
  async stop (): Promise<void> {
    for (const job of this.#handles.values()) job.cancel()
    for (const peer of this.#peers.values()) peer.session.close('server shutting down')
    await new Promise<void>((resolve) => this.#server ? this.#server.close(() => resolve()) : resolve())
  }

  // Wordlist jobs resolve once the file has been read through and indexed; the rest at once.
  addTasks (spec: TaskSpec & { keyspace: WordlistInput }): Promise<Job>
  addTasks (spec: TaskSpec & { keyspace: KeyspaceInput }): Job
  addTasks (spec: TaskSpec): Job | Promise<Job> {
    const targets = spec.targets.map((t) => (typeof t === 'string' ? parseDigest(spec.algorithm, t) : t))
    const create = (keyspace: KeyspaceSpec, wordlist: Wordlist | null) => {
      const known = this.#knownInPotfile(spec.algorithm, targets)
      const state = this.scheduler.addJob({ algorithm: spec.algorithm, targets, keyspace, priority: spec.priority, known, capLength: wordlist ? capWords(wordlist) : undefined })
      if (known.length > 0) this.emit('log', 'info', `job ${state.id}: ${known.length} of ${state.targets.length} target(s) already in the potfile ${this.#potfile!.path}`)
      return this.#register(state, wordlist)
    }
    if (spec.keyspace?.type === 'wordlist') return this.#openWordlist(spec.keyspace.path).then((list) => create(list.spec, list))
    return create(keyspaceSpec(spec.keyspace), null)
  }

  // A job from a session journal, under its old id; `spec.known` holds what it had found.
  async restoreTasks (id: string, spec: JobSpec, completed: Completed[]): Promise<Job> {
    let wordlist: Wordlist | null = null
    if (spec.keyspace.type === 'wordlist') {
      wordlist = await this.#openWordlist(spec.keyspace.name)
      if (wordlist.spec.size !== spec.keyspace.size) {
        throw new InvalidInputError(`cannot restore job ${id}: wordlist ${spec.keyspace.name} now has ${wordlist.words} words, the session has ${spec.keyspace.size}`)
      }
    }
    const known = new Map([...(spec.known ?? []), ...this.#knownInPotfile(spec.algorithm, spec.targets)].map((k) => [k.hash, k]))
    const capLength = wordlist ? capWords(wordlist) : undefined
    return this.#register(this.scheduler.restoreJob({ ...spec, known: [...known.values()], capLength }, id, completed), wordlist)
  }

  async #openWordlist (path: string): Promise<Wordlist> {
    const list = await Wordlist.open(path)
    if (list.tooLong > 0) this.emit('log', 'warn', `wordlist ${list.path}: skipped ${list.tooLong} line(s) longer than ${MAX_CANDIDATE_BYTES} bytes`)
    return list
  }

  // A potfile line is trusted only if it hashes to the target: other tools' salted lines or a
  // damaged file cannot make us report a wrong plaintext.
  #knownInPotfile (algorithm: Algorithm, targets: Uint8Array[]): FoundResult[] {
    if (!this.#potfile) return []
    return targets.flatMap((t) => {
      const plaintext = this.#potfile!.get(toHex(t))
      return plaintext && equalBytes(hashBytes(algorithm, plaintext), t) ? [{ hash: toHex(t), plaintext }] : []
    })
  }

  #register (state: JobState, wordlist: Wordlist | null): Job {
    const job = new Job(state, { cancel: (id) => this.#cancel(id), setPaused: (id, paused) => this.#setPaused(id, paused) })
    this.#handles.set(state.id, job)
    if (wordlist) this.#wordlists.set(state.id, wordlist)
    this.emit('job-added', job)
    // Results known from the start, and a job that ended before it began, are reported next tick,
    // so the caller can listen to the job it gets back.
    if (state.found.length > 0 || !isLive(state)) {
      const initial = [...state.found] // later finds are reported as they happen, not here again
      process.nextTick(() => {
        for (const result of initial) this.#reportFound(job, result)
        if (!isLive(state)) {
          job.reportEnd()
          this.emit('job-ended', job)
        }
      })
    }
    this.#sendCancellations(this.scheduler.preemptFor(state.id)) // and dispatches
    return job
  }

  #reportFound (job: Job, result: FoundResult): void {
    job.reportFound(result)
    this.emit('found', job, { hash: result.hash, plaintext: Buffer.from(result.plaintext).toString('latin1'), bytes: result.plaintext })
  }

  #cancel (jobId: string): void {
    this.#sendCancellations(this.scheduler.cancel(jobId))
  }

  #setPaused (jobId: string, paused: boolean): void {
    this.scheduler.setPaused(jobId, paused)
    if (!paused) this.#sendCancellations(this.scheduler.preemptFor(jobId))
  }

  #onConnection (socket: Socket): void {
    const address = socket.remoteAddress ?? '?'
    const fromAddress = this.#pendingByAddress.get(address) ?? 0
    if (this.#pending >= MAX_PENDING_HANDSHAKES || fromAddress >= MAX_PENDING_HANDSHAKES_PER_ADDRESS) {
      this.emit('log', 'debug', `refused ${address}: too many handshakes in progress`)
      socket.destroy()
      return
    }
    this.#pending++
    this.#pendingByAddress.set(address, fromAddress + 1)
    const settle = () => {
      this.#pending--
      const left = (this.#pendingByAddress.get(address) ?? 1) - 1
      if (left === 0) this.#pendingByAddress.delete(address)
      else this.#pendingByAddress.set(address, left)
    }
    acceptSession(socket, this.#token, this.#options.timings).then((session) => {
      settle()
      this.#onSession(session)
    }, (error: TaskOrchError) => {
      settle()
      // Pre-auth failures get no detail on the wire; count them and log at debug.
      this.refusedHandshakes++
      this.emit('log', 'debug', `handshake from ${address} failed: ${error.code ?? ''} ${error.message}`)
    })
  }

  #onSession (session: ServerSession): void {
    const peer: Peer = { session, worker: null, knownJobs: new Set() }
    const key = `p${++this.#workerSeq}`
    this.#peers.set(key, peer)
    // A session that authenticates but never says HELLO is dropped after the handshake deadline.
    const helloTimer = setTimeout(() => session.destroy(new TaskOrchError('TASKORCH_ERR_NO_HELLO', 'no HELLO after the handshake')), this.#options.timings.handshakeTimeoutMs)
    session.on('message', (message) => {
      try {
        this.#onMessage(key, peer, message)
      } catch (error) {
        this.emit('log', 'error', `worker ${peer.worker?.name ?? session.remoteAddress}: ${(error as Error).message}`)
        session.destroy(error instanceof TaskOrchError ? error : new TaskOrchError('TASKORCH_ERR_INTERNAL', String(error)))
      }
    })
    session.on('close', (error) => {
      clearTimeout(helloTimer)
      this.#peers.delete(key)
      if (!peer.worker) {
        if (error) this.emit('log', 'warn', `connection from ${session.remoteAddress} dropped before HELLO: ${error.message}`)
        return
      }
      const requeued = this.scheduler.removeWorker(peer.worker.id)
      const why = error ? `${error.code}: ${error.message}` : 'said goodbye'
      this.emit('log', error ? 'warn' : 'info', `worker ${peer.worker.name} left (${why}); ${requeued.length} chunk(s) requeued`)
      this.emit('worker-left', peer.worker, why)
      this.#dispatch()
    })
    session.once('message', () => clearTimeout(helloTimer))
  }

  #onMessage (key: string, peer: Peer, message: WorkerMessage): void {
    if (!peer.worker) {
      if (message.type !== 'hello') throw new TaskOrchError('TASKORCH_ERR_PROTOCOL', `expected HELLO, got ${message.type}`)
      peer.worker = this.scheduler.addWorker({ id: key, name: message.name, address: peer.session.remoteAddress, cores: message.cores, threads: message.threads })
      peer.session.send({ type: 'welcome', workerId: key })
      this.emit('log', 'info', `worker ${message.name} joined from ${peer.session.remoteAddress} (${message.cores} cores, ${message.threads} threads)`)
      this.emit('worker-joined', peer.worker)
      this.#dispatch()
      return
    }
    const worker = peer.worker
    switch (message.type) {
      case 'hello':
        throw new TaskOrchError('TASKORCH_ERR_PROTOCOL', 'second HELLO')
      case 'progress': {
        const chunk = worker.chunks.get(message.chunkId)
        if (this.scheduler.progress(worker.id, message.chunkId, message.hashed) && chunk) this.#progress(chunk.job.id)
        return
      }
      case 'done': {
        const chunk = worker.chunks.get(message.chunkId)
        const verdict = this.scheduler.done(worker.id, message.chunkId, message.hashed)
        if (verdict === 'miscounted') {
          throw new TaskOrchError('TASKORCH_ERR_MISCOUNT', `DONE for ${message.chunkId} counts ${message.hashed}, chunk has ${chunk?.length}`)
        }
        if (verdict === 'accepted' && chunk) this.#progress(chunk.job.id)
        this.#dispatch()
        return
      }
      case 'found': {
        const verdict = this.scheduler.found(worker.id, message.jobId, message.hash, message.plaintext)
        if (verdict === 'false') throw new TaskOrchError('TASKORCH_ERR_FALSE_FOUND', `FOUND for job ${message.jobId} does not hash to a target`)
        if (typeof verdict === 'object') {
          this.emit('log', 'info', `worker ${worker.name} found ${verdict.result.hash}`)
          for (const other of this.#peers.values()) {
            if (other.knownJobs.has(message.jobId)) other.session.send({ type: 'solved', jobId: message.jobId, hash: message.hash })
          }
          this.#sendCancellations(verdict.cancellations)
          this.#dispatch()
        }
        return
      }
      case 'bye':
        this.emit('log', 'info', `worker ${worker.name} is leaving: ${message.reason}`)
    }
  }

  #progress (jobId: string): void {
    const job = this.#handles.get(jobId)
    if (job) this.emit('job-progress', job)
  }

  #sendCancellations (cancellations: Cancellation[]): void {
    for (const c of cancellations) this.#peers.get(c.workerId)?.session.send({ type: 'cancel', jobId: c.jobId, chunkId: c.chunkId })
    this.#dispatch()
  }

  #dispatch (): void {
    for (const peer of this.#peers.values()) {
      if (!peer.worker || peer.session.closed) continue
      for (const chunk of this.scheduler.assign(peer.worker.id)) this.#sendChunk(peer, chunk)
    }
  }

  #sendChunk (peer: Peer, chunk: Chunk): void {
    const job: JobState = chunk.job
    if (!peer.knownJobs.has(job.id)) {
      const batches = []
      for (let i = 0; i < job.remaining.length; i += MAX_TARGETS_PER_MESSAGE) batches.push(job.remaining.slice(i, i + MAX_TARGETS_PER_MESSAGE))
      peer.session.send({ type: 'job', jobId: job.id, algorithm: job.algorithm, targets: batches[0], keyspace: job.keyspace.spec })
      for (const targets of batches.slice(1)) peer.session.send({ type: 'targets', jobId: job.id, targets })
      peer.knownJobs.add(job.id)
    }
    const task = { type: 'task', jobId: job.id, chunkId: chunk.id, offset: chunk.offset.toString(), length: chunk.length } as const
    const wordlist = this.#wordlists.get(job.id)
    if (!wordlist) return peer.session.send(task)
    wordlist.read(chunk.offset, chunk.length).then((words) => {
      // The chunk may have been cancelled or taken back while its words were read.
      if (!peer.session.closed && chunk.workerId === peer.worker?.id && isLive(job)) peer.session.send({ ...task, words })
    }, (error: Error) => {
      this.emit('log', 'error', `job ${job.id}: ${error.message}; cancelling it`)
      this.#cancel(job.id)
    })
  }
}

// Wordlist chunks are bounded in bytes, not only in candidates.
function capWords (wordlist: Wordlist): (offset: bigint) => number {
  return (offset) => wordlist.wordsWithin(offset, WORDLIST_CHUNK_BYTES)
}
