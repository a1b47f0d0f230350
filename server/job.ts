// The handle addTasks returns: events, a promise of the outcome, and controls.
import { EventEmitter } from 'node:events'
import { describeKeyspace } from '../shared/keyspace/keyspace.ts'
import type { FoundResult, JobState, JobStatus } from './scheduler/scheduler.ts'

export type JobOutcome = {
  status: 'found' | 'exhausted' | 'cancelled'
  found: { hash: string, plaintext: string }[]
  hashed: bigint
}

export interface JobEvents {
  found: [{ hash: string, plaintext: string, bytes: Uint8Array }]
  end: [JobOutcome]
}

export interface JobControls {
  cancel (jobId: string): void
  setPaused (jobId: string, paused: boolean): void
}

export class Job extends EventEmitter<JobEvents> {
  readonly done: Promise<JobOutcome>
  readonly #state: JobState
  readonly #controls: JobControls
  #resolve!: (outcome: JobOutcome) => void

  constructor (state: JobState, controls: JobControls) {
    super()
    this.#state = state
    this.#controls = controls
    this.done = new Promise((resolve) => { this.#resolve = resolve })
  }

  get id (): string { return this.#state.id }
  get status (): JobStatus { return this.#state.status }
  get hashed (): bigint { return this.#state.hashed }
  get keyspaceSize (): bigint { return this.#state.keyspace.size }
  get state (): Readonly<JobState> { return this.#state }

  // Completed chunks plus the progress reported on chunks in flight: for display, never for accounting.
  get searched (): bigint {
    let inFlight = 0n
    for (const chunk of this.#state.active.values()) inFlight += BigInt(chunk.hashed)
    return this.#state.hashed + inFlight
  }

  get keyspaceText (): string { return describeKeyspace(this.#state.keyspace.spec) }

  cancel (): void { this.#controls.cancel(this.id) }
  pause (): void { this.#controls.setPaused(this.id, true) }
  resume (): void { this.#controls.setPaused(this.id, false) }

  // Called by the orchestrator.
  reportFound (result: FoundResult): void {
    this.emit('found', { hash: result.hash, plaintext: Buffer.from(result.plaintext).toString('latin1'), bytes: result.plaintext })
  }

  reportEnd (): void {
    const s = this.#state
    const outcome: JobOutcome = {
      status: s.status as JobOutcome['status'],
      found: s.found.map((f) => ({ hash: f.hash, plaintext: Buffer.from(f.plaintext).toString('latin1') })),
      hashed: s.hashed
    }
    this.emit('end', outcome)
    this.#resolve(outcome)
  }
}
