// A worker's (and ctl's) wait before reconnecting: doubling from 1 s, jittered below, never past
// the cap (waits of 66-72 s were seen when jitter was added above a 60 s cap).
import { describe, expect, it } from 'vitest'
import { RECONNECT_MAX_DELAY_MS, reconnectDelay } from '../shared/backoff.ts'

describe('reconnectDelay', () => {
  it('doubles from 1 s to the cap, jitter taking off up to a quarter and never adding', () => {
    expect([0, 1, 2, 3].map((failures) => reconnectDelay(failures, 1_000, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000])
    for (const failures of [5, 10, 50]) {
      expect(reconnectDelay(failures, 1_000, () => 0.999_999)).toBeLessThanOrEqual(RECONNECT_MAX_DELAY_MS)
      expect(reconnectDelay(failures, 1_000, () => 0.999_999)).toBeGreaterThanOrEqual(RECONNECT_MAX_DELAY_MS * 0.75)
      expect(reconnectDelay(failures, 1_000, () => 0)).toBe(RECONNECT_MAX_DELAY_MS)
    }
    expect(RECONNECT_MAX_DELAY_MS).toBe(30_000)
  })
})
