// Writes to the potfile and the journal, in order. A write that fails (disk full, say) stays at the
// head of the queue with everything after it, and is retried every `retryMs` until it succeeds:
// nothing is lost and nothing is reordered. The orchestrator pauses jobs while the queue is failing.
import { EventEmitter } from 'node:events'
import { StoreError } from '../../shared/errors.ts'

export const STORE_RETRY_MS = 5_000

export interface WriteQueueEvents {
  failed: [StoreError] // the first failure after a time of success
  recovered: [number] // how many queued writes went through
}

export class WriteQueue extends EventEmitter<WriteQueueEvents> {
  readonly #retryMs: number
  readonly #pending: (() => void)[] = []
  #timer: NodeJS.Timeout | null = null
  #failing = false
  #writtenWhileFailing = 0

  constructor (retryMs = STORE_RETRY_MS) {
    super()
    this.#retryMs = retryMs
  }

  get failing (): boolean { return this.#pending.length > 0 }
  get pending (): number { return this.#pending.length }

  write (operation: () => void): void {
    this.#pending.push(operation)
    if (this.#pending.length === 1) this.flush()
  }

  // Runs what is queued; true when nothing is left. Called on write, by the retry timer, at shutdown.
  flush (): boolean {
    while (this.#pending.length > 0) {
      try {
        this.#pending[0]()
      } catch (error) {
        const failure = error instanceof StoreError ? error : new StoreError('the store', error as Error)
        if (!this.#failing) {
          this.#failing = true
          this.emit('failed', failure)
        }
        this.#retryLater()
        return false
      }
      this.#pending.shift()
      if (this.#failing) this.#writtenWhileFailing++
    }
    if (this.#failing) {
      const written = this.#writtenWhileFailing
      this.#failing = false
      this.#writtenWhileFailing = 0
      this.emit('recovered', written)
    }
    return true
  }

  #retryLater (): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.flush()
    }, this.#retryMs)
    this.#timer.unref()
  }

  close (): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }
}
