// How long a worker (or ctl) waits before its next connection attempt: 1 s doubling to 30 s by
// default, less up to a quarter at random so a fleet that lost its server does not reconnect in
// step; never more than the cap, so a restarted server has its workers back within it.
export const RECONNECT_INITIAL_DELAY_MS = 1_000
export const RECONNECT_MAX_DELAY_MS = 30_000

export function reconnectDelay (failures: number, initialMs = RECONNECT_INITIAL_DELAY_MS, random = Math.random, maxMs = RECONNECT_MAX_DELAY_MS): number {
  const delay = Math.min(maxMs, initialMs * 2 ** failures)
  return delay - random() * delay / 4
}

// A sleep that `wake` ends early (a stopping worker does not wait out its backoff).
export class Backoff {
  #wake: (() => void) | null = null

  sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#wake = () => { clearTimeout(timer); resolve() }
    })
  }

  wake (): void {
    this.#wake?.()
  }
}
