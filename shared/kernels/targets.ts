// The targets of a search, as kernels see them: digests, plus a bitmap over one word of each digest
// (the key word) so a candidate is rejected with one memory read. A bitmap hit is only a maybe; the
// search driver verifies every maybe in full.
import { toHex, type HashFunction } from '../algorithms.ts'
import { HASH_SHAPES, digestWords } from './scalar.ts'

export type TargetSet = {
  hash: HashFunction
  digests: Uint8Array[]
  hex: Set<string> // the digests, for verifying a maybe in O(1) whatever the target count
  keyWords: Int32Array
  bitmap: Uint32Array // bit (w & mask) is set for each target's key word w
  mask: number
}

// Enough bits that false positives stay rare with thousands of targets, small enough to stay in cache.
function bitmapBits (targets: number): number {
  return Math.min(24, Math.max(16, Math.ceil(Math.log2(targets)) + 14))
}

// The digest word (in 32-bit state words) a kernel computes earliest, so it can stop there. SHA-1's
// fifth word is its `a` of round 76 and SHA-2's fourth is `a` of the fourth-last round: the last
// three rounds are skipped. MD5's and MD4's first words are already their earliest (steps 60 and 44).
export const KEY_WORD: Record<HashFunction, number> = { md4: 0, md5: 0, sha1: 4, sha256: 3, sha512: 6 }

export function targetSet (hash: HashFunction, digests: Uint8Array[]): TargetSet {
  const shape = HASH_SHAPES[hash]
  const bits = bitmapBits(digests.length)
  const bitmap = new Uint32Array(2 ** (bits - 5))
  const mask = 2 ** bits - 1
  const keyWords = Int32Array.from(digests, (d) => digestWords(shape, d)[KEY_WORD[hash]])
  for (const w of keyWords) bitmap[(w & mask) >>> 5] |= 1 << (w & 31)
  return { hash, digests, hex: new Set(digests.map(toHex)), keyWords, bitmap, mask }
}
