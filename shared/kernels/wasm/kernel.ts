// The WASM SIMD kernel, hashcat-style. A candidate splits into a prefix (every position but the last
// few) and a tail (the last few, the fastest odometer positions). For one prefix, a table holds the
// tail's message-word bits for every tail value, laid out lane by lane; the module, emitted for this
// algorithm and candidate length, hashes four (SHA-512: two) tail values per step. Everything that
// depends only on the prefix is computed once per call, everything constant was folded when the
// module was built. One call covers a run of tail values; JS moves the prefix odometer between calls.
import type { HashFunction } from '../../algorithms.ts'
import type { Segment } from '../../keyspace/keyspace.ts'
import { HASH_SHAPES, writeBitLength } from '../scalar.ts'
import type { SegmentKernel } from '../segment-kernel.ts'
import { hasKey, type TargetSet } from '../targets.ts'
import type { Graph, Value } from './graph.ts'
import { md5Reversed } from './md5-reversal.ts'
import { KEYS, MAX_TABLE_VALUES, MAYBES, PREFIX, TABLE, TARGETS, buildSearchModule, byteInWord, comparedFor, instantiate, lanesOf, simdSupported, widthOf } from './module.ts'

const MAX_TAIL_POSITIONS = 4

export type Layout = {
  hash: HashFunction
  length: number // candidate bytes
  tail: number[] // the tail's positions, fastest last: the last positions whose charset has more than one byte
  tailWords: number[] // message words holding tail bytes (one or two)
  compared: number // targets compared with SIMD, 0 to use the bitmaps alone
  reversedWord?: number // MD5 against compared targets, with the tail in one word: see md5-reversal.ts
}

export function wasmSimdKernel (targets: TargetSet, segment: Segment, digits: Int32Array): SegmentKernel | null {
  const layout = layoutFor(targets, segment)
  if (!layout || !simdSupported()) return null
  return new WasmKernel(layout, targets, segment, digits)
}

// Positions whose charset is a single byte never move (salts, an NTLM candidate's zero bytes): the
// tail skips them, so it is always made of positions that change.
export function layoutFor (targets: TargetSet, segment: Segment): Layout | null {
  const shape = HASH_SHAPES[targets.hash]
  const length = segment.charsets.length
  if (length === 0 || length + 1 + shape.lengthBytes > shape.blockBytes) return null
  const tail: number[] = []
  let values = 1
  for (let i = length - 1; i >= 0 && tail.length < MAX_TAIL_POSITIONS; i--) {
    const size = segment.charsets[i].length
    if (size === 1) continue
    if (values * size > MAX_TABLE_VALUES) break
    values *= size
    tail.unshift(i)
  }
  if (tail.length === 0) return null // nothing changes: one candidate, the scalar kernel's job
  const wordBytes = widthOf(targets.hash) / 8
  const tailWords = [...new Set(tail.map((position) => Math.floor(position / wordBytes)))]
  const compared = comparedFor(targets)
  const reversible = targets.hash === 'md5' && compared > 0 && targets.digests !== null && tailWords.length === 1
  return { hash: targets.hash, length, tail, tailWords, compared, ...(reversible ? { reversedWord: tailWords[0] } : {}) }
}

// The message words of the padded block as the graph sees them: constants where no candidate byte
// falls, prefix inputs where only prefix bytes do, prefix-or-table where tail bytes do.
function messageWords (g: Graph, layout: Layout): Value[] {
  const shape = HASH_SHAPES[layout.hash]
  const width = widthOf(layout.hash)
  const template = new Uint8Array(shape.blockBytes)
  template[layout.length] = 0x80
  writeBitLength(shape, template, layout.length)
  const view = new DataView(template.buffer)
  return Array.from({ length: 16 }, (_, w) => {
    const tail = layout.tailWords.indexOf(w)
    if (tail >= 0) return g.tail(w, tail)
    if (w * (width / 8) < layout.length) return g.prefix(w)
    return g.constant(width === 64 ? view.getBigUint64(8 * w, false) : view.getUint32(4 * w, !shape.bigEndian))
  })
}

class WasmKernel implements SegmentKernel {
  found = 0
  readonly #search: (v0: number, v1: number) => number
  readonly #words: Int32Array // memory as i32, for the maybes
  readonly #targets: TargetSet
  readonly #bytes: Uint8Array // memory as bytes
  readonly #layout: Layout
  readonly #charsets: Uint8Array[]
  readonly #digits: Int32Array // prefix positions only are kept current; the tail is #tail
  readonly #block: Uint8Array // the padded block with tail bytes zeroed
  readonly #tailValues: number
  #tail: number
  #prefixWritten = false
  readonly #message = new Int32Array(16) // the prefix's message words, for the reversal

  constructor (layout: Layout, targets: TargetSet, segment: Segment, digits: Int32Array) {
    const stride = 16 * layout.tailWords.length
    const { search, memory } = instantiate(`segment ${JSON.stringify(layout)}`, () => buildSearchModule({ hash: layout.hash, compared: layout.compared, stride, reversedWord: layout.reversedWord }, (g) => messageWords(g, layout)), targets, layout.compared)
    this.#search = search
    this.#words = new Int32Array(memory.buffer)
    this.#targets = targets
    this.#bytes = new Uint8Array(memory.buffer)
    this.#layout = layout
    this.#charsets = segment.charsets
    this.#digits = digits
    const shape = HASH_SHAPES[layout.hash]
    this.#block = new Uint8Array(shape.blockBytes)
    // Positions after the tail's first that are not in it never move: written once.
    for (let i = layout.tail[0] + 1; i < layout.length; i++) if (!layout.tail.includes(i)) this.#block[i] = segment.charsets[i][0]
    this.#block[layout.length] = 0x80
    writeBitLength(shape, this.#block, layout.length)
    this.#tailValues = this.#writeTable()
    this.#tail = 0
    for (const i of layout.tail) this.#tail = this.#tail * this.#charsets[i].length + digits[i]
  }

  run (count: number, maybes: Int32Array): number {
    let done = 0
    let found = 0
    const first = MAYBES / 4
    const keys = KEYS / 4
    const targets = this.#targets
    const reversed = this.#layout.reversedWord
    while (done < count && found < maybes.length) {
      if (!this.#prefixWritten) this.#writePrefix()
      const v0 = this.#tail
      const v1 = Math.min(this.#tailValues, v0 + (count - done))
      const passed = this.#search(v0, v1)
      let end = v1
      for (let i = 0; i < passed; i++) {
        // Through both bitmaps, but no target's key word. (Reversed, the module compared exactly.)
        if (reversed === undefined && !hasKey(targets, this.#words[keys + i])) continue
        const value = this.#words[first + i]
        // No room left: stop just before this candidate so the next run hashes it again.
        if (found === maybes.length) { end = value; break }
        maybes[found++] = done + value - v0
      }
      done += end - v0
      this.#tail = end
      if (end === this.#tailValues) this.#nextPrefix()
    }
    this.found = found
    return done
  }

  // Every tail value's bytes, placed in its message words, lane by lane.
  #writeTable (): number {
    const { hash, tail, tailWords } = this.#layout
    const lanes = lanesOf(hash)
    const wordBytes = widthOf(hash) / 8
    const radices = tail.map((position) => this.#charsets[position])
    const count = radices.reduce((n, charset) => n * charset.length, 1)
    const stride = 16 * tailWords.length
    const tailDigits = new Int32Array(radices.length)
    const offsets = tail.map((position) => tailWords.indexOf(Math.floor(position / wordBytes)) * 16 + byteInWord(hash, position))
    for (let value = 0; value < count; value++) {
      const entry = TABLE + Math.floor(value / lanes) * stride + (value % lanes) * wordBytes
      for (let i = 0; i < radices.length; i++) this.#bytes[entry + offsets[i]] = radices[i][tailDigits[i]]
      for (let i = radices.length - 1; i >= 0 && ++tailDigits[i] === radices[i].length; i--) tailDigits[i] = 0
    }
    return count
  }

  #writePrefix (): void {
    const { hash, tail } = this.#layout
    for (let i = 0; i < tail[0]; i++) this.#block[i] = this.#charsets[i][this.#digits[i]]
    const wordBytes = widthOf(hash) / 8
    for (let i = 0; i < this.#block.length; i++) this.#bytes[PREFIX + i - (i % wordBytes) + byteInWord(hash, i)] = this.#block[i]
    if (this.#layout.reversedWord !== undefined) this.#writeReversed(this.#layout.reversedWord)
    this.#prefixWritten = true
  }

  // What each compared target asks of this prefix's candidates, in place of its key word.
  #writeReversed (word: number): void {
    const block = this.#block
    const message = this.#message
    for (let w = 0; w < 16; w++) message[w] = block[4 * w] | (block[4 * w + 1] << 8) | (block[4 * w + 2] << 16) | (block[4 * w + 3] << 24)
    const digests = this.#targets.digests!
    for (let i = 0; i < this.#layout.compared; i++) this.#words[TARGETS / 4 + i] = md5Reversed(digests[i], message, word)
  }

  #nextPrefix (): void {
    this.#tail = 0
    this.#prefixWritten = false
    for (let i = this.#layout.tail[0] - 1; i >= 0; i--) {
      if (++this.#digits[i] < this.#charsets[i].length) return
      this.#digits[i] = 0
    }
  }
}
