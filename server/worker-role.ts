// The worker role: what a session holding the workers' token says (HELLO, PROGRESS, DONE, FAILED,
// FOUND, BYE) becomes a scheduler transition, whose effects go back to the orchestrator to carry
// out. A worker that breaks the protocol, miscounts or claims a false find is dropped.
import type { EventEmitter } from 'node:events'
import { formatTarget, isPassThrough, isTarget, toHex, type Algorithm } from '../shared/algorithms.ts'
import { FalseFoundError, HashcatError, InvalidInputError, MiscountError, ProtocolError, coded } from '../shared/errors.ts'
import { isSlow, matches } from '../shared/hashing/modes.ts'
import { FindCheck } from './find-check.ts'
import { HashcatDesk } from './pass-through.ts'
import { describeConfirmation } from './pot-format.ts'
import { plural } from './ui/plural.ts'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { isControlMessage, type ControlMessage } from '../shared/protocol/control-protocol.ts'
import { type WorkerMessage } from '../shared/protocol/worker-protocol.ts'
import type { ServerSession } from '../shared/protocol/session.ts'
import { LEFT_POLITELY, type ChunkEvent, type RefusalReason, type ServerEvents } from './fleet.ts'
import type { Peer, WorkerLinks } from './peers.ts'
import type { Scheduler } from './scheduler/scheduler.ts'
import { Verifier } from './verification.ts'
import { describeBackend, isHashcat, isLive, workerSummary, type Confirmation, type Effect, type WorkerState } from './scheduler/state.ts'

// What the role needs of the server around it.
export type WorkerRoleHost = {
  events: EventEmitter<ServerEvents>
  scheduler: Scheduler
  links: WorkerLinks
  carryOut: (effects: Effect[]) => void
  progressed: (jobId: string) => void // a chunk of the job reported progress
  refuse: (session: ServerSession, why: RefusalReason, reason: string, logged?: string) => void
}

// A worker's failed chunks are logged once a minute at most, with how many failed in between.
const FAILURE_LOG_INTERVAL_MS = 60_000
// Messages a peer may send while its finds are checked in a thread (they wait for the checks).
const MAX_HELD_MESSAGES = 100_000

export class WorkerRole {
  readonly #host: WorkerRoleHost
  readonly #failureLog = new Map<string, { loggedAt: number, unlogged: number }>() // by worker id
  readonly verifier: Verifier | null // plants canaries before work goes out (null: verification off)
  readonly #findCheck = new FindCheck()
  // Claims (job, target, plaintext) being checked, in the thread or by a hashcat worker's hashcat.
  readonly #checking = new Map<string, Promise<void>>()
  readonly desk: HashcatDesk // what the server asks hashcat workers' hashcat (modes we have no kernel for)

  constructor (host: WorkerRoleHost, verifyWork: boolean) {
    this.#host = host
    this.desk = new HashcatDesk(host.links, host.events)
    this.verifier = verifyWork ? new Verifier({ scheduler: host.scheduler, links: host.links, events: host.events, canaries: this.#findCheck }) : null
  }

  // Stalled workers give their chunks back, and whoever is idle picks them up.
  tick (): void {
    const effects = this.#host.scheduler.tick()
    for (const e of effects) if (e.type === 'cancel') chunkEvent(this.#host.events, 'requeued', this.#host.scheduler.jobs.get(e.jobId)?.algorithm)
    this.#host.carryOut(effects)
  }

  close (): Promise<void> {
    return this.#findCheck.close()
  }

  attach (session: ServerSession): void {
    const { events, links, scheduler } = this.#host
    const peer = links.add(session)
    const fail = (error: unknown) => {
      if (session.closed) return // a check aborted because its sender left
      const why = coded(error)
      events.emit('log', 'error', `worker ${peer.worker?.name ?? session.remoteAddress}: ${why.message}`)
      session.destroy(why)
    }
    // A find of a slow scheme is checked in a thread, one of a mode we have no kernel for by a
    // hashcat worker: the peer's DONE and FAILED wait, in order, so a chunk never ends before a find
    // it holds counts (the job could end exhausted without it). Its other messages go on (progress
    // held back would look like a stall).
    const leaving = new AbortController()
    const held: (WorkerMessage | ControlMessage)[] = []
    let checking = 0
    const handle = (message: WorkerMessage | ControlMessage) => {
      try {
        const check = this.#onMessage(peer, message, leaving.signal)
        if (!(check instanceof Promise)) return
        checking++
        void check.catch(fail).finally(() => {
          if (--checking === 0) while (checking === 0 && held.length > 0 && !session.closed) handle(held.shift()!)
        })
      } catch (error) {
        fail(error)
      }
    }
    session.on('message', (message) => {
      if ((message.type !== 'done' && message.type !== 'failed') || (checking === 0 && held.length === 0)) return handle(message)
      if (held.length >= MAX_HELD_MESSAGES) return fail(new ProtocolError(`over ${MAX_HELD_MESSAGES} messages while its finds were checked`))
      held.push(message)
    })
    session.on('close', (error) => {
      leaving.abort()
      links.delete(peer)
      this.desk.left(peer)
      if (peer.worker) this.#failureLog.delete(peer.worker.id)
      if (!peer.worker) {
        if (error) events.emit('log', 'warn', `connection from ${session.remoteAddress} dropped before HELLO: ${error.message}`)
        return
      }
      const left = workerSummary(peer.worker)
      for (const chunk of peer.worker.chunks.values()) chunkEvent(events, 'requeued', chunk.job.algorithm)
      const requeued = scheduler.removeWorker(peer.worker.id)
      const why = error ? `${error.code}: ${error.message}` : LEFT_POLITELY
      events.emit('log', error ? 'warn' : 'info', `worker ${left.name} left (${why}); ${requeued} chunk(s) requeued`)
      events.emit('worker-left', left, why)
      this.dispatch()
    })
  }

  // What the effect tells workers, if it concerns them alone: false for the rest.
  announce (effect: Effect): effect is Extract<Effect, { type: 'cancel' | 'retired' | 'caught' }> {
    if (effect.type === 'cancel') this.#host.links.cancel(effect.workerId, effect.jobId, effect.chunkId)
    else if (effect.type === 'retired' || effect.type === 'caught') this.verifier?.announce(effect)
    else return false
    return true
  }

  // Hands out whatever work there is to every worker that can take some, canaries planted first.
  dispatch (): void {
    const { events, links, scheduler } = this.#host
    this.verifier?.topUp()
    const fromFiles = scheduler.runnableJobs().filter((job) => isPassThrough(job.algorithm) && job.wordsFile !== null)
    for (const peer of links.peers) {
      if (!peer.worker || peer.session.closed) continue
      if (isHashcat(peer.worker)) for (const job of fromFiles) if (!peer.knownJobs.has(job.id)) links.introduce(peer, job)
      for (const chunk of scheduler.assign(peer.worker.id)) {
        chunkEvent(events, 'issued', chunk.job.algorithm, chunk.length)
        links.send(peer, chunk)
      }
    }
  }

  // A promise when the message is a find being checked in a thread.
  #onMessage (peer: Peer, message: WorkerMessage | ControlMessage, leaving: AbortSignal): Promise<void> | void {
    const { events, scheduler } = this.#host
    if (isControlMessage(message)) { // a controller's message, on a session that holds the workers' token
      if (peer.worker || message.type !== 'control') throw new ProtocolError(`a worker sent ${message.type}`)
      return this.#host.refuse(peer.session, 'role', 'this is the workers\' token, which cannot control the server: npm run ctl needs the admin token (setting adminToken, TASKORCH_ADMIN_TOKEN), which the server saved in its config file',
        `refused a controller at ${peer.session.remoteAddress}: it holds the workers' token, not the admin token`)
    }
    if (!peer.worker) return this.#hello(peer, message)
    const worker = peer.worker
    const chunk = 'chunkId' in message ? worker.chunks.get(message.chunkId) : undefined
    switch (message.type) {
      case 'hello':
        throw new ProtocolError('second HELLO')
      case 'progress':
        if (chunk && scheduler.progress(worker.id, message.chunkId, message.hashed, message.starting === true)) this.#host.progressed(chunk.job.id)
        return
      case 'done': {
        const outcome = scheduler.done(worker.id, message.chunkId, message.hashed)
        if (outcome === 'miscounted') {
          chunkEvent(events, 'failed', chunk?.job.algorithm)
          throw new MiscountError(message.chunkId, message.hashed, chunk?.length ?? 0)
        }
        if (outcome === 'unknown') return this.dispatch()
        if (chunk) chunkEvent(events, 'completed', chunk.job.algorithm, chunk.length, (Date.now() - chunk.assignedAt) / 1000)
        return this.#host.carryOut(outcome)
      }
      case 'failed': {
        const requeued = scheduler.failed(worker.id, message.chunkId)
        if (requeued === 'unknown') return // cancelled meanwhile
        chunkEvent(events, 'failed', chunk?.job.algorithm)
        if (requeued) chunkEvent(events, 'requeued', chunk?.job.algorithm)
        this.#logFailure(worker, `could not finish chunk ${message.chunkId}${requeued ? ', handed out again' : ''}: ${message.reason}`)
        return this.dispatch()
      }
      case 'found':
        return this.#onFound(peer, message.jobId, message.hash, message.plaintext, leaving)
      case 'checked':
      case 'confirmed':
        return this.desk.answer(peer, message)
      case 'fetch':
        return this.#host.links.sendWords(peer, message.sha256, BigInt(message.from))
      case 'holding': {
        // Only the words file of a job it was told of is worth remembering.
        if (!peer.files.has(message.sha256)) return void events.emit('log', 'debug', `worker ${worker.name}: HOLDING of a file of no job it was told of, ignored`)
        const effects = scheduler.holding(worker.id, message.sha256)
        if (effects) this.#host.carryOut(effects)
        return
      }
      case 'bye':
        events.emit('log', 'info', `worker ${worker.name} is leaving: ${message.reason}`)
    }
  }

  #hello (peer: Peer, message: WorkerMessage): void {
    const { events, scheduler } = this.#host
    const from = peer.session.remoteAddress
    if (message.type !== 'hello') throw new ProtocolError(`expected HELLO, got ${message.type}`)
    if (message.version !== PROTOCOL_VERSION) {
      return this.#host.refuse(peer.session, 'version', `this server speaks protocol ${PROTOCOL_VERSION}, the worker ${message.version}: run the same version on both`,
        `refused worker ${message.name} at ${from}: it speaks protocol ${message.version}, this server ${PROTOCOL_VERSION}`)
    }
    const { name, cores, threads, software, backend, files } = message
    peer.worker = scheduler.addWorker({ id: peer.key, name, address: from, cores, threads, software, backend, files })
    peer.session.send({ type: 'welcome', workerId: peer.key })
    events.emit('log', 'info', `worker ${name} joined from ${from} (${plural(cores, 'core')}, ${plural(threads, 'thread')}, version ${software}, ${describeBackend(backend)})`)
    events.emit('worker-joined', workerSummary(peer.worker))
    if (isHashcat(peer.worker)) this.desk.joined()
    this.dispatch()
  }

  #logFailure (worker: WorkerState, what: string): void {
    const now = Date.now()
    const tally = this.#failureLog.get(worker.id)
    if (tally && now - tally.loggedAt < FAILURE_LOG_INTERVAL_MS) {
      tally.unlogged++
      return
    }
    const more = tally?.unlogged ? ` (and ${tally.unlogged} more failed chunk(s) in the last minute)` : ''
    const pause = Math.round((worker.idleUntil - now) / 1000)
    this.#failureLog.set(worker.id, { loggedAt: now, unlogged: 0 })
    this.#host.events.emit('log', 'warn', `worker ${worker.name} ${what}${more}; it gets no work for ${pause} s`)
  }

  // The server re-hashes every claimed plaintext: a worker cannot make us report a false preimage. It
  // first looks the hash up, so no claim of a non-target or of a target found already costs a hash
  // (a crypt scheme's rounds, which the hash itself names), nor does a claim being checked already.
  // A false claim drops its sender's session: the budget for false finds is none.
  #onFound (peer: Peer, jobId: string, hash: Uint8Array, plaintext: Uint8Array, leaving: AbortSignal): Promise<void> | void {
    const { events, scheduler } = this.#host
    const worker = peer.worker!
    const job = scheduler.jobs.get(jobId)
    if (!job) throw new ProtocolError(`FOUND for job ${jobId}, which was never announced`)
    const expected = isTarget(job.algorithm, hash) ? scheduler.expects(jobId, hash) : 'not-a-target'
    if (expected === 'not-a-target') throw new FalseFoundError(jobId)
    // A canary (server/verification.ts): noted for the check of the chunk that holds it, and nothing
    // else: no result, no count, no word to the other workers.
    // A slow scheme's canary reported with another plaintext than the one planted is not hashed here
    // (a second preimage of bcrypt or PBKDF2 is out of reach, and the hash would hold the event loop).
    if (expected === 'canary') {
      if (!scheduler.canaryReported(jobId, worker.id, hash, plaintext, () => !isSlow(job.algorithm) && matches(job.algorithm, hash, plaintext))) throw new FalseFoundError(jobId)
      return
    }
    if (expected !== 'remaining') return void events.emit('log', 'debug', `worker ${worker.name}: FOUND for job ${jobId} ignored (${expected})`)
    const claim = `${jobId}:${toHex(hash)}:${toHex(plaintext)}`
    const pending = this.#checking.get(claim)
    if (pending) {
      events.emit('log', 'debug', `worker ${worker.name}: FOUND for job ${jobId} ignored (being checked)`)
      // Its sender's DONE waits for that check too (a twin of the finder's chunk, say): the job must
      // not end before the find counts.
      return pending.catch(() => {})
    }
    const algorithm = job.algorithm
    let check: Promise<void>
    if (isPassThrough(algorithm)) { // no kernel here: a hashcat worker's hashcat tries it
      // A find no hashcat could try ends its finder's session: the chunks it holds (the find's among
      // them, its DONE held behind this check) are searched again, not counted without it.
      check = this.desk.confirm(algorithm, hash, plaintext, peer).then((confirmation) => {
        if (!confirmation) throw new FalseFoundError(jobId)
        this.#found(worker, jobId, hash, plaintext, confirmation)
      }, (error) => {
        if (!(error instanceof InvalidInputError)) throw error
        throw new HashcatError(`its find for job ${jobId} (${formatTarget(algorithm, hash)}) could not be confirmed, so its chunks go back: ${error.message}`)
      })
    } else {
      const verdict = this.#findCheck.check(algorithm, hash, plaintext, leaving)
      if (verdict === true) return this.#found(worker, jobId, hash, plaintext)
      if (verdict === false) throw new FalseFoundError(jobId)
      check = verdict.then((ok) => {
        if (!ok) throw new FalseFoundError(jobId)
        this.#found(worker, jobId, hash, plaintext)
      })
    }
    const checked = check.finally(() => this.#checking.delete(claim))
    this.#checking.set(claim, checked)
    return checked
  }

  #found (worker: WorkerState, jobId: string, hash: Uint8Array, plaintext: Uint8Array, confirmation?: Confirmation): void {
    const { events, scheduler } = this.#host
    const job = scheduler.jobs.get(jobId)
    if (!job) return
    const key = formatTarget(job.algorithm, hash)
    const outcome = scheduler.found(jobId, key, plaintext, confirmation)
    if (typeof outcome === 'string') return void events.emit('log', 'debug', `worker ${worker.name}: FOUND for job ${jobId} ignored (${outcome})`)
    events.emit('log', 'info', `worker ${worker.name} found ${key}${confirmation ? ` (${describeConfirmation(confirmation.by, confirmation.byFinder)})` : ''}`)
    this.#host.links.solved(jobId, hash, worker)
    this.#host.carryOut(outcome)
  }
}

// For metrics: a chunk handed out, completed, requeued or failed.
export function chunkEvent (events: EventEmitter<ServerEvents>, outcome: ChunkEvent['outcome'], algorithm: Algorithm | undefined, candidates = 0, seconds?: number): void {
  if (algorithm) events.emit('chunk', { outcome, algorithm, candidates, seconds })
}
