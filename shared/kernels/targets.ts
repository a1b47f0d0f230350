// The targets of a search, as kernels see them: digest words, plus a bitmap over each digest's first
// word so a candidate is rejected with one memory read. A bitmap hit is only a maybe; the search
// driver verifies every maybe in full.
import type { Algorithm } from '../algorithms.ts'
import { HASH_SHAPES, digestWords } from './scalar.ts'

export type TargetSet = {
  algorithm: Algorithm
  digests: Uint8Array[]
  firstWords: Int32Array
  bitmap: Uint32Array // bit (w & mask) is set for each target's first word w
  mask: number
}

// Enough bits that false positives stay rare with thousands of targets, small enough to stay in cache.
function bitmapBits (targets: number): number {
  return Math.min(24, Math.max(16, Math.ceil(Math.log2(targets)) + 14))
}

export function targetSet (algorithm: Algorithm, digests: Uint8Array[]): TargetSet {
  const shape = HASH_SHAPES[algorithm]
  const bits = bitmapBits(digests.length)
  const bitmap = new Uint32Array(2 ** (bits - 5))
  const mask = 2 ** bits - 1
  const firstWords = Int32Array.from(digests, (d) => digestWords(shape, d)[0])
  for (const w of firstWords) bitmap[(w & mask) >>> 5] |= 1 << (w & 31)
  return { algorithm, digests, firstWords, bitmap, mask }
}

export function mightMatch (targets: TargetSet, firstWord: number): boolean {
  return (targets.bitmap[(firstWord & targets.mask) >>> 5] & (1 << (firstWord & 31))) !== 0
}
