// The server: turns authenticated sessions into scheduler events, and carries out what each scheduler
// transition returns: persist (potfile, journal), announce (events, workers), hand out work. Nothing
// polls: work goes out when a worker joins, a chunk completes, a job arrives or a worker leaves. Its
// rooms: intake (requests to job specs), persistence, peers (worker links), control, listener.
import { EventEmitter } from 'node:events'
import { isPassThrough, type KnownAlgorithm, type PassThrough } from '../shared/algorithms.ts'
import { InvalidInputError, coded } from '../shared/errors.ts'
import { SHUTDOWN_GRACE_MS } from '../shared/protocol/limits.ts'
import { serverKeyFingerprint, tokenKey } from '../shared/protocol/credentials.ts'
import { generateStaticKey, type StaticKeyPair } from '../shared/protocol/noise.ts'
import { DEFAULT_TIMINGS, type PeerRole, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'
import { ControlRole } from './control-role.ts'
import type { RefusalReason, ServerEvents, WorkerSummary } from './fleet.ts'
import { JobIntake, type Intake } from './intake.ts'
import { Job, foundOf } from './job.ts'
import type { AddOptions, JobRequest, WordlistInput } from './job-description.ts'
import { Listener } from './listener.ts'
import { LocalWorker, type LocalWorkerChoice } from './local-worker.ts'
import { Persistence } from './persistence.ts'
import { WorkerLinks } from './peers.ts'
import type { SchedulerOptions } from './scheduler/options.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { workerSummary, type Effect, type JobState } from './scheduler/state.ts'
import { WorkerRole, chunkEvent } from './worker-role.ts'
import { secureRandom } from './verification.ts'
import type { JournaledJob, Journal } from './store/journal.ts'
import type { Potfile } from './store/potfile.ts'
import { checkTokenStrength } from './token-strength.ts'
import { UploadStore } from './uploads.ts'

export type { WorkerSummary }
// The library's name for the server's events (server/fleet.ts).
export type OrchestratorEvents = ServerEvents

export type OrchestratorOptions = {
  host?: string, port?: number, token: string
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
  // files they send are kept in `uploadDir` (server/uploads.ts).
  control?: { adminToken: string, uploadDir: string }
  verifyWork?: boolean // work verification (server/verification.ts), on unless false
}

const SCHEDULER_TICK_MS = 1_000

export class Orchestrator extends EventEmitter<ServerEvents> {
  readonly #scheduler: Scheduler
  readonly #listener: Listener
  readonly #host: string
  readonly #intake: JobIntake
  readonly #store: Persistence
  readonly #links = new WorkerLinks((job, error) => this.#unreadable(job, error), secureRandom)
  readonly #workerRole: WorkerRole
  readonly #handles = new Map<string, Job>()
  readonly #control: ControlRole | null = null
  readonly #staticKey: StaticKeyPair
  readonly #localWorker: LocalWorker | null
  #ticker: NodeJS.Timeout | null = null
  #stopping = false

  constructor (options: OrchestratorOptions) {
    super()
    if (typeof options.token !== 'string' || options.token.length === 0) throw new InvalidInputError('a token is required')
    checkTokenStrength(options.token)
    this.#host = options.host ?? '0.0.0.0'
    this.#scheduler = new Scheduler({ random: secureRandom, ...options.scheduler })
    this.#scheduler.reserveJobIds(options.journal?.lastJobId ?? 0)
    const log = (level: ServerEvents['log'][0], message: string) => this.emit('log', level, message)
    this.#intake = new JobIntake(options.potfile ?? null, log)
    const resumed = (id: string) => this.#carryOut(this.#scheduler.preemptFor(id))
    this.#store = new Persistence(options.potfile ?? null, options.journal?.journal ?? null, { scheduler: this.#scheduler, resumed, log }, options.storeRetryMs)
    this.#store.on('failed', (error) => this.emit('store-failed', error))
    this.#store.on('recovered', (heldEnds) => {
      this.emit('store-recovered')
      this.#announce(heldEnds)
      this.#workerRole.dispatch()
    })
    this.#staticKey = options.staticKey ?? generateStaticKey()
    const control = options.control
    if (control) this.#control = new ControlRole(this, { adminToken: control.adminToken, workerToken: options.token, uploads: new UploadStore(control.uploadDir) }, log)
    this.#listener = new Listener({
      host: this.#host, port: options.port ?? 8080, token: tokenKey(options.token), adminToken: control && tokenKey(control.adminToken), staticKey: this.#staticKey, timings: { ...DEFAULT_TIMINGS, ...options.timings }
    })
    this.#listener.on('log', log)
    this.#listener.on('session', (session, role) => this.#onSession(session, role))
    this.#listener.on('shed', () => this.emit('refused', 'limits'))
    this.#listener.on('handshake-failed', (error) => this.emit('handshake-failed', coded(error)))
    const local: LocalWorkerChoice | null = options.localWorker === true ? {} : options.localWorker || null
    this.#localWorker = local && new LocalWorker({ token: options.token, serverKey: this.serverKeyFingerprint, ...local }, (level, message) => this.emit('log', level, `[local worker] ${message}`))
    this.#workerRole = new WorkerRole({
      events: this, scheduler: this.#scheduler, links: this.#links, carryOut: (effects) => this.#carryOut(effects),
      progressed: (jobId) => { const job = this.#handles.get(jobId); if (job) this.emit('job-progress', job) },
      refuse: (session, why, reason, logged) => this.#refuse(session, why, reason, logged)
    }, options.verifyWork !== false)
  }

  get port (): number { return this.#listener.port }
  // What workers pin: give it to them (--server-key) to skip trusting the first connection.
  get serverKeyFingerprint (): string { return serverKeyFingerprint(this.#staticKey.publicKey) }
  get host (): string { return this.#host }
  get jobs (): Job[] { return [...this.#handles.values()] }
  get workers (): WorkerSummary[] { return [...this.#scheduler.workers.values()].map(workerSummary) }
  // Connections that are not workers yet (handshake or HELLO pending), by remote address.
  get connecting (): string[] { return this.#listener.pending }
  // Results found but not yet in the potfile and journal (a failing disk): a stopped server says so.
  get unwrittenResults (): number { return this.#store.unwrittenResults }

  async start (): Promise<void> {
    // Once a second, after the event loop has read what is waiting (setImmediate): stalled workers
    // give their chunks back, and whoever is idle picks them up.
    this.#ticker ??= setInterval(() => setImmediate(() => this.#workerRole.tick()), SCHEDULER_TICK_MS)
    this.#ticker.unref()
    await this.#listener.start()
    this.#localWorker?.start(this.port)
  }

  // Cancels running jobs (for the library; the journal keeps them running, for --restore), tells
  // workers goodbye, stops listening, tries once more to write what a failing disk held back. A peer
  // still open after SHUTDOWN_GRACE_MS (a paused machine, say) is cut off: stopping never waits on one.
  async stop (): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker)
    this.#stopping = true
    for (const job of this.#handles.values()) job.cancel()
    const sessions = [...this.#links.sessions(), ...this.#control?.sessions ?? []]
    for (const session of sessions) session.close('server shutting down')
    const stopped = this.#listener.stop()
    let grace: NodeJS.Timeout | undefined
    await Promise.race([stopped, new Promise<void>((resolve) => { grace = setTimeout(resolve, SHUTDOWN_GRACE_MS) })])
    clearTimeout(grace)
    for (const session of sessions) session.socket.destroy()
    await stopped
    this.#localWorker?.stop()
    await this.#workerRole.close()
    if (!this.#store.flush()) this.emit('log', 'error', `${this.#store.pending} result(s) or record(s) could not be written to the potfile or session journal; the results were printed as they were found`)
    this.#store.close()
  }

  // Wordlist jobs resolve once the file has been read through and indexed, jobs of a mode we have no
  // kernel for once a hashcat worker's hashcat has read their hashes (server/pass-through.ts).
  addTasks (request: JobRequest & ({ keyspace: WordlistInput } | { algorithm: PassThrough }), options?: AddOptions): Promise<Job>
  addTasks (request: JobRequest & { algorithm: KnownAlgorithm, keyspace: Exclude<JobRequest['keyspace'], WordlistInput> }, options?: AddOptions): Job
  addTasks (request: JobRequest, options?: AddOptions): Job | Promise<Job>
  addTasks (request: JobRequest, options: AddOptions = {}): Job | Promise<Job> {
    const add = (intake: Intake) => {
      const { job, effects } = this.#scheduler.addJob(intake.spec)
      const known = intake.spec.known?.length ?? 0
      if (known > 0) this.emit('log', 'info', `job ${job.id}: ${known} of ${job.targets.size} target(s) already in the potfile ${this.#intake.potfilePath}`)
      return this.#register(job, intake, effects)
    }
    const intake = isPassThrough(request.algorithm)
      ? this.#workerRole.desk.read(request, options.waitForHashcat ?? true).then((read) => this.#intake.fromRequest(read))
      : this.#intake.fromRequest(request)
    return intake instanceof Promise ? intake.then(add) : add(intake)
  }

  // An unfinished job from a session journal, under its old id, with what it had searched and found.
  async restoreTasks (journaled: JournaledJob): Promise<Job> {
    const intake = await this.#intake.fromJournal(journaled)
    const { job, effects } = this.#scheduler.restoreJob(intake.spec, journaled.id, journaled.completed)
    return this.#register(job, intake, effects)
  }

  // The job's record is written before anything about it. Results known from the start, and a job
  // that ended before it began, are announced next tick, so the caller can listen to the job it gets back.
  #register (state: JobState, intake: Intake, effects: Effect[]): Job {
    const job = new Job(state, { cancel: (id) => this.#carryOut(this.#scheduler.cancel(id)), setPaused: (id, paused) => this.#setPaused(id, paused), setPriority: (id, priority) => this.#setPriority(id, priority) }, intake.users)
    this.#handles.set(state.id, job)
    if (intake.wordlist) this.#links.addFiles(state.id, intake.wordlist)
    this.#store.recordJob(state, intake.wordlist?.list.source ?? null, intake.users)
    this.#store.record(effects, this.#stopping)
    this.emit('job-added', job)
    process.nextTick(() => this.#announce(effects))
    this.#carryOut(this.#scheduler.preemptFor(state.id))
    return job
  }

  // Persist first, then announce, then hand out whatever work there is.
  #carryOut (effects: Effect[]): void {
    this.#store.record(effects, this.#stopping)
    this.#announce(effects)
    this.#workerRole.dispatch()
  }

  #announce (effects: Effect[]): void {
    for (const effect of effects) {
      if (this.#workerRole.announce(effect)) continue // for workers only
      // A job whose last result the disk has not taken yet stays open until it has.
      if (effect.type === 'ended' && !this.#stopping && this.#store.holdEnd(effect)) continue
      const job = this.#handles.get(effect.job.id)
      if (effect.type === 'ended') {
        this.#links.forget(effect.job.id)
        this.#workerRole.verifier?.forget(effect.job.id)
      }
      if (!job) continue
      if (effect.type === 'found') {
        job.reportFound(effect.result)
        this.emit('found', job, foundOf(effect.result, job.users))
      } else if (effect.type === 'completed' || effect.type === 'reopened') {
        this.emit('job-progress', job)
      } else {
        job.reportEnd()
        this.emit('job-ended', job)
      }
    }
  }

  #setPaused (jobId: string, paused: boolean): void {
    if (!this.#scheduler.setPaused(jobId, paused)) return
    this.#store.release(jobId)
    this.emit('log', 'info', `job ${jobId} ${paused ? 'paused: chunks in flight finish, no new ones go out' : 'resumed'}`)
    if (!paused) this.#carryOut(this.#scheduler.preemptFor(jobId))
  }

  #setPriority (jobId: string, priority: number): void {
    if (!this.#scheduler.setPriority(jobId, priority)) return
    this.#store.recordPriority(jobId, priority)
    this.#carryOut(this.#scheduler.preemptFor(jobId))
  }

  #unreadable (job: JobState, error: Error): void {
    chunkEvent(this, 'failed', job.algorithm)
    this.emit('log', 'error', `job ${job.id}: ${error.message}; cancelling it`)
    this.#carryOut(this.#scheduler.cancel(job.id))
  }

  #onSession (session: ServerSession, role: PeerRole): void {
    if (role === 'controller') return this.#control!.attach(session, (why, reason) => this.#refuse(session, why, reason))
    this.#workerRole.attach(session)
  }

  // After authenticating: the peer hears why (REFUSED), and the session closes. `logged`: the log's words.
  #refuse (session: ServerSession, why: RefusalReason, reason: string, logged = `refused ${session.remoteAddress}: ${reason}`): void {
    this.emit('log', 'warn', logged)
    this.emit('refused', why)
    session.send({ type: 'refused', reason })
    session.close('refused')
  }
}
