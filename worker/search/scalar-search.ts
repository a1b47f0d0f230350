// The scalar segment kernel: builds each candidate in place in a padded block (only the bytes the
// odometer changed are rewritten), compresses it, and tests the key state word against the bitmap.
import type { Algorithm } from '../../shared/algorithms.ts'
import type { Segment } from '../../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES } from '../../shared/keyspace/spec.ts'
import { digestOf, isScheme, writeMessage } from '../../shared/hashing/modes.ts'
import { type SaltGroup } from './salts.ts'
import { HASH_SHAPES, MessageHasher, writeBitLength, type HashShape } from '../../shared/hashing/scalar.ts'
import type { SegmentKernel } from './segment-kernel.ts'
import { keyOf, mayMatch, type TargetSet } from './targets.ts'

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
  const passes = () => {
    hashBlocks(shape, blockViews, state)
    return mayMatch(targets, keyOf(targets.hash, state))
  }
  // Rewrite only the words whose bytes changed.
  return odometerKernel(segment, digits, padded, passes, (i) => { words[i >> 2] = view.getInt32(i & ~3, littleEndian) })
}

// Walks a segment's odometer over `bytes` (the candidate, rewritten in place; the last position moves
// fastest), asking `passes` about each candidate; `changed(i)` hears of each byte a step rewrote.
function odometerKernel (segment: Segment, digits: Int32Array, bytes: Uint8Array, passes: () => boolean, changed?: (i: number) => void): SegmentKernel {
  const charsets = segment.charsets
  return {
    found: 0,
    run (count, maybes) {
      let found = 0
      let n = 0
      while (n < count && found < maybes.length) {
        if (passes()) maybes[found++] = n
        n++
        for (let i = charsets.length - 1; i >= 0; i--) {
          let digit = digits[i] + 1
          if (digit === charsets[i].length) digit = 0
          digits[i] = digit
          bytes[i] = charsets[i][digit]
          changed?.(i)
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

// For messages that are not a segment (NTLM over bytes beyond ASCII, crypt schemes): each candidate is
// built in place, turned into its message and hashed with the scalar reference (crypt: run through
// its scheme). Slow, and only for those.
export function scalarMessageKernel (algorithm: Algorithm, group: SaltGroup, segment: Segment, digits: Int32Array): SegmentKernel {
  const length = segment.charsets.length
  const charsets = segment.charsets
  const plaintext = Uint8Array.from(digits, (d, i) => charsets[i][d])
  const message = new Uint8Array(2 * MAX_CANDIDATE_BYTES + group.salt.length)
  const targets = group.set
  const hasher = new MessageHasher(targets.hash, message.length)
  const passes = isScheme(algorithm)
    ? () => group.find(digestOf(algorithm, plaintext, group.salt, group.rounds)) !== undefined
    : () => mayMatch(targets, keyOf(targets.hash, hasher.hash(message, 0, writeMessage(algorithm, plaintext, 0, length, message, group.salt))))
  return odometerKernel(segment, digits, plaintext, passes)
}
