// Work verification's arithmetic (docs/verification.md): how many canaries a job wants and where
// they may go, and how a chunk is cut so that it holds one at a random place.
import { MAX_COMPARED_TARGETS } from '../../shared/algorithms.ts'
import type { Range } from './ranges.ts'
import type { JobState } from './state.ts'

// Past the kernels' compared few, more targets cost a search nothing, but each new batch makes every
// worker repack the job's list: a long list gets its canaries this many at a time, once half are used.
export const CANARY_BATCH = 8
// Canaries go among the next this-many chunks' worth of unassigned indices per canary wanted, so the
// chunks cut next hold them, whichever worker takes them.
const WINDOW_CHUNKS_PER_CANARY = 2

// How many canaries to plant now, and the unassigned indices to draw them from.
export type CanaryRoom = { count: number, window: Range[] }

export function canaryRoom (job: JobState, typicalChunk: number): CanaryRoom | null {
  const left = job.remaining.size
  // A job of exactly the compared few gets none: one more target would move every kernel off the
  // direct comparison (MD5 end to end: 0.84x).
  if (left === MAX_COMPARED_TARGETS) return null
  const few = left < MAX_COMPARED_TARGETS
  const limit = few ? MAX_COMPARED_TARGETS - left : 2 * CANARY_BATCH
  const live = job.canaries.size
  if (few ? live >= limit : live > CANARY_BATCH) return null
  let span = BigInt(Math.max(job.lastChunkLength, typicalChunk)) * BigInt(WINDOW_CHUNKS_PER_CANARY * limit)
  const window: Range[] = []
  for (const { offset, end } of job.unassigned) {
    if (span <= 0n) break
    const take = end - offset < span ? end - offset : span
    window.push({ offset, end: offset + take })
    span -= take
  }
  return window.length > 0 ? { count: limit - live, window } : null
}

// A uniformly drawn index of the window (`random` in [0, 1)).
export function indexIn (window: Range[], random: () => number): bigint {
  const size = window.reduce((n, r) => n + r.end - r.offset, 0n)
  let at = BigInt(Math.floor(random() * Number(size)))
  if (at >= size) at = size - 1n
  for (const { offset, end } of window) {
    if (at < end - offset) return offset + at
    at -= end - offset
  }
  throw new RangeError('empty window')
}

// Which unassigned range holds `index` (-1 if none).
export function unassignedRangeOf (job: JobState, index: bigint): number {
  let lo = 0
  let hi = job.unassigned.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const range = job.unassigned[mid]
    if (index < range.offset) hi = mid - 1
    else if (index >= range.end) lo = mid + 1
    else return mid
  }
  return -1
}

// A cut of `size` candidates from the unassigned range holding `index`, placed so the index falls at
// a random position in it (clipped to the range; the caller clips the length further).
export function steeredCut (job: JobState, index: bigint, size: number, random: () => number): { index: number, offset: bigint, length: number } {
  const which = unassignedRangeOf(job, index)
  const range = job.unassigned[which]
  const before = BigInt(Math.floor(random() * size))
  const offset = index - before > range.offset ? index - before : range.offset
  return { index: which, offset, length: size }
}
