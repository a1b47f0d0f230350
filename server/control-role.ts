// The controller role: a session authenticated with the admin token (npm run ctl) submits jobs,
// lists and steers them, and reads their results. Files it names travel as uploads, kept in the
// upload store (server/uploads.ts). Requests are served one at a time per session, in order.
import { InvalidInputError, ProtocolError, coded } from '../shared/errors.ts'
import type { LogLevel } from '../shared/log.ts'
import { MAX_REPLY_ITEMS, PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { isControlMessage, type ControlMessage, type FileRef, type Reply, type Submission, type SubmittedCombinator, type Upload } from '../shared/protocol/control-protocol.ts'
import type { ServerSession } from '../shared/protocol/session.ts'
import { priorityOf, requestOf, type CombinatorInput, type JobDescription, type JobRequest } from './job-description.ts'
import { jobById, type Fleet, type RefusalReason } from './fleet.ts'
import { jobLine, workerLine } from './status.ts'
import { formatUser, shownResult } from './pot-format.ts'
import { checkTokenStrength } from './token-strength.ts'
import type { Incoming, UploadStore } from './uploads.ts'

// Results per REPLY: well inside a frame even with long salts, users and plaintexts.
export const RESULTS_PER_REPLY = 1_000

// An upload under way: the file it announced, and its bytes so far.
type Partial = { file: FileRef, incoming: Incoming }

export class ControlRole {
  readonly #server: Fleet
  readonly #uploads: UploadStore
  readonly #log: (level: LogLevel, message: string) => void
  readonly #sessions = new Set<ServerSession>()

  // `adminToken` must differ from the workers' token, or a worker could control the server.
  constructor (server: Fleet, options: { adminToken: string, workerToken: string, uploads: UploadStore }, log: (level: LogLevel, message: string) => void) {
    checkTokenStrength(options.adminToken)
    if (options.adminToken === options.workerToken) throw new InvalidInputError('the admin token must differ from the workers\' token: a worker could otherwise control the server')
    this.#server = server
    this.#uploads = options.uploads
    this.#log = log
  }

  get sessions (): ServerSession[] { return [...this.#sessions] }

  // Serves a controller session from its first message on.
  // `refuse` sends REFUSED with the reason and closes the session (the orchestrator's, for all roles).
  attach (session: ServerSession, refuse: (why: RefusalReason, reason: string) => void): void {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    let opened = false
    let partial: Partial | null = null
    let queue = Promise.resolve()
    const discard = () => {
      if (partial) void partial.incoming.abandon()
      partial = null
    }
    session.on('close', discard)
    session.on('message', (message) => {
      if (!opened) {
        if (message.type !== 'control') return refuse('role', 'this is the admin token, which controls the server; workers need the workers\' token (setting token)')
        if (message.version !== PROTOCOL_VERSION) return refuse('version', `this server speaks protocol ${PROTOCOL_VERSION}, this ctl ${message.version}: update the older one`)
        opened = true
        this.#log('info', `controller ${message.software} connected from ${session.remoteAddress}`)
        return session.send({ type: 'reply', id: message.id })
      }
      if (!isControlMessage(message)) return session.destroy(new ProtocolError(`a controller sent ${message.type}`))
      queue = queue.then(async () => {
        if (session.closed) return
        let reply: Omit<Reply, 'type' | 'id'>
        try {
          if (message.type === 'upload') {
            if (message.offset === 0) discard()
            const current = partial
            partial = null // the step owns it now, and removes it if it fails
            const step = await this.#upload(current, message)
            partial = step.partial
            if (session.closed) discard()
            reply = { stored: step.partial === null, received: step.received }
          } else {
            reply = await this.#serve(message, session.remoteAddress)
          }
        } catch (error) {
          const why = coded(error)
          reply = { error: { code: why.code, message: why.message } }
        }
        session.send({ type: 'reply', id: message.id, ...reply })
      })
    })
  }

  async #serve (message: Exclude<ControlMessage, Upload>, from: string): Promise<Omit<Reply, 'type' | 'id'>> {
    switch (message.type) {
      case 'control': throw new ProtocolError('CONTROL sent twice')
      case 'submit': {
        const job = await this.#server.addTasks(await this.#request(message.job), { waitForHashcat: false })
        this.#log('info', `controller at ${from} submitted job ${job.id}`)
        return { job: job.id }
      }
      case 'jobs': return { jobs: this.#server.jobs.slice(-MAX_REPLY_ITEMS).map((job) => jobLine(this.#server, job)) }
      case 'workers': return { workers: this.#server.workers.slice(0, MAX_REPLY_ITEMS).map(workerLine) }
      case 'status': return { jobs: [jobLine(this.#server, jobById(this.#server, message.job))] }
      case 'pause':
      case 'resume':
      case 'cancel': {
        const job = jobById(this.#server, message.job)
        if (job.state.endedAt !== null) throw new InvalidInputError(`job ${job.id} has already ended (${job.status})`)
        if (message.type === 'cancel') job.cancel()
        else if (message.type === 'pause') job.pause()
        else job.resume()
        return { jobs: [jobLine(this.#server, job)] }
      }
      case 'results': {
        const job = jobById(this.#server, message.job)
        const { page, next } = job.results(message.from, RESULTS_PER_REPLY)
        return {
          results: page.map((f) => ({
            hash: shownResult(job.state.algorithm, f).hash, plaintext: f.plaintext, users: (job.users[f.hash] ?? []).map(formatUser),
            ...(f.confirmation ? { confirmedBy: f.confirmation.by, byFinder: f.confirmation.byFinder } : {})
          })),
          next
        }
      }
    }
  }

  // A submitted job, checked as the server's own flags are (its priority bounded, its hashes parsed),
  // its files read from the uploads.
  async #request (job: Submission): Promise<JobRequest> {
    const k = job.keyspace
    const description: JobDescription = {
      algorithm: job.algorithm,
      targets: job.targets,
      targetsFile: job.targetsFile && this.#uploads.stored(job.targetsFile),
      hashOptions: { username: job.username, hexSalt: job.hexSalt },
      keyspace: k.type !== 'wordlist' ? k : { type: 'wordlist', path: this.#uploads.stored(k.file), rules: k.rules.map((r) => this.#uploads.stored(r)), hybrid: k.hybrid ?? undefined, combinator: k.combinator ? this.#combinator(k.combinator) : undefined },
      priority: priorityOf(job.priority)
    }
    const { request, warnings } = await requestOf(description)
    for (const warning of warnings) this.#log('warn', warning)
    return request
  }

  #combinator ({ file, left, right }: SubmittedCombinator): CombinatorInput {
    return { path: this.#uploads.stored(file), ...(left !== null ? { left } : {}), ...(right !== null ? { right } : {}) }
  }

  // One piece of a file. The first (offset 0) answers at once when the file is already stored; the
  // last checks the SHA-256 and moves the file into place, so a journal may name it.
  async #upload (partial: Partial | null, m: Upload): Promise<{ partial: Partial | null, received: number }> {
    if (m.offset === 0) {
      if (this.#uploads.has(m.file, m.size)) return { partial: null, received: m.size }
      partial = { file: m.file, incoming: await this.#uploads.begin(m.file.name, m.size) }
    }
    if (!partial || partial.file.sha256 !== m.file.sha256 || partial.file.name !== m.file.name || partial.incoming.size !== m.size || partial.incoming.received !== m.offset) {
      if (partial) await partial.incoming.abandon()
      throw new ProtocolError(`upload of ${m.file.name}: piece at ${m.offset} does not follow what was received`)
    }
    const incoming = partial.incoming
    try {
      await incoming.write(m.data)
    } catch (error) {
      await incoming.abandon()
      throw error
    }
    if (incoming.received < incoming.size) return { partial, received: incoming.received }
    await incoming.finish(m.file.sha256)
    this.#log('info', `stored ${m.file.name} (${m.size} bytes) in ${this.#uploads.pathOf(m.file)}`)
    return { partial: null, received: m.size }
  }
}
