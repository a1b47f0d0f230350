// The scalar segment kernel: builds each candidate in place in a padded block (only the bytes the
// odometer changed are rewritten), compresses it, and tests the key state word against the bitmap.
import type { Algorithm } from '../algorithms.ts'
import type { Segment } from '../keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES } from '../keyspace/spec.ts'
import { writeMessage } from './modes.ts'
import { HASH_SHAPES, MessageHasher, writeBitLength, type HashShape } from './scalar.ts'
import type { SegmentKernel } from './segment-kernel.ts'
import { KEY_WORD, type TargetSet } from './targets.ts'

export function scalarSegmentKernel (targets: TargetSet, segment: Segment, digits: Int32Array): SegmentKernel {
  const shape = HASH_SHAPES[targets.hash]
  const length = segment.charsets.length
  const blocks = Math.ceil((length + 1 + shape.lengthBytes) / shape.blockBytes)
  const padded = new Uint8Array(blocks * shape.blockBytes)
  for (let i = 0; i < length; i++) padded[i] = segment.charsets[i][digits[i]]
  padded[length] = 0x80
  writeBitLength(shape, padded, length)
  const view = new DataView(padded.buffer)
  const littleEndian = !shape.bigEndian
  const words = new Int32Array(padded.length / 4)
  for (let w = 0; w < words.length; w++) words[w] = view.getInt32(4 * w, littleEndian)
  const state = new Int32Array(shape.stateWords)
  const blockWords = shape.blockBytes / 4
  const blockViews = Array.from({ length: blocks }, (_, b) => words.subarray(b * blockWords, (b + 1) * blockWords))
  const { bitmap, mask } = targets
  const keyWord = KEY_WORD[targets.hash]
  const charsets = segment.charsets

  return {
    found: 0,
    run (count, maybes) {
      let found = 0
      let n = 0
      while (n < count && found < maybes.length) {
        hashBlocks(shape, blockViews, state)
        const key = state[keyWord]
        if ((bitmap[(key & mask) >>> 5] & (1 << (key & 31))) !== 0) maybes[found++] = n
        n++
        // Odometer step: the last position moves fastest; rewrite only the words whose bytes changed.
        for (let i = length - 1; i >= 0; i--) {
          const charset = charsets[i]
          let digit = digits[i] + 1
          if (digit === charset.length) digit = 0
          digits[i] = digit
          padded[i] = charset[digit]
          words[i >> 2] = view.getInt32(i & ~3, littleEndian)
          if (digit !== 0) break
        }
      }
      this.found = found
      return n
    }
  }
}

function hashBlocks (shape: HashShape, blockViews: Int32Array[], state: Int32Array): void {
  state.set(shape.init)
  for (let b = 0; b < blockViews.length; b++) shape.compress(state, blockViews[b])
}

// For messages that are not a segment (NTLM over bytes beyond ASCII): each candidate is built in
// place, turned into its message and hashed with the scalar reference. Slow, and only for those.
export function scalarMessageKernel (algorithm: Algorithm, targets: TargetSet, segment: Segment, digits: Int32Array): SegmentKernel {
  const length = segment.charsets.length
  const charsets = segment.charsets
  const plaintext = Uint8Array.from(digits, (d, i) => charsets[i][d])
  const message = new Uint8Array(2 * MAX_CANDIDATE_BYTES + 2)
  const hasher = new MessageHasher(targets.hash, message.length)
  const { bitmap, mask } = targets
  const keyWord = KEY_WORD[targets.hash]
  return {
    found: 0,
    run (count, maybes) {
      let found = 0
      let n = 0
      while (n < count && found < maybes.length) {
        const key = hasher.hash(message, 0, writeMessage(algorithm, plaintext, 0, length, message))[keyWord]
        if ((bitmap[(key & mask) >>> 5] & (1 << (key & 31))) !== 0) maybes[found++] = n
        n++
        for (let i = length - 1; i >= 0; i--) {
          let digit = digits[i] + 1
          if (digit === charsets[i].length) digit = 0
          digits[i] = digit
          plaintext[i] = charsets[i][digit]
          if (digit !== 0) break
        }
      }
      this.found = found
      return n
    }
  }
}
