// The WASM SIMD kernel, hashcat-style. A candidate splits into a prefix, a tail and an outer part. A
// table holds the tail's message-word bits for every tail value, laid out lane by lane; the module,
// emitted for this algorithm and candidate length, hashes four (SHA-512: two) tail values per step.
// Everything that depends only on the rest of the candidate is computed once per call, everything
// constant was folded when the module was built.
//
// Usually the tail is the last few positions, the odometer's fastest, and one call covers a run of
// tail values. Against a few MD5 or MD4 targets the tail may instead be one message word's positions,
// with the positions after it (the outer part) fixed per call: the reversal (reversal.ts) then skips
// the steps after that word's last use. A block, every tail and outer value under one prefix, is
// then hashed in another order than the odometer's, so the kernel hashes a block ahead and hands
// its candidates out in odometer order: the counts and offsets it reports stay exact.
import type { HashFunction } from '../../../shared/algorithms.ts'
import type { Segment } from '../../../shared/keyspace/keyspace.ts'
import { HASH_SHAPES, loadWords, writeBitLength } from '../../../shared/hashing/scalar.ts'
import type { SegmentKernel } from '../segment-kernel.ts'
import { hasKey, type TargetSet } from '../targets.ts'
import type { Graph, Value } from './graph.ts'
import { LAST_USE, reversed, type Reversible } from './reversal.ts'
import { KEYS, MAX_TABLE_VALUES, MAYBES, PREFIX, TABLE, TARGETS, buildSearchModule, byteInWord, comparedFor, comparedTarget, instantiate, lanesOf, simdSupported, widthOf } from './module.ts'

const MAX_TAIL_POSITIONS = 4
// A block with an outer part is hashed whole before it is counted: this bounds the work a cancel
// discards (about 30 ms here).
const MAX_BLOCK_VALUES = 1 << 20
// A one-word tail with an outer part smaller than this pays more for its calls than it saves.
const MIN_ONE_WORD_TABLE = 256
// Steps a candidate takes when nothing is reversed: the last three are skipped (rounds.ts KEY).
const STEPS: Record<Reversible, number> = { md4: 45, md5: 61 }

export type Layout = {
  hash: HashFunction
  length: number // candidate bytes
  tail: number[] // the table's positions, fastest last; positions that change
  outer: number[] // positions after the tail's word that change, set per call (fastest last); often none
  tailWords: number[] // message words holding tail bytes (one or two)
  compared: number // targets compared with SIMD, 0 to use the bitmaps alone
  reversedWord?: number // MD5 or MD4 against compared targets, with the tail in one word: see reversal.ts
}

// `limit`: the most candidates the kernel will be asked for, so it hashes no further ahead.
export function wasmSimdKernel (targets: TargetSet, segment: Segment, digits: Int32Array, limit?: bigint): SegmentKernel | null {
  const layout = layoutFor(targets, segment)
  if (!layout || !simdSupported()) return null
  return new WasmKernel(layout, targets, segment, digits, limit)
}

// Positions whose charset is a single byte never move (salts, an NTLM candidate's zero bytes): the
// tail skips them, so it is always made of positions that change.
export function layoutFor (targets: TargetSet, segment: Segment): Layout | null {
  const hash = targets.hash
  const shape = HASH_SHAPES[hash]
  const length = segment.charsets.length
  if (length === 0 || length + 1 + shape.lengthBytes > shape.blockBytes) return null
  const sizes = segment.charsets.map((c) => c.length)
  const wordBytes = widthOf(hash) / 8
  const tail = lastChanging(sizes, length, 0)
  if (tail.length === 0) return null // nothing changes: one candidate, the scalar kernel's job
  const compared = comparedFor(targets)
  const plain: Layout = { hash, length, tail, outer: [], tailWords: wordsOf(tail, wordBytes), compared }
  const reversible = (hash === 'md5' || hash === 'md4') && compared > 0 && targets.digests !== null ? hash : null
  if (!reversible && hash !== 'sha1') return plain
  // A tail in one message word, latest word first: the tail itself when it already is one, else the
  // changing positions of one word with those after it set per call.
  const oneWord: Layout[] = plain.tailWords.length === 1 ? [plain] : []
  for (let word = Math.floor((length - 1) / wordBytes); word >= 0; word--) {
    const wordEnd = Math.min(length, wordBytes * (word + 1))
    const outer = Array.from({ length: length - wordEnd }, (_, i) => wordEnd + i).filter((i) => sizes[i] > 1)
    const wordTail = lastChanging(sizes, wordEnd, wordBytes * word)
    const values = wordTail.reduce((n, i) => n * sizes[i], 1)
    if (outer.length === 0 || wordTail.length === 0 || values < MIN_ONE_WORD_TABLE) continue
    if (values * outer.reduce((n, i) => n * sizes[i], 1) <= MAX_BLOCK_VALUES) oneWord.push({ ...plain, tail: wordTail, outer, tailWords: [word] })
  }
  // SHA-1: the latest word, as rounds before it are done once per call, and its schedule is shared.
  if (!reversible) return oneWord[0] ?? plain
  // MD5 or MD4 against a few targets: the word that leaves the fewest steps per candidate, those before
  // its first use done once per call, those after its last use undone once per target.
  const word = (layout: Layout) => layout.tailWords[0]
  const steps = (layout: Layout) => layout.tailWords.length === 1 ? LAST_USE[reversible][word(layout)] - 3 - word(layout) : STEPS[reversible] - word(layout)
  const best = [plain, ...oneWord].reduce((a, b) => (steps(b) < steps(a) ? b : a))
  return best.tailWords.length === 1 ? { ...best, reversedWord: best.tailWords[0] } : best
}

// The last positions of [from, to) whose charsets have more than one byte, at most
// MAX_TAIL_POSITIONS of them and MAX_TABLE_VALUES values.
function lastChanging (sizes: number[], to: number, from: number): number[] {
  const positions: number[] = []
  let values = 1
  for (let i = to - 1; i >= from && positions.length < MAX_TAIL_POSITIONS; i--) {
    if (sizes[i] === 1) continue
    if (values * sizes[i] > MAX_TABLE_VALUES) break
    values *= sizes[i]
    positions.unshift(i)
  }
  return positions
}

const wordsOf = (positions: number[], wordBytes: number) => [...new Set(positions.map((position) => Math.floor(position / wordBytes)))]

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
  readonly #digits: Int32Array // kept current for the prefix positions only (those before the tail)
  readonly #block: Uint8Array // the padded block as the current call sees it, tail bytes zeroed
  readonly #message = new Int32Array(16) // the same as message words, for the reversal
  readonly #tailValues: number
  readonly #outerValues: number
  // A block's candidates are numbered tail value × outerValues + outer value: odometer order.
  #at: number // the next candidate to hand out
  #hashed: number // hashed up to here, the passes below it waiting in #passes
  #end: number // the block's end, or the limit's
  #left: bigint // candidates from #at on that the kernel may be asked for
  #passes = new Int32Array(1024) // in ascending order
  #passCount = 0
  #nextPass = 0

  constructor (layout: Layout, targets: TargetSet, segment: Segment, digits: Int32Array, limit?: bigint) {
    const stride = 16 * layout.tailWords.length
    const { search, memory } = instantiate(`segment ${JSON.stringify(layout)}`, () => buildSearchModule({ hash: layout.hash, compared: layout.compared, stride, reversedWord: layout.reversedWord }, (g) => messageWords(g, layout)), targets, layout.compared, this)
    this.#search = search
    this.#words = new Int32Array(memory.buffer)
    this.#targets = targets
    this.#bytes = new Uint8Array(memory.buffer)
    this.#layout = layout
    this.#charsets = segment.charsets
    this.#digits = digits
    const shape = HASH_SHAPES[layout.hash]
    this.#block = new Uint8Array(shape.blockBytes)
    // Positions after the tail's first that are neither tail nor outer never move: written once.
    for (let i = layout.tail[0]; i < layout.length; i++) if (!layout.tail.includes(i)) this.#block[i] = segment.charsets[i][digits[i]]
    this.#block[layout.length] = 0x80
    writeBitLength(shape, this.#block, layout.length)
    this.#writePrefix()
    this.#tailValues = this.#writeTable()
    const valueOf = (positions: number[]) => positions.reduce((n, i) => n * this.#charsets[i].length + digits[i], 0)
    this.#outerValues = layout.outer.reduce((n, i) => n * this.#charsets[i].length, 1)
    this.#at = this.#hashed = valueOf(layout.tail) * this.#outerValues + valueOf(layout.outer)
    let value = 0n
    for (let i = 0; i < layout.length; i++) value = value * BigInt(segment.charsets[i].length) + BigInt(digits[i])
    const rest = segment.first + segment.count - value
    this.#left = limit !== undefined && limit < rest ? limit : rest
    this.#end = this.#at + this.#upTo(this.#tailValues * this.#outerValues - this.#at)
  }

  run (count: number, maybes: Int32Array): number {
    let done = 0
    let found = 0
    while (done < count && found < maybes.length) {
      if (this.#hashed === this.#at) this.#hashBlock()
      const limit = Math.min(this.#hashed, this.#at + (count - done))
      let end = limit
      while (this.#nextPass < this.#passCount && this.#passes[this.#nextPass] < limit) {
        const candidate = this.#passes[this.#nextPass++]
        maybes[found++] = done + candidate - this.#at
        // No room left: stop just after this candidate, as the scalar kernel does.
        if (found === maybes.length) { end = candidate + 1; break }
      }
      done += end - this.#at
      this.#left -= BigInt(end - this.#at)
      this.#at = end
      if (end === this.#end) this.#nextBlock()
    }
    this.found = found
    return done
  }

  // Hashes the block from #at to its end: per outer value, one call over the tail values that fall there.
  #hashBlock (): void {
    const outerValues = this.#outerValues
    const from = this.#at
    const to = this.#end
    const reversed = this.#layout.reversedWord
    this.#passCount = this.#nextPass = 0
    for (let outer = 0; outer < outerValues; outer++) {
      const v0 = Math.max(0, Math.ceil((from - outer) / outerValues))
      const v1 = Math.min(this.#tailValues, Math.ceil((to - outer) / outerValues))
      if (v0 >= v1) continue
      this.#writeCall(outer)
      const passed = this.#search(v0, v1)
      for (let i = 0; i < passed; i++) {
        // Through both bitmaps, but no target's key word. (Reversed, the module compared exactly.)
        if (reversed === undefined && !hasKey(this.#targets, this.#words[KEYS / 4 + i])) continue
        this.#pass(this.#words[MAYBES / 4 + i] * outerValues + outer)
      }
    }
    if (outerValues > 1) this.#passes.subarray(0, this.#passCount).sort()
    this.#hashed = to
  }

  #pass (candidate: number): void {
    if (this.#passCount === this.#passes.length) {
      const grown = new Int32Array(2 * this.#passes.length)
      grown.set(this.#passes)
      this.#passes = grown
    }
    this.#passes[this.#passCount++] = candidate
  }

  // The next prefix's block, from its first candidate.
  #nextBlock (): void {
    for (let i = this.#layout.tail[0] - 1; i >= 0; i--) {
      if (++this.#digits[i] < this.#charsets[i].length) break
      this.#digits[i] = 0
    }
    this.#writePrefix()
    this.#at = this.#hashed = 0
    this.#end = this.#upTo(this.#tailValues * this.#outerValues)
  }

  // `n`, or fewer if the kernel may not be asked for so many.
  #upTo (n: number): number {
    return BigInt(n) < this.#left ? n : Number(this.#left)
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
    for (let i = 0; i < this.#layout.tail[0]; i++) this.#block[i] = this.#charsets[i][this.#digits[i]]
  }

  // The block as one call sees it, outer positions set to `outer`'s digits, into the module's memory.
  #writeCall (outer: number): void {
    const { hash, outer: positions, reversedWord } = this.#layout
    for (let i = positions.length - 1; i >= 0; i--) {
      const charset = this.#charsets[positions[i]]
      this.#block[positions[i]] = charset[outer % charset.length]
      outer = Math.floor(outer / charset.length)
    }
    const wordBytes = widthOf(hash) / 8
    for (let i = 0; i < this.#block.length; i++) this.#bytes[PREFIX + i - (i % wordBytes) + byteInWord(hash, i)] = this.#block[i]
    if (reversedWord !== undefined) this.#writeReversed(reversedWord)
  }

  // What each compared target asks of this call's candidates, in place of its key word.
  #writeReversed (word: number): void {
    const message = this.#message
    loadWords(HASH_SHAPES[this.#layout.hash], this.#block, 0, message)
    const digests = this.#targets.digests!
    for (let i = 0; i < this.#layout.compared; i++) this.#words[TARGETS / 4 + i] = reversed(this.#layout.hash as Reversible, digests[comparedTarget(this.#targets, i)], message, word)
  }
}
