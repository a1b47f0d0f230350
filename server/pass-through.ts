// Modes we have no kernel for, passed through to hashcat workers (docs/attacks.md, "Any hashcat
// mode"). The server cannot hash them, so it asks a hashcat worker's hashcat: to read a list's hash
// lines before the job starts (each comes back as hashcat writes it, the form its outfile and potfile
// use, or with hashcat's reason for refusing it), and to confirm each find, on another hashcat worker
// than the finder where there is one. A worker that leaves with a question open is replaced by the
// next; one that answers what it was not asked is dropped.
import type { EventEmitter } from 'node:events'
import { formatTarget, passThroughMode, type PassThrough } from '../shared/algorithms.ts'
import { HashcatError, InvalidInputError, ProtocolError } from '../shared/errors.ts'
import { MAX_CHECKED_LINES, MAX_TARGET_BATCH_BYTES } from '../shared/protocol/limits.ts'
import type { Checked, Confirmed } from '../shared/protocol/worker-protocol.ts'
import type { ServerEvents } from './fleet.ts'
import type { Peer, WorkerLinks } from './peers.ts'
import { isHashcat, type Confirmation } from './scheduler/state.ts'


// A worker that could not answer (its hashcat failed): the question goes to the next.
class Unanswered extends Error {}

type Question = { peer: Peer, answer: (reply: Checked | Confirmed) => void, gone: () => void }

export class HashcatDesk {
  readonly #links: WorkerLinks
  readonly #events: EventEmitter<ServerEvents>
  readonly #open = new Map<string, Question>()
  #waiting: (() => void)[] = []
  #seq = 0

  constructor (links: WorkerLinks, events: EventEmitter<ServerEvents>) {
    this.#links = links
    this.#events = events
  }

  get hashcatWorkers (): number { return this.#hashcatPeers().length }

  // A hashcat worker joined: lists waiting for one are read now.
  joined (): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const wake of waiting) wake()
  }

  // A worker left: what it was asked goes to another.
  left (peer: Peer): void {
    for (const question of this.#open.values()) if (question.peer === peer) question.gone()
  }

  // A worker's answer: to a question it was asked, or it breaks the protocol.
  answer (peer: Peer, reply: Checked | Confirmed): void {
    const question = this.#open.get(reply.id)
    if (!question || question.peer !== peer) throw new ProtocolError(`${reply.type.toUpperCase()} ${reply.id}, which it was not asked`)
    question.answer(reply)
  }

  // Each line as hashcat -m N wrote it back, or InvalidInputError naming every line it refused (its
  // index among `lines`, its text and hashcat's reason). `wait`: wait for a hashcat worker to join
  // when none is connected, instead of refusing.
  async checkLines (algorithm: PassThrough, lines: readonly Uint8Array[], wait: boolean): Promise<Uint8Array[]> {
    const checked: (Uint8Array | string)[] = []
    for (let first = 0; first < lines.length;) {
      let end = first
      for (let bytes = 0; end < lines.length && end - first < MAX_CHECKED_LINES && (end === first || bytes + lines[end].length <= MAX_TARGET_BATCH_BYTES); end++) bytes += lines[end].length
      const batch = lines.slice(first, end)
      const reply = await this.#ask(algorithm, wait, null, (id) => ({ type: 'check', id, mode: passThroughMode(algorithm), lines: [...batch] }), 'checked')
      if (reply.lines!.length !== batch.length) throw new ProtocolError(`CHECKED ${reply.id} holds ${reply.lines!.length} lines for ${batch.length}`)
      checked.push(...reply.lines!)
      first = end
    }
    const refused = checked.flatMap((line, i) => typeof line === 'string' ? [`"${formatTarget(algorithm, lines[i]).slice(0, 80)}" (hash ${i + 1}): ${line}`] : [])
    if (refused.length > 0) {
      throw new InvalidInputError(`hashcat -m ${passThroughMode(algorithm)} refused ${refused.length} of the ${lines.length} hash(es): ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? `; and ${refused.length - 5} more` : ''}`)
    }
    return checked as Uint8Array[]
  }

  // Who confirmed that `plaintext` cracks `hash` (a hashcat worker's hashcat: another than the
  // finder's where one is connected), or null when it does not. Throws HashcatError when no hashcat
  // worker could try it.
  async confirm (algorithm: PassThrough, hash: Uint8Array, plaintext: Uint8Array, finder: Peer): Promise<Confirmation | null> {
    const reply = await this.#ask(algorithm, false, finder, (id) => ({ type: 'confirm', id, mode: passThroughMode(algorithm), hash, plaintext }), 'confirmed')
    return reply.cracks ? { by: reply.by, byFinder: reply.peer === finder } : null
  }

  // Asks hashcat workers in turn (the one in `avoid` last) until one answers; a worker whose hashcat
  // failed is skipped, and one that leaves is replaced. Resolves with the answer and who gave it.
  async #ask<K extends 'checked' | 'confirmed'> (algorithm: PassThrough, wait: boolean, avoid: Peer | null, message: (id: string) => Parameters<Peer['session']['send']>[0], kind: K):
    Promise<Extract<Checked | Confirmed, { type: K }> & { by: string, peer: Peer }> {
    const failed = new Set<Peer>()
    const reasons: string[] = []
    for (;;) {
      const peers = this.#hashcatPeers().filter((peer) => !failed.has(peer)).sort((a, b) => Number(a === avoid) - Number(b === avoid))
      const peer = peers[0]
      if (!peer) {
        if (failed.size > 0) throw new HashcatError(`no hashcat worker could read -m ${passThroughMode(algorithm)}: ${reasons.join('; ')}`)
        if (!wait) throw new InvalidInputError(`-m ${passThroughMode(algorithm)} is not one of our modes: hashcat workers run it, and none is connected (start one: npm run worker -- --backend hashcat)`)
        this.#events.emit('log', 'info', `waiting for a hashcat worker to read the hashes of -m ${passThroughMode(algorithm)}, which only hashcat workers run`)
        await new Promise<void>((resolve) => this.#waiting.push(resolve))
        continue
      }
      try {
        const reply = await this.#question(peer, message)
        if (reply.type !== kind) throw new ProtocolError(`${reply.type.toUpperCase()} ${reply.id} for a ${kind === 'checked' ? 'CHECK' : 'CONFIRM'}`)
        if (reply.error !== undefined) throw new Unanswered(reply.error)
        return { ...(reply as Extract<Checked | Confirmed, { type: K }>), by: peer.worker!.name, peer }
      } catch (error) {
        if (!(error instanceof Unanswered)) throw error
        failed.add(peer)
        if (error.message) reasons.push(`${peer.worker!.name}: ${error.message}`)
      }
    }
  }

  // One question to one worker: its answer, or Unanswered with no reason when it leaves first.
  #question (peer: Peer, message: (id: string) => Parameters<Peer['session']['send']>[0]): Promise<Checked | Confirmed> {
    const id = `q${++this.#seq}`
    return new Promise<Checked | Confirmed>((resolve, reject) => {
      const done = () => this.#open.delete(id)
      this.#open.set(id, { peer, answer: (reply) => { done(); resolve(reply) }, gone: () => { done(); reject(new Unanswered('')) } })
      peer.session.send(message(id))
    })
  }

  #hashcatPeers (): Peer[] {
    return [...this.#links.peers].filter((peer) => peer.worker && isHashcat(peer.worker) && !peer.worker.quarantined && !peer.session.closed)
  }
}
