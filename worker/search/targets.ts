// The targets of a search, as kernels see them: digests, and three tests on one word of each digest
// (the key word), cheapest first. A small bitmap on its low bits, sized to stay in cache, rejects most
// candidates with one read; a larger one on its high bits rejects most of the rest; then the key word
// is looked up exactly in a sorted table. Only a candidate passing all three is hashed again in full
// by the search driver, which compares the whole digest (its salt group's `find`).
import { MAX_COMPARED_TARGETS, type HashFunction } from '../../shared/algorithms.ts'
import { HASH_SHAPES, sha256EarlyKey, sha512EarlyKey } from '../../shared/hashing/scalar.ts'

// A job's targets as the worker's threads share them, packed once: target i is
// bytes[ends[i - 1] .. ends[i]). `id` names the packing, so a thread indexes it once.
export type PackedTargets = { id: number, bytes: Uint8Array, ends: Uint32Array }

export type TargetSet = {
  hash: HashFunction
  keyWords: Int32Array // each target's key word, in target order
  keys: Int32Array // the key words, sorted (signed)
  // For each target's key word w, two bits of the 32-bit word (w & smallMask) >>> 5: bits w & 31
  // and (w >>> smallBits) & 31. Two bits in one word cost one read, and pass a third as many
  // candidates as one bit would (100,000 targets: 3.7% rather than 9.1%).
  small: Uint32Array
  smallBits: number
  smallMask: number
  large: Uint32Array // bit (w >>> largeShift) is set for each target's key word w
  largeShift: number
  // Each target's whole digest when there are at most MAX_COMPARED_TARGETS: kernels that compare so few
  // targets directly may work back from them (MD5's and MD4's reversal, wasm/reversal.ts).
  digests: readonly Uint8Array[] | null
}

// Both bitmaps have eight bits a target. The small one stops at 1 MiB: up to 100,000 targets it
// stays in a core's L2 (128 KiB). A million in 128 KiB would set most bits and send 63% of
// candidates on to the large bitmap; in 1 MiB (L3) it sends 5%. The large one grows to 2^26 bits
// (8 MiB), where 10 M targets still leave six candidates in seven out. At 100,000 targets both fit
// in L2 together: a 1 MiB large bitmap (16 bits a target) measured 8% slower, although it sent
// fewer candidates on to the exact look-up.
export const SMALL_BITMAP_MAX_BITS = 23
export const LARGE_BITMAP_MAX_BITS = 26

const bitsFor = (targets: number, spare: number, min: number, max: number) => Math.min(max, Math.max(min, Math.ceil(Math.log2(Math.max(targets, 1))) + spare))

// The digest word (in 32-bit state words) a kernel computes earliest, so it can stop there. SHA-1's
// fifth word is its `a` of round 76: the last three rounds are skipped. MD5's and MD4's first words
// are already their earliest (steps 60 and 44). SHA-2's key is worked back from the whole digest
// instead, seven rounds before the end (scalar.ts sha256EarlyKey, sha512EarlyKey).
const KEY_WORD: Record<'md4' | 'md5' | 'sha1', number> = { md4: 0, md5: 0, sha1: 4 }

export function targetSet (hash: HashFunction, digests: Uint8Array[]): TargetSet {
  return targetSetOfKeys(hash, Int32Array.from(digests, (d) => digestKey(hash, d, 0)), digests)
}

// The key of a finished hash, from its state words (the digest as the hash's words).
export function keyOf (hash: HashFunction, state: Int32Array): number {
  return hash === 'sha256' ? sha256EarlyKey(state) : hash === 'sha512' ? sha512EarlyKey(state) : state[KEY_WORD[hash]]
}

const digestState = new Int32Array(16)

// The key of the digest at bytes[at..].
export function digestKey (hash: HashFunction, bytes: Uint8Array, at: number): number {
  const shape = HASH_SHAPES[hash]
  const words = hash === 'sha256' || hash === 'sha512' ? shape.stateWords : KEY_WORD[hash] + 1
  for (let w = 0; w < words; w++) {
    const i = at + 4 * w
    digestState[w] = shape.bigEndian
      ? (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]
      : bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
  }
  return keyOf(hash, digestState)
}

export function targetSetOfKeys (hash: HashFunction, keyWords: Int32Array, digests: readonly Uint8Array[] | null = null): TargetSet {
  const smallBits = bitsFor(keyWords.length, 3, 10, SMALL_BITMAP_MAX_BITS)
  const largeBits = bitsFor(keyWords.length, 3, 16, LARGE_BITMAP_MAX_BITS)
  const small = new Uint32Array(2 ** (smallBits - 5))
  const large = new Uint32Array(2 ** (largeBits - 5))
  const smallMask = 2 ** smallBits - 1
  const largeShift = 32 - largeBits
  for (const w of keyWords) {
    small[(w & smallMask) >>> 5] |= smallBitsOf(w, smallBits)
    const b = w >>> largeShift
    large[b >>> 5] |= 1 << (b & 31)
  }
  const keys = keyWords.slice().sort()
  return { hash, keyWords, keys, small, smallBits, smallMask, large, largeShift, digests: digests && digests.length <= MAX_COMPARED_TARGETS ? digests : null }
}

const smallBitsOf = (key: number, smallBits: number) => (1 << (key & 31)) | (1 << ((key >>> smallBits) & 31))

// The two bitmaps' verdict on a key word: false means no target has it.
export function passesBitmaps (set: TargetSet, key: number): boolean {
  const bits = smallBitsOf(key, set.smallBits)
  if ((set.small[(key & set.smallMask) >>> 5] & bits) !== bits) return false
  const b = key >>> set.largeShift
  return (set.large[b >>> 5] & (1 << (b & 31))) !== 0
}

// Whether some target has exactly this key word.
export function hasKey (set: TargetSet, key: number): boolean {
  const i = firstKey(set.keys, key)
  return i < set.keys.length && set.keys[i] === key
}

// Where `key` is, or would go, in sorted key words: the first index holding it or a greater one.
export function firstKey (keys: Int32Array, key: number): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

// All three tests: whether a candidate with this key word must be hashed again in full.
export function mayMatch (set: TargetSet, key: number): boolean {
  return passesBitmaps(set, key) && hasKey(set, key)
}
