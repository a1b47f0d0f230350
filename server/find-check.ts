// Whether a claimed find is a target's preimage, and the digests of work verification's canaries. A
// fast hash is computed on the spot; a slow scheme's thousands of rounds (4 ms for sha512crypt here,
// a second for a Django hash of 870,000 iterations) go to a thread, so a worker reporting a hundred
// users' finds at once, or canaries planted in a bcrypt job, cannot hold the event loop, and with it
// every other peer's heartbeat.
import { Piscina } from 'piscina'
import type { Algorithm } from '../shared/algorithms.ts'
import { canaryTarget, isSlow, matches } from '../shared/hashing/modes.ts'
import { threadExecArgv } from '../shared/threads.ts'
import type { FindCheckRequest } from './find-check-thread.ts'

// One thread: checks are rare, and the other core serves the event loop.
const CHECK_THREADS = 1
const THREAD_FILE = new URL('./find-check-thread.ts', import.meta.url).href

export class FindCheck {
  #pool: Piscina<FindCheckRequest, boolean | Uint8Array | null> | null = null

  // True or false at once for a fast hash; a promise for a slow one (aborted with `signal`: its
  // sender is gone).
  check (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array, signal: AbortSignal): boolean | Promise<boolean> {
    if (!isSlow(algorithm)) return matches(algorithm, target, plaintext)
    return this.#run({ kind: 'check', algorithm, target, plaintext }, signal) as Promise<boolean>
  }

  // A canary of `candidate` with `source`'s salt (canaryTarget): at once for a fast hash, a promise
  // for a slow one.
  canary (algorithm: Algorithm, source: Uint8Array | null, candidate: Uint8Array): Uint8Array | null | Promise<Uint8Array | null> {
    if (!isSlow(algorithm) || !source) return canaryTarget(algorithm, source, candidate)
    return this.#run({ kind: 'canary', algorithm, source, candidate }) as Promise<Uint8Array | null>
  }

  #run (request: FindCheckRequest, signal?: AbortSignal): Promise<boolean | Uint8Array | null> {
    this.#pool ??= new Piscina({ filename: THREAD_FILE, minThreads: 0, maxThreads: CHECK_THREADS, idleTimeout: 30_000, execArgv: threadExecArgv(false) })
    return this.#pool.run(request, { signal })
  }

  async close (): Promise<void> {
    await this.#pool?.destroy()
    this.#pool = null
  }
}
