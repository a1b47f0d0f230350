// Whether a claimed find is a target's preimage. A fast hash is checked on the spot; a crypt scheme's
// thousands of rounds (27 ms for sha512crypt here) go to a thread, so a worker reporting a hundred
// users' finds at once cannot hold the event loop, and with it every other peer's heartbeat.
import { Piscina } from 'piscina'
import type { Algorithm } from '../shared/algorithms.ts'
import { isScheme, matches } from '../shared/hashing/modes.ts'
import { threadExecArgv } from '../shared/threads.ts'
import type { FindCheckRequest } from './find-check-thread.ts'

// One thread: checks are rare, and the other core serves the event loop.
const CHECK_THREADS = 1
const THREAD_FILE = new URL('./find-check-thread.ts', import.meta.url).href

export class FindCheck {
  #pool: Piscina<FindCheckRequest, boolean> | null = null

  // True or false at once for a fast scheme; a promise for a slow one (aborted with `signal`: its
  // sender is gone).
  check (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array, signal: AbortSignal): boolean | Promise<boolean> {
    if (!isScheme(algorithm)) return matches(algorithm, target, plaintext)
    this.#pool ??= new Piscina({ filename: THREAD_FILE, minThreads: 0, maxThreads: CHECK_THREADS, idleTimeout: 30_000, execArgv: threadExecArgv(false) })
    return this.#pool.run({ algorithm, target, plaintext }, { signal })
  }

  async close (): Promise<void> {
    await this.#pool?.destroy()
    this.#pool = null
  }
}
