// The handle addTasks returns: events, a promise of the outcome, controls, and read-only figures.
import { EventEmitter } from 'node:events'
import { describeKeyspace } from '../shared/keyspace/spec.ts'
import { RateMeter } from './rate.ts'
import { formatPlaintext } from './pot-format.ts'
import { priorityOf } from './job-description.ts'
import { inFlight, type Confirmation, type EndStatus, type FoundResult, type JobState, type JobStatus } from './scheduler/state.ts'

// A result as the library reports it: the target in hashcat's format (a hex digest, `digest:salt`, a
// crypt hash), the plaintext as latin1 text (one character per byte, so nothing is lost) and as
// bytes, and the users the target belongs to when the job named them.
// confirmation: for a mode we have no kernel for, whose hashcat confirmed the find.
export type Found = { hash: string, plaintext: string, bytes: Uint8Array, users: string[], confirmation?: Confirmation }

export type JobOutcome = {
  status: EndStatus
  found: Found[]
  hashed: bigint
}

export interface JobEvents {
  found: [Found]
  end: [JobOutcome]
}

export interface JobControls {
  cancel (jobId: string): void
  setPaused (jobId: string, paused: boolean): void
  setPriority (jobId: string, priority: number): void
}

// An outcome for JSON.stringify, which refuses bigints: the count as decimal text, results as text
// (hashcat's potfile form for the plaintext when it is not printable UTF-8).
export type JobOutcomeJson = { status: EndStatus, found: { hash: string, plaintext: string }[], hashed: string }

export function outcomeJson (outcome: JobOutcome): JobOutcomeJson {
  return { status: outcome.status, hashed: outcome.hashed.toString(), found: outcome.found.map((f) => ({ hash: f.hash, plaintext: formatPlaintext(f.bytes) })) }
}

export function foundOf (result: FoundResult, users: Record<string, string[]> = {}): Found {
  const found: Found = { hash: result.hash, plaintext: Buffer.from(result.plaintext).toString('latin1'), bytes: result.plaintext, users: users[result.hash] ?? [] }
  if (result.confirmation) found.confirmation = result.confirmation
  return found
}

// A file submitted through ctl is kept as <uploads>/<its SHA-256>/<its name> (control-role.ts): it is
// shown by its name, as the user gave it.
const UPLOADED_DIRECTORY = /\S*\/[0-9a-f]{64}\/(?=[^/\s]+)/g

export class Job extends EventEmitter<JobEvents> {
  readonly done: Promise<JobOutcome>
  readonly #state: JobState
  readonly #controls: JobControls
  #meter = new RateMeter()
  readonly users: Readonly<Record<string, string[]>>
  readonly keyspaceText: string // as a user would write it; made once, shown on every redraw
  #resolve!: (outcome: JobOutcome) => void

  constructor (state: JobState, controls: JobControls, users: Record<string, string[]> = {}) {
    super()
    this.#state = state
    this.#controls = controls
    this.users = users
    this.keyspaceText = describeKeyspace(state.keyspace.spec).replace(UPLOADED_DIRECTORY, '')
    this.done = new Promise((resolve) => { this.#resolve = resolve })
    this.#meter.update(Number(state.hashed), state.createdAt) // what a restored job had searched is not this run's speed
  }

  get id (): string { return this.#state.id }
  get status (): JobStatus { return this.#state.status }
  get hashed (): bigint { return this.#state.hashed }
  get keyspaceSize (): bigint { return this.#state.keyspace.size }
  get state (): Readonly<JobState> { return this.#state }

  // Completed chunks plus the progress reported on chunks in flight: for display, never for accounting.
  get searched (): bigint {
    return this.#state.hashed + BigInt(inFlight(this.#state))
  }

  // Candidates per second lately, 0 unless running; whoever displays it samples it (about once a second).
  speed (now = Date.now()): number {
    const speed = this.#meter.update(Number(this.searched), now)
    return this.#state.status === 'running' ? speed : 0
  }

  cancel (): void { this.#controls.cancel(this.id) }
  pause (): void { this.#controls.setPaused(this.id, true) }
  // A whole number from 0 to MAX_PRIORITY (server/job-description.ts); higher runs first.
  setPriority (priority: number): void { this.#controls.setPriority(this.id, priorityOf(priority)) }
  // A resumed job's speed starts afresh: its speed before the pause is not what it does now.
  resume (): void {
    this.#meter = new RateMeter()
    this.#meter.update(Number(this.searched), Date.now())
    this.#controls.setPaused(this.id, false)
  }

  // Up to `count` of its results from index `from`, and where the next page starts (null: no more).
  results (from: number, count: number): { page: readonly FoundResult[], next: number | null } {
    const page = this.#state.found.slice(from, from + count)
    return { page, next: from + page.length < this.#state.found.length ? from + page.length : null }
  }

  // Called by the orchestrator.
  reportFound (result: FoundResult): void {
    this.emit('found', foundOf(result, this.users))
  }

  reportEnd (): void {
    const s = this.#state
    const outcome: JobOutcome = { status: s.status as EndStatus, found: s.found.map((f) => foundOf(f, this.users)), hashed: s.hashed }
    this.emit('end', outcome)
    this.#resolve(outcome)
  }
}
