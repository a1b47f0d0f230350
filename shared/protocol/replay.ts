// Refuses a replayed first handshake message cheaply (WireGuard's approach): message 1 carries the
// worker's clock, encrypted and authenticated with the token, and the server remembers the ephemeral
// keys it saw within the window. A key seen before is refused before any ECDH; reading the clock
// takes one (es), and the server's key generation and second ECDH come only after the clock passes.
// A message older than the window is refused outright; a younger one is refused if its key was seen.
import { HANDSHAKE_REPLAY_WINDOW_MS, MAX_REMEMBERED_HANDSHAKES } from './limits.ts'

export type ReplayVerdict = 'fresh' | 'stale' | 'replayed' | 'busy'

export class ReplayGuard {
  readonly #seen = new Map<string, number>() // ephemeral key (hex) -> when it may be forgotten
  readonly #windowMs: number
  readonly #capacity: number
  readonly #now: () => number

  constructor (options: { windowMs?: number, capacity?: number, now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? HANDSHAKE_REPLAY_WINDOW_MS
    this.#capacity = options.capacity ?? MAX_REMEMBERED_HANDSHAKES
    this.#now = options.now ?? Date.now
  }

  // The cheap pre-check, before the clock can be read (which costs an ECDH): a key seen in the window.
  seen (ephemeralKey: Uint8Array): boolean {
    return this.#seen.has(Buffer.from(ephemeralKey).toString('hex'))
  }

  check (ephemeralKey: Uint8Array, sentAt: number): ReplayVerdict {
    const now = this.#now()
    if (Math.abs(now - sentAt) > this.#windowMs) return 'stale'
    this.#forgetExpired(now)
    const key = Buffer.from(ephemeralKey).toString('hex')
    if (this.#seen.has(key)) return 'replayed'
    // Full of keys still inside the window: refuse rather than forget one that could then be replayed.
    if (this.#seen.size >= this.#capacity) return 'busy'
    // A key must be remembered as long as its timestamp is acceptable: until sentAt + window.
    this.#seen.set(key, sentAt + this.#windowMs)
    return 'fresh'
  }

  #forgetExpired (now: number): void {
    // Insertion order is close to expiry order; stop at the first entry still needed.
    for (const [key, expiry] of this.#seen) {
      if (expiry > now) break
      this.#seen.delete(key)
    }
  }
}
