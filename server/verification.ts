// Work verification (docs/verification.md): the server plants canaries, candidates at secret random
// indices of a job's unassigned work, whose targets every worker seeks beside the job's own without
// telling them apart. A worker that reports a chunk holding one DONE without having found it did not
// search it (the scheduler catches it: server/scheduler/scheduler.ts). This room draws the indices,
// makes the candidates and their targets, and hands them to the scheduler and the links.
import { randomInt } from 'node:crypto'
import { ALGORITHM_INFO, infoOf } from '../shared/algorithms.ts'
import { decodeHexForm, isHexForm } from '../shared/hex-form.ts'
import { isSlow } from '../shared/hashing/modes.ts'
import { candidateAt } from '../shared/keyspace/keyspace.ts'
import { wordParts, wordVariant, type WordParts } from '../shared/keyspace/word-variant.ts'
import { RULE_BUFFER_BYTES } from '../shared/rules/rules.ts'
import type { EventEmitter } from 'node:events'
import type { FindCheck } from './find-check.ts'
import type { ServerEvents } from './fleet.ts'
import type { WordlistFiles } from './intake.ts'
import type { WorkerLinks } from './peers.ts'
import { indexIn } from './scheduler/canaries.ts'
import type { Scheduler } from './scheduler/scheduler.ts'
import { isLive, workerSummary, type Canary, type Effect, type JobState } from './scheduler/state.ts'

// Indices drawn per canary before giving up for now (a rule that rejects most words, a keyspace
// whose unassigned part is all taken).
const DRAWS_PER_CANARY = 8
// A job where a round of draws planted fewer canaries than it wanted (its candidates are its own
// targets, its rules reject most words) is not drawn for again this soon: a round hashes candidates,
// and dispatch comes with every report.
const REDRAW_AFTER_MS = 1_000
// A target's salt is borrowed from one of the first this-many targets left (a canary of a salted or
// crypt mode shares a real target's salt, so it costs no search pass of its own).
const SALT_SOURCES = 64

// Uniform in [0, 1), from the operating system's generator: a worker must not predict where canaries are.
export function secureRandom (): number {
  return randomInt(2 ** 48 - 1) / 2 ** 48
}

// `canaries`: where a canary's target is made (a slow scheme's in a thread: server/find-check.ts).
export type VerifierHost = { scheduler: Scheduler, links: WorkerLinks, events: EventEmitter<ServerEvents>, canaries: Pick<FindCheck, 'canary'> }


export class Verifier {
  readonly #host: VerifierHost
  readonly #random: () => number
  readonly #reading = new Set<string>() // jobs whose canaries are being made (words read, slow digests)
  readonly #parts = new Map<string, WordParts>() // made once per wordlist job
  readonly #resting = new Map<string, number>() // job id -> when it may be drawn for again

  constructor (host: VerifierHost, random = secureRandom) {
    this.#host = host
    this.#random = random
  }

  // Plants what each live job wants; a wordlist job's words are read first, and a slow scheme's
  // digests made in a thread, so their canaries come a moment later.
  topUp (): void {
    const { scheduler } = this.#host
    for (const job of scheduler.jobs.values()) {
      if (this.#reading.has(job.id) || (this.#resting.get(job.id) ?? 0) > Date.now()) continue
      const room = scheduler.canaryRoom(job.id)
      if (!room) continue
      const indices = Array.from({ length: room.count * DRAWS_PER_CANARY }, () => indexIn(room.window, this.#random))
      const files = this.#host.links.files(job.id)
      const wordlist = job.keyspace.spec.type === 'wordlist'
      const fail = (error: Error) => { this.#host.events.emit('log', 'warn', `job ${job.id}: no canaries for now: ${error.message}`) }
      if (!wordlist && !isSlow(job.algorithm)) {
        this.#plant(job, room.count, indices.map((index) => ({ index, candidate: candidateAt(job.keyspace, index) }))).catch(fail)
        continue
      }
      if (wordlist && !files) continue
      this.#reading.add(job.id)
      const candidates = wordlist ? this.#wordCandidates(job, files!, indices) : Promise.resolve(indices.map((index) => ({ index, candidate: candidateAt(job.keyspace, index) })))
      candidates.then((list) => this.#plant(job, room.count, list)).catch(fail).finally(() => this.#reading.delete(job.id))
    }
  }

  forget (jobId: string): void {
    this.#parts.delete(jobId)
    this.#resting.delete(jobId)
  }

  // A canary's check is over, or a worker was caught.
  announce (effect: Extract<Effect, { type: 'retired' | 'caught' }>): void {
    if (effect.type === 'retired') return this.#host.links.retired(effect.job, effect.canary, effect.workerIds)
    const { worker, job, chunkId } = effect
    this.#host.events.emit('log', 'error', `worker ${worker.name} (${worker.address}) reported chunk ${chunkId} of job ${job.id} searched, but did not find the check ` +
      'candidate planted in it: it skips work or computes wrong. It gets no more work while connected, and every range it completed is searched again')
    this.#host.events.emit('worker-caught', workerSummary(worker), job.id)
  }

  // Plants up to `count` of the candidates, in order: each one's target is made, a slow scheme's in
  // the thread and only as needed, and planted unless the scheduler refuses its index (assigned
  // meanwhile, say), when the next is tried. With fast targets it runs to its end before returning.
  // What is planted goes to the workers before the next wait: once planted, a canary may be in the
  // next chunk handed out, and that chunk's worker must already seek it.
  async #plant (job: JobState, count: number, candidates: { index: bigint, candidate: Uint8Array | null }[]): Promise<void> {
    let planted = 0
    let unsent: Canary[] = []
    const send = () => {
      if (unsent.length > 0) this.#host.links.canaries(job, unsent)
      unsent = []
    }
    for (const { index, candidate } of candidates) {
      // Words were read or digests made meanwhile: the job may have ended, its last target found.
      if (planted === count || !isLive(job) || job.remaining.size === 0) break
      if (!candidate) continue
      let target = this.#targetOf(job, candidate)
      if (target instanceof Promise) {
        send()
        target = await target
      }
      if (!target) continue
      const canary = this.#host.scheduler.plantCanary(job.id, index, target, candidate)
      if (canary) {
        planted++
        unsent.push(canary)
      }
    }
    send()
    if (planted < count) this.#resting.set(job.id, Date.now() + REDRAW_AFTER_MS)
  }

  // The candidate's target, with the salt (and rounds, or a scheme's parameters) of one of the job's
  // targets left (canaryTarget); null for a candidate no target can have.
  #targetOf (job: JobState, candidate: Uint8Array): Uint8Array | null | Promise<Uint8Array | null> {
    return this.#host.canaries.canary(job.algorithm, infoOf(job.algorithm).kind === 'plain' ? null : this.#saltSource(job), candidate)
  }

  // One of the first targets left, at random: a canary borrows its salt (and rounds, or parameters).
  #saltSource (job: JobState): Uint8Array {
    const pick = Math.floor(this.#random() * Math.min(job.remaining.size, SALT_SOURCES))
    const left = job.remaining.bytes()
    let source = left.next().value as Uint8Array
    for (let i = 0; i < pick; i++) source = left.next().value as Uint8Array
    return source
  }

  // Each index's candidate, from its word as a worker is sent it (null where a rule rejects the word).
  async #wordCandidates (job: JobState, files: WordlistFiles, indices: bigint[]): Promise<{ index: bigint, candidate: Uint8Array | null }[]> {
    const { keyspace } = job
    const spec = keyspace.spec
    if (spec.type !== 'wordlist') throw new Error('not a wordlist job')
    let parts = this.#parts.get(job.id)
    if (parts === undefined) this.#parts.set(job.id, parts = wordParts(spec, files))
    const out: { index: bigint, candidate: Uint8Array | null }[] = []
    const buf = new Uint8Array(RULE_BUFFER_BYTES)
    const decoded = new Uint8Array(RULE_BUFFER_BYTES)
    for (const index of indices) {
      const read = await files.list.read(index / keyspace.perWord, 1)
      const hex = isHexForm(read)
      const word = hex ? decoded.subarray(0, decodeHexForm(read, 0, read.length, decoded)) : read
      const n = wordVariant(keyspace, parts, word, 0, word.length, index % keyspace.perWord, buf)
      out.push({ index, candidate: n < 0 ? null : buf.slice(0, n) })
    }
    return out
  }
}
