// The WASM SIMD block kernel: hashes a batch of whole single-block messages of any lengths (wordlist,
// rule and hybrid candidates), four (SHA-512: two) per step. JS writes each message into its slot,
// already padded and laid out lane by lane as the module loads it; one call hashes the batch and
// returns the slots whose key digest word passed the prefilter.
import type { HashFunction } from '../../algorithms.ts'
import { HASH_SHAPES } from '../scalar.ts'
import type { TargetSet } from '../targets.ts'
import { MAYBES, TABLE, TABLE_BYTES, buildSearchModule, byteInWord, comparedFor, instantiate, lanesOf, simdSupported, widthOf } from './module.ts'

const GROUP_BYTES = 256 // 16 message words of one vector each

export class BlockKernel {
  // Longest message one block holds: the block less the 0x80 byte and the length field.
  readonly maxLength: number
  readonly capacity: number // slots per batch
  readonly #search: (v0: number, v1: number) => number
  readonly #bytes: Uint8Array
  readonly #words: Int32Array
  readonly #lengths: Int32Array // each slot's message length, so the next message clears only what it must
  readonly #wordBytes: number
  readonly #lanes: number
  readonly #byteOffset: Int32Array // where message byte i sits within a slot's lane
  readonly #lengthWord: number // i32 index, within a slot's lane, of the bit length
  readonly #laneMask: number

  private constructor (hash: HashFunction, targets: TargetSet) {
    const compared = comparedFor(targets)
    const { search, memory } = instantiate(`block ${hash} ${compared}`, () => buildSearchModule({ hash, compared, stride: GROUP_BYTES }, (g) => Array.from({ length: 16 }, (_, w) => g.entry(w))), targets, compared)
    const shape = HASH_SHAPES[hash]
    this.maxLength = shape.blockBytes - 1 - shape.lengthBytes
    this.#lanes = lanesOf(hash)
    this.#laneMask = this.#lanes - 1
    this.capacity = (TABLE_BYTES / GROUP_BYTES) * this.#lanes
    this.#search = search
    this.#bytes = new Uint8Array(memory.buffer)
    this.#words = new Int32Array(memory.buffer)
    this.#lengths = new Int32Array(this.capacity) // memory starts zeroed
    this.#wordBytes = widthOf(hash) / 8
    // Byte i of a message is in word i / wordBytes, stored 16 bytes apart per word.
    this.#byteOffset = Int32Array.from({ length: shape.blockBytes }, (_, i) => Math.floor(i / this.#wordBytes) * 16 + byteInWord(hash, i))
    // The bit length fits in its field's low 32 bits: MD5's word 14, the big-endian hashes' word 15
    // (SHA-512's 64-bit word 15 keeps its low half first in memory).
    this.#lengthWord = (shape.bigEndian ? 15 : 14) * 16 / 4
  }

  static create (hash: HashFunction, targets: TargetSet): BlockKernel | null {
    return simdSupported() ? new BlockKernel(hash, targets) : null
  }

  // Writes message source[from, to) (at most maxLength bytes) into `slot`, padded.
  put (slot: number, source: Uint8Array, from: number, to: number): void {
    const bytes = this.#bytes
    const offsets = this.#byteOffset
    const base = TABLE + (slot - (slot & this.#laneMask)) * (GROUP_BYTES / this.#lanes) + (slot & this.#laneMask) * this.#wordBytes
    const length = to - from
    for (let i = 0; i < length; i++) bytes[base + offsets[i]] = source[from + i]
    bytes[base + offsets[length]] = 0x80
    for (let i = length + 1, end = this.#lengths[slot] + 1; i < end; i++) bytes[base + offsets[i]] = 0
    this.#lengths[slot] = length
    this.#words[(base >> 2) + this.#lengthWord] = length * 8
  }

  // Hashes slots [0, count); returns how many passed, their slots readable with `passed(i)`.
  run (count: number): number {
    return this.#search(0, count)
  }

  passed (i: number): number {
    return this.#words[MAYBES / 4 + i]
  }
}
