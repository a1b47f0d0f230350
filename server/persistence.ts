// What the server keeps: results in the potfile, and with a session, jobs, completed chunks, results
// and job ends in the journal. Everything goes through one write queue, in order; a failing disk
// holds the writes, and the running jobs are paused, until it works again.
import { EventEmitter } from 'node:events'
import type { StoreError } from '../shared/errors.ts'
import type { LogLevel } from '../shared/log.ts'
import type { Scheduler } from './scheduler/scheduler.ts'
import type { Effect, EndStatus, JobState } from './scheduler/state.ts'
import type { WordlistSource } from './inputs/wordlist.ts'
import type { Journal } from './store/journal.ts'
import type { Potfile } from './store/potfile.ts'
import { WriteQueue } from './store/write-queue.ts'
import { hasPotfileForm, parseTarget, potfileKey, type Algorithm } from '../shared/algorithms.ts'

// The jobs a failing store pauses: `resumed` hands out a job's work again once the store recovers.
export type PausedJobs = { scheduler: Scheduler, resumed: (jobId: string) => void, log: (level: LogLevel, message: string) => void }

// `recovered` carries the job ends held back until their results were written (holdEnd).
export class Persistence extends EventEmitter<{ failed: [StoreError], recovered: [Effect[]] }> {
  readonly #potfile: Potfile | null
  readonly #journal: Journal | null
  readonly #writes: WriteQueue
  readonly #jobs: PausedJobs
  readonly #paused = new Set<string>() // by the store's failure, not by the user
  // Each result found and not yet in both files: its job, and how many of its writes are left.
  readonly #unwritten = new Map<number, { jobId: string, writes: number }>()
  #results = 0
  readonly #heldEnds: Effect[] = []

  constructor (potfile: Potfile | null, journal: Journal | null, jobs: PausedJobs, retryMs?: number) {
    super()
    this.#potfile = potfile
    this.#journal = journal
    this.#jobs = jobs
    this.#writes = new WriteQueue(retryMs)
    this.#writes.on('failed', (error) => this.#failed(error))
    this.#writes.on('recovered', (written) => this.#recovered(written))
  }

  get failing (): boolean { return this.#writes.failing }
  get pending (): number { return this.#writes.pending }

  get unwrittenResults (): number { return this.#unwritten.size }

  // A job's end waits while one of its results is not in the potfile and the journal yet: true when
  // this one is held (it comes back with 'recovered').
  holdEnd (effect: Extract<Effect, { type: 'ended' }>): boolean {
    for (const result of this.#unwritten.values()) {
      if (result.jobId !== effect.job.id) continue
      this.#heldEnds.push(effect)
      this.#jobs.log('warn', `job ${effect.job.id} has ended (${effect.job.status}), but stays open until its results are written`)
      return true
    }
    return false
  }

  // A job's record, written before anything about it; a job added while the store fails waits.
  recordJob (state: JobState, source: WordlistSource | null, users: Record<string, string[]> | undefined): void {
    const journal = this.#journal
    if (journal) this.#writes.write(() => journal.recordJob(state, source, users))
    if (this.#writes.failing && this.#jobs.scheduler.setPaused(state.id, true)) this.#paused.add(state.id)
  }

  recordPriority (jobId: string, priority: number): void {
    const journal = this.#journal
    if (journal) this.#writes.write(() => journal.recordPriority(jobId, priority))
  }

  // The user paused or resumed the job: it is theirs to resume, not the store's.
  release (jobId: string): void { this.#paused.delete(jobId) }

  // The effects that must be kept. A job's end is not journaled while the server stops (`stopping`):
  // a stopped server's session goes on with --restore, as a crashed one's does.
  record (effects: readonly Effect[], stopping: boolean): void {
    const potfile = this.#potfile
    const journal = this.#journal
    for (const effect of effects) {
      if (effect.type === 'found') {
        const { job, result } = effect
        const writes = [potfile && (() => potfile.append(potfileText(job.algorithm, result), result.plaintext)), journal && (() => journal.recordFound(job.id, result))].filter((w) => w !== null)
        const id = ++this.#results
        if (writes.length > 0) this.#unwritten.set(id, { jobId: job.id, writes: writes.length })
        for (const write of writes) {
          this.#writes.write(() => {
            write()
            if (--this.#unwritten.get(id)!.writes === 0) this.#unwritten.delete(id)
          })
        }
      } else if (journal && effect.type === 'completed') {
        const { job, offset, length } = effect
        this.#writes.write(() => journal.recordCompleted(job.id, offset, length))
      } else if (journal && effect.type === 'reopened') {
        const { job, offset, length } = effect
        this.#writes.write(() => journal.recordReopened(job.id, offset, length))
      } else if (journal && effect.type === 'ended' && !stopping) {
        const { job } = effect
        this.#writes.write(() => journal.recordEnd(job.id, job.status as EndStatus))
      }
    }
  }

  #failed (error: StoreError): void {
    const { scheduler, log } = this.#jobs
    for (const job of scheduler.jobs.values()) {
      if (job.status === 'running' && scheduler.setPaused(job.id, true)) this.#paused.add(job.id)
    }
    log('error', `${error.message}: jobs paused; what was found is kept in memory and written when the disk accepts it again (retried every few seconds)`)
    this.emit('failed', error)
  }

  #recovered (written: number): void {
    const { scheduler, resumed, log } = this.#jobs
    log('info', `the potfile and journal are writable again: ${written} held-back write(s) done; resuming jobs`)
    for (const id of this.#paused) if (scheduler.setPaused(id, false)) resumed(id)
    this.#paused.clear()
    this.emit('recovered', this.#heldEnds.splice(0))
  }

  // One last try at what a failing disk held back; true when everything is written.
  flush (): boolean { return this.#writes.flush() }
  close (): void { this.#writes.close() }
}

// The key a result goes into the potfile under: its hash, or a mode's own key (WPA's PMK and ESSID).
function potfileText (algorithm: Algorithm, result: { hash: string, plaintext: Uint8Array }): string {
  return hasPotfileForm(algorithm) ? potfileKey(algorithm, parseTarget(algorithm, result.hash), result.plaintext) : result.hash
}
