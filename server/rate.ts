// The one way speeds are measured: an exponentially smoothed rate of a running count, sampled no
// more often than `minIntervalMs` so bursts of reports do not make it jump. Worker speeds (chunk
// sizing), job speeds (dashboard, progress lines) and the fleet's total all come from here.
export const RATE_MIN_INTERVAL_MS = 250
// Weight of a new sample against the smoothed speed.
export const RATE_WEIGHT = 0.3

export class RateMeter {
  #at: number | null = null
  #count = 0
  #speed = 0

  // Per second; 0 until two samples are at least RATE_MIN_INTERVAL_MS apart.
  get speed (): number { return this.#speed }

  // Starts the next sample here, the speed unchanged: time the count could not move (a hashcat
  // starting) is no slowness.
  rebase (count: number, now: number): void {
    this.#at = now
    this.#count = count
  }

  // `count` is a running total (candidates so far); returns the updated speed.
  update (count: number, now: number): number {
    if (this.#at === null) {
      this.#at = now
      this.#count = count
      return 0
    }
    const elapsed = now - this.#at
    if (elapsed < RATE_MIN_INTERVAL_MS) return this.#speed
    const sample = (count - this.#count) * 1000 / elapsed
    this.#speed = this.#speed === 0 ? sample : this.#speed * (1 - RATE_WEIGHT) + sample * RATE_WEIGHT
    this.#at = now
    this.#count = count
    return this.#speed
  }
}
