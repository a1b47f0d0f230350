// Modes we have no kernel for, passed through to hashcat workers (docs/attacks.md, "Any hashcat
// mode"). The server cannot hash them, so it asks hashcat workers' hashcat: to read a list's hash
// lines before the job starts (each comes back as hashcat writes it, the form its outfile and potfile
// use, or with hashcat's reason for refusing it), and to confirm each find, on other hashcat workers
// than the finder where there are any. A worker that leaves, fails or does not answer in time is
// replaced by the next; one whose answer breaks the protocol (a question it was not asked, lines it
// was not sent) is dropped, and the question goes on.
import type { EventEmitter } from 'node:events'
import { formatTarget, passThroughMode, type PassThrough } from '../shared/algorithms.ts'
import { InvalidInputError, ProtocolError } from '../shared/errors.ts'
import { hashcatRefusal } from '../shared/hashcat.ts'
import type { KeyspaceSpec } from '../shared/keyspace/spec.ts'
import { MAX_CHECKED_LINES, MAX_TARGET_BATCH_BYTES } from '../shared/protocol/limits.ts'
import type { Checked, Confirmed, ServerMessage } from '../shared/protocol/worker-protocol.ts'
import type { ServerEvents } from './fleet.ts'
import { checkRequest, type JobRequest } from './job-description.ts'
import type { Peer, WorkerLinks } from './peers.ts'
import { isHashcat, type Confirmation } from './scheduler/state.ts'

// A question no answer has come to in this long goes to the next worker: a confirmation may first
// compile hashcat's kernel (minutes on a busy CPU; the worker gives hashcat 5 minutes to start).
export const ANSWER_TIMEOUT_MS = 10 * 60_000

// A worker that gave no answer: it left, its hashcat failed (the reason), or it took too long.
class Unanswered extends Error {}

type Question = { peer: Peer, answer: (reply: Checked | Confirmed) => void, gone: (why: string) => void }
// Why an answer breaks the protocol, or null.
type AnswerCheck = (reply: Checked | Confirmed) => string | null

export class HashcatDesk {
  readonly #links: WorkerLinks
  readonly #events: EventEmitter<ServerEvents>
  readonly #open = new Map<string, Question>()
  readonly #answerTimeoutMs: number
  #waiting: (() => void)[] = []
  #seq = 0

  constructor (links: WorkerLinks, events: EventEmitter<ServerEvents>, answerTimeoutMs = ANSWER_TIMEOUT_MS) {
    this.#links = links
    this.#events = events
    this.#answerTimeoutMs = answerTimeoutMs
  }

  // A hashcat worker joined: lists waiting for one are read now.
  joined (): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const wake of waiting) wake()
  }

  // A worker left: what it was asked goes to another.
  left (peer: Peer): void {
    for (const question of this.#open.values()) if (question.peer === peer) question.gone('')
  }

  // A worker's answer: to a question it was asked, or it breaks the protocol.
  answer (peer: Peer, reply: Checked | Confirmed): void {
    const question = this.#open.get(reply.id)
    if (!question || question.peer !== peer) throw new ProtocolError(`${reply.type.toUpperCase()} ${reply.id}, which it was not asked`)
    question.answer(reply)
  }

  // A job of such a mode, its hash lines as a hashcat worker's hashcat reads them: checked as any job
  // is first (and whether hashcat can search its keyspace, where that is known before its files are
  // read), so hashcat is asked about well-formed, distinct lines only; users carried over.
  async read (request: JobRequest, wait: boolean): Promise<JobRequest> {
    const algorithm = request.algorithm as PassThrough
    const { targets, keyspace } = checkRequest(request)
    const refusal = keyspace.type === 'wordlist' ? null : hashcatRefusal(algorithm, keyspace as KeyspaceSpec)
    if (refusal) throw new InvalidInputError(`-m ${passThroughMode(algorithm)} runs on hashcat workers only, and hashcat cannot search this job: ${refusal}`)
    const read = await this.checkLines(algorithm, Array.from({ length: targets.size }, (_, i) => targets.at(i)), wait)
    const users: Record<string, string[]> = {}
    for (const [i, line] of read.entries()) {
      const named = request.users?.[targets.text(i)]
      const text = formatTarget(algorithm, line)
      if (named) users[text] = [...users[text] ?? [], ...named]
    }
    return { ...request, targets: read, users }
  }

  // Each line as hashcat -m N wrote it back, or InvalidInputError naming every line it refused (its
  // place among the distinct lines, its text and hashcat's reason). hashcat may change a line's
  // letter case (hex digests come back lower-case), nothing else: a worker cannot swap the job's
  // targets. `wait`: wait for a hashcat worker to join when none is connected, instead of refusing.
  async checkLines (algorithm: PassThrough, lines: readonly Uint8Array[], wait: boolean): Promise<Uint8Array[]> {
    const mode = passThroughMode(algorithm)
    const checked: (Uint8Array | string)[] = []
    for (let first = 0; first < lines.length;) {
      let end = first
      for (let bytes = 0; end < lines.length && end - first < MAX_CHECKED_LINES && (end === first || bytes + lines[end].length <= MAX_TARGET_BATCH_BYTES); end++) bytes += lines[end].length
      const batch = lines.slice(first, end)
      const reply = await this.#ask<Checked>(mode, 'read the hashes of', wait, [], (id) => ({ type: 'check', id, mode, lines: [...batch] }), (r) => {
        if (r.type !== 'checked') return `${r.type.toUpperCase()} ${r.id} for a CHECK`
        if (r.lines === undefined) return null
        if (r.lines.length !== batch.length) return `CHECKED ${r.id} holds ${r.lines.length} lines for ${batch.length}`
        const swapped = r.lines.findIndex((line, i) => typeof line !== 'string' && !sameButCase(line, batch[i]))
        return swapped < 0 ? null : `CHECKED ${r.id} holds a line it was not sent (line ${swapped + 1})`
      })
      checked.push(...reply.answer.lines!)
      first = end
    }
    const refused = checked.flatMap((line, i) => typeof line === 'string' ? [`"${formatTarget(algorithm, lines[i]).slice(0, 80)}" (the ${ordinal(i + 1)} distinct hash): ${line}`] : [])
    if (refused.length > 0) {
      throw new InvalidInputError(`hashcat -m ${mode} refused ${refused.length} of the ${lines.length} hash(es); remove them and submit again: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? `; and ${refused.length - 5} more` : ''}`)
    }
    return checked as Uint8Array[]
  }

  // Who confirmed that `plaintext` cracks `hash`: the hashcat of another worker than the finder, each
  // asked in turn until one does, else the finder's own when no other could answer (none connected,
  // or theirs failed). Null when no other confirms it and at least one said it does not (named in
  // the log). Throws InvalidInputError when no hashcat could try it at all.
  async confirm (algorithm: PassThrough, hash: Uint8Array, plaintext: Uint8Array, finder: Peer): Promise<Confirmation | null> {
    const mode = passThroughMode(algorithm)
    const message = (id: string): ServerMessage => ({ type: 'confirm', id, mode, hash, plaintext })
    const check = (r: Checked | Confirmed) => r.type === 'confirmed' ? null : `${r.type.toUpperCase()} ${r.id} for a CONFIRM`
    const refused: Peer[] = []
    for (;;) {
      let asked: { answer: Confirmed, peer: Peer }
      try {
        asked = await this.#ask<Confirmed>(mode, 'try a find of', false, [finder, ...refused], message, check)
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error
        if (refused.length > 0) {
          this.#events.emit('log', 'warn', `-m ${mode}: ${refused.map((peer) => `worker ${peer.worker!.name}`).join(', ')}'s hashcat did not confirm worker ${finder.worker!.name}'s find of ${formatTarget(algorithm, hash)}`)
          return null
        }
        asked = await this.#ask<Confirmed>(mode, 'try a find of', false, this.#hashcatPeers().filter((peer) => peer !== finder), message, check)
      }
      const { answer, peer } = asked
      if (answer.cracks) return { by: peer.worker!.name, byFinder: peer === finder }
      if (peer === finder) return null
      refused.push(peer)
    }
  }

  // Asks hashcat workers in turn, those in `skip` not at all, until one answers: one that fails, leaves
  // or takes too long is passed over, one whose answer `check` finds wrong is dropped. Throws
  // InvalidInputError when none could answer (the reasons named), or none is connected and `wait` is
  // false.
  async #ask<T extends Checked | Confirmed> (mode: number, what: string, wait: boolean, skip: Peer[], message: (id: string) => ServerMessage, check: AnswerCheck): Promise<{ answer: T, peer: Peer }> {
    const passed = new Set<Peer>(skip)
    const reasons: string[] = []
    for (;;) {
      const peer = this.#hashcatPeers().find((p) => !passed.has(p))
      if (!peer) {
        if (reasons.length > 0) throw new InvalidInputError(`no hashcat worker could ${what} -m ${mode}: ${reasons.join('; ')}`)
        if (!wait) throw new InvalidInputError(`-m ${mode} is not one of our modes: hashcat workers run it, and none is connected (start one: npm run worker -- --backend hashcat)`)
        this.#events.emit('log', 'info', `waiting for a hashcat worker to ${what} -m ${mode}, which only hashcat workers run (start one with --backend hashcat; --local-worker takes --local-backend hashcat)`)
        await new Promise<void>((resolve) => this.#waiting.push(resolve))
        continue
      }
      passed.add(peer)
      try {
        const reply = await this.#question(peer, message)
        const wrong = check(reply)
        if (wrong) {
          peer.session.destroy(new ProtocolError(wrong))
          reasons.push(`${peer.worker!.name}: ${wrong}`)
          continue
        }
        if (reply.error !== undefined) throw new Unanswered(reply.error)
        return { answer: reply as T, peer }
      } catch (error) {
        if (!(error instanceof Unanswered)) throw error
        reasons.push(`${peer.worker!.name}: ${error.message || 'it left'}`)
      }
    }
  }

  // One question to one worker: its answer, or Unanswered when it leaves first or takes too long.
  #question (peer: Peer, message: (id: string) => ServerMessage): Promise<Checked | Confirmed> {
    const id = `q${++this.#seq}`
    return new Promise<Checked | Confirmed>((resolve, reject) => {
      const timer = setTimeout(() => question.gone(`no answer in ${this.#answerTimeoutMs / 1000} s`), this.#answerTimeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.#open.delete(id)
      }
      const question: Question = { peer, answer: (reply) => { done(); resolve(reply) }, gone: (why) => { done(); reject(new Unanswered(why)) } }
      this.#open.set(id, question)
      peer.session.send(message(id))
    })
  }

  #hashcatPeers (): Peer[] {
    return [...this.#links.peers].filter((peer) => peer.worker && isHashcat(peer.worker) && !peer.worker.quarantined && !peer.session.closed)
  }
}

// Whether hashcat's line is the one sent, but for letter case.
function sameButCase (line: Uint8Array, sent: Uint8Array): boolean {
  return line.length === sent.length && Buffer.from(line).toString('latin1').toLowerCase() === Buffer.from(sent).toString('latin1').toLowerCase()
}

function ordinal (n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'
  return `${n}${suffix}`
}
