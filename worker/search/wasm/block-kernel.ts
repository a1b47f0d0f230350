// The WASM SIMD block kernel: hashes a batch of whole single-block messages of any lengths (wordlist,
// rule and hybrid candidates), four (SHA-512: two) per step. JS builds each message in `scratch` and
// commits it into its slot, padded and laid out lane by lane as the module loads it, four bytes at a
// time; one call hashes the batch and returns the slots whose key digest word passed the prefilter.
import type { HashFunction } from '../../../shared/algorithms.ts'
import { HASH_SHAPES } from '../../../shared/hashing/scalar.ts'
import type { TargetSet } from '../targets.ts'
import { KEYS, MAYBES, TABLE, TABLE_BYTES, buildSearchModule, comparedFor, instantiate, lanesOf, simdSupported, widthOf } from './module.ts'

const GROUP_BYTES = 256 // 16 message words of one vector each

export class BlockKernel {
  // Longest message one block holds: the block less the 0x80 byte and the length field.
  readonly maxLength: number
  readonly capacity: number // slots per batch
  // Where the caller builds a message before `commit` copies it into a slot, four bytes at a time.
  readonly scratch: Uint8Array
  readonly #scratchWords: Int32Array
  readonly #search: (v0: number, v1: number) => number
  readonly #table: Int32Array // memory as i32
  readonly #chunks: Int32Array // slot's message words written last time, so the next clears only what it must
  readonly #slotAt: Int32Array // each slot's first i32 in memory
  readonly #chunkAt: Int32Array // where 4-byte chunk c of a message goes, in i32 from its slot's first
  readonly #swap: boolean // big-endian words: each chunk's bytes reversed
  readonly #lengthAt: number // i32 offset, from a slot's first, of the bit length

  private constructor (hash: HashFunction, targets: TargetSet, scratchBytes: number) {
    const compared = comparedFor(targets)
    const { search, memory } = instantiate(`block ${hash} ${compared}`, () => buildSearchModule({ hash, compared, stride: GROUP_BYTES }, (g) => Array.from({ length: 16 }, (_, w) => g.entry(w))), targets, compared, this)
    const shape = HASH_SHAPES[hash]
    const wordBytes = widthOf(hash) / 8
    this.maxLength = shape.blockBytes - 1 - shape.lengthBytes
    const lanes = lanesOf(hash)
    this.capacity = (TABLE_BYTES / GROUP_BYTES) * lanes
    this.#search = search
    this.#table = new Int32Array(memory.buffer)
    // The last block kernel of this shape may have left messages: start from zeros, as #chunks says.
    new Uint8Array(memory.buffer, TABLE, TABLE_BYTES).fill(0)
    this.#chunks = new Int32Array(this.capacity)
    // Groups of `lanes` slots share GROUP_BYTES; within one, lane L's words start L words in.
    this.#slotAt = Int32Array.from({ length: this.capacity }, (_, slot) => (TABLE + Math.floor(slot / lanes) * GROUP_BYTES + (slot % lanes) * wordBytes) / 4)
    this.#swap = shape.bigEndian
    // Message word w of a lane sits 16 bytes after word w - 1. A 64-bit big-endian word keeps its
    // second 4-byte chunk first in memory.
    this.#chunkAt = Int32Array.from({ length: shape.blockBytes / 4 }, (_, c) => {
      const word = Math.floor((4 * c) / wordBytes)
      const half = wordBytes === 8 ? 1 - (c & 1) : 0
      return word * 4 + half
    })
    // The bit length fits in its field's low 32 bits: MD5's word 14, the big-endian hashes' word 15
    // (SHA-512's 64-bit word 15 keeps its low half first in memory).
    this.#lengthAt = (shape.bigEndian ? 15 : 14) * 4
    this.scratch = new Uint8Array(Math.ceil(scratchBytes / 4) * 4 + 4)
    this.#scratchWords = new Int32Array(this.scratch.buffer)
  }

  // `scratchBytes`: the longest message a caller builds in `scratch` (longer ones it hashes elsewhere).
  static create (hash: HashFunction, targets: TargetSet, scratchBytes: number): BlockKernel | null {
    return simdSupported() ? new BlockKernel(hash, targets, scratchBytes) : null
  }

  // Copies the message scratch[0, length) (at most maxLength bytes) into `slot`, padded.
  commit (slot: number, length: number): void {
    const scratch = this.scratch
    scratch[length] = 0x80
    for (let i = length + 1; (i & 3) !== 0; i++) scratch[i] = 0
    const chunks = (length + 4) >> 2
    const first = this.#slotAt[slot]
    const table = this.#table
    const at = this.#chunkAt
    const words = this.#scratchWords
    if (this.#swap) for (let c = 0; c < chunks; c++) table[first + at[c]] = bswap(words[c])
    else for (let c = 0; c < chunks; c++) table[first + at[c]] = words[c]
    for (let c = chunks, stale = this.#chunks[slot]; c < stale; c++) table[first + at[c]] = 0
    this.#chunks[slot] = chunks
    table[first + this.#lengthAt] = length * 8
  }

  // Hashes slots [0, count); returns how many passed, their slots readable with `passed(i)`.
  run (count: number): number {
    return this.#search(0, count)
  }

  passed (i: number): number {
    return this.#table[MAYBES / 4 + i]
  }

  // The key digest word of the i-th passing slot, for the exact look-up (targets.ts hasKey).
  passedKey (i: number): number {
    return this.#table[KEYS / 4 + i]
  }
}

function bswap (x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)
}
