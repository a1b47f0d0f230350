// The WASM SIMD kernel, hashcat-style. A candidate splits into a prefix (every position but the last
// few) and a tail (the last few, the fastest odometer positions). For one prefix, a table holds the
// tail's message-word bits for every tail value, laid out lane by lane; the module, emitted for this
// algorithm and candidate length, hashes four (SHA-512: two) tail values per step. Everything that
// depends only on the prefix is computed once per call, everything constant was folded when the
// module was built. One call covers a run of tail values; JS moves the prefix odometer between calls.
import type { Algorithm } from '../../algorithms.ts'
import type { Segment } from '../../keyspace/keyspace.ts'
import { HASH_SHAPES, writeBitLength } from '../scalar.ts'
import type { SegmentKernel } from '../segment-kernel.ts'
import { KEY_WORD, type TargetSet } from '../targets.ts'
import { Op, Simd, assembleModule, block, i32Const, i64Const, memarg, simd, uleb } from './encoding.ts'
import { Graph, type Width } from './graph.ts'
import { ROUNDS } from './rounds.ts'

// Tail tables stay this small so they sit in cache while a call streams through them.
const MAX_TAIL_VALUES = 16_384
const MAX_TAIL_POSITIONS = 4
// With this few targets a SIMD compare of the key digest word skips the per-lane bitmap test.
const MAX_COMPARED_TARGETS = 4

// Memory layout (bytes). The bitmap goes last because its size depends on the target count.
const PREFIX = 0 // the padded block, tail bytes zeroed, as native words
const TARGETS = 128 // key words of up to MAX_COMPARED_TARGETS targets, then the bitmap mask
const BITMAP_MASK = TARGETS + 4 * MAX_COMPARED_TARGETS
const TABLE = 256
const TABLE_BYTES = (MAX_TAIL_VALUES / 2) * 32 // two 16-byte vectors per group, worst case two lanes a group
const MAYBES = TABLE + TABLE_BYTES // tail values that passed the prefilter, as i32
const BITMAP = MAYBES + 4 * MAX_TAIL_VALUES
const PAGE_BYTES = 65_536

// Parameters and locals of the emitted function, by index.
const V0 = 0; const V1 = 1; const PTR = 2; const V = 3; const N = 4; const X = 5; const TV = 6; const MASK = 7
const I32_LOCALS = 6
const FIRST_V128 = 8 // then the compared targets, then the graph's values

type Layout = {
  algorithm: Algorithm
  width: Width
  lanes: number
  length: number // candidate bytes
  tailStart: number // first tail position
  tailWords: number[] // message words holding tail bytes (one or two)
  compared: number // targets compared with SIMD, 0 to use the bitmap alone
}

const modules = new Map<string, WebAssembly.Module>()

export function wasmSimdKernel (targets: TargetSet, segment: Segment, digits: Int32Array): SegmentKernel | null {
  const layout = layoutFor(targets, segment)
  if (!layout || !simdSupported()) return null
  const key = JSON.stringify(layout)
  let module = modules.get(key)
  if (!module) modules.set(key, module = new WebAssembly.Module(buildModule(layout)))
  return new WasmKernel(module, layout, targets, segment, digits)
}

function layoutFor (targets: TargetSet, segment: Segment): Layout | null {
  const shape = HASH_SHAPES[targets.algorithm]
  const length = segment.charsets.length
  if (length === 0 || length + 1 + shape.lengthBytes > shape.blockBytes) return null
  let tailStart = length
  let values = 1
  while (tailStart > 0 && length - tailStart < MAX_TAIL_POSITIONS && values * segment.charsets[tailStart - 1].length <= MAX_TAIL_VALUES) {
    values *= segment.charsets[--tailStart].length
  }
  const width: Width = targets.algorithm === 'sha512' ? 64 : 32
  const wordBytes = width / 8
  const tailWords = [...new Set(Array.from({ length: length - tailStart }, (_, i) => Math.floor((tailStart + i) / wordBytes)))]
  const compared = targets.digests.length <= MAX_COMPARED_TARGETS ? targets.digests.length : 0
  return { algorithm: targets.algorithm, width, lanes: 128 / width, length, tailStart, tailWords, compared }
}

let simdSupport: boolean | undefined
function simdSupported (): boolean {
  // (func (result v128) i32.const 0 i32x4.splat)
  simdSupport ??= WebAssembly.validate(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11]))
  return simdSupport
}

// The message words of the padded block as the graph sees them: constants where no candidate byte
// falls, prefix inputs where only prefix bytes do, prefix-or-table where tail bytes do.
function messageWords (g: Graph, layout: Layout): ReturnType<Graph['constant']>[] {
  const shape = HASH_SHAPES[layout.algorithm]
  const wordBytes = layout.width / 8
  const template = new Uint8Array(shape.blockBytes)
  template[layout.length] = 0x80
  writeBitLength(shape, template, layout.length)
  const view = new DataView(template.buffer)
  return Array.from({ length: 16 }, (_, w) => {
    const tail = layout.tailWords.indexOf(w)
    if (tail >= 0) return g.tail(w, tail)
    if (w * wordBytes < layout.length) return g.prefix(w)
    return g.constant(layout.width === 64 ? view.getBigUint64(8 * w, false) : view.getUint32(4 * w, !shape.bigEndian))
  })
}

function buildModule (layout: Layout): Uint8Array {
  const g = new Graph(layout.width)
  // KEY_WORD counts 32-bit words; SHA-512's state words are 64-bit.
  const output = ROUNDS[layout.algorithm](g, messageWords(g, layout))[KEY_WORD[layout.algorithm] / (layout.width / 32) | 0]
  const compared = Array.from({ length: layout.compared }, (_, i) => FIRST_V128 + i)
  const stride = 16 * layout.tailWords.length
  const emitted = g.emit(output, { firstLocal: FIRST_V128 + compared.length, tailPointer: PTR, prefixAddress: PREFIX })
  const wide = layout.width === 64
  const hash = [Op.localGet, ...uleb(emitted.output)]

  // The key word of a lane: for SHA-512, the high half of the 64-bit word.
  const extract = (lane: number) => wide
    ? [...hash, ...simd(Simd.i64x2ExtractLane), lane, ...i64Const(32n), Op.i64ShrU, Op.i32WrapI64]
    : [...hash, ...simd(Simd.i32x4ExtractLane), lane]
  // Per lane: bitmap test, then keep it if its tail value lies in [v0, v1).
  const laneCheck = (lane: number) => [
    ...extract(lane), Op.localSet, X,
    Op.localGet, X, Op.localGet, MASK, Op.i32And, ...i32Const(3), Op.i32ShrU, ...i32Const(~3), Op.i32And,
    Op.i32Load, ...memarg(2, BITMAP), Op.localGet, X, Op.i32ShrU, ...i32Const(1), Op.i32And,
    ...block(Op.if, [
      Op.localGet, V, ...i32Const(lane), Op.i32Add, Op.localTee, TV, Op.localGet, V0, Op.i32GeU,
      Op.localGet, TV, Op.localGet, V1, Op.i32LtU, Op.i32And,
      ...block(Op.if, [
        Op.localGet, N, ...i32Const(2), Op.i32Shl, Op.localGet, TV, Op.i32Store, ...memarg(2, MAYBES),
        Op.localGet, N, ...i32Const(1), Op.i32Add, Op.localSet, N
      ])
    ])
  ]
  // Few targets: one SIMD compare per target rejects almost every group before any lane is looked at.
  const high = wide ? [...hash, ...i32Const(32), ...simd(Simd.i64x2ShrU)] : hash
  const equal = simd(wide ? Simd.i64x2Eq : Simd.i32x4Eq)
  const laneChecks = Array.from({ length: layout.lanes }, (_, lane) => laneCheck(lane)).flat()
  const anyMatch = compared.flatMap((local, i) => [...high, Op.localGet, ...uleb(local), ...equal, ...(i > 0 ? simd(Simd.or) : [])])
  const check = compared.length === 0 ? laneChecks : [...anyMatch, ...simd(Simd.anyTrue), ...block(Op.if, laneChecks)]

  const loadTargets = compared.flatMap((local, i) => [
    ...i32Const(0), Op.i32Load, ...memarg(2, TARGETS + 4 * i),
    ...(wide ? [Op.i64ExtendI32U, ...simd(Simd.i64x2Splat)] : simd(Simd.i32x4Splat)), Op.localSet, ...uleb(local)
  ])
  const code = [
    ...i32Const(0), Op.i32Load, ...memarg(2, BITMAP_MASK), Op.localSet, MASK,
    ...loadTargets,
    ...emitted.preamble,
    // Start at the group holding v0; its lanes below v0 are computed and ignored.
    Op.localGet, V0, ...i32Const(-layout.lanes), Op.i32And, Op.localSet, V,
    Op.localGet, V, ...i32Const(Math.log2(layout.lanes)), Op.i32ShrU, ...i32Const(stride), Op.i32Mul, ...i32Const(TABLE), Op.i32Add, Op.localSet, PTR,
    ...block(Op.loop, [
      ...emitted.body,
      ...check,
      Op.localGet, PTR, ...i32Const(stride), Op.i32Add, Op.localSet, PTR,
      Op.localGet, V, ...i32Const(layout.lanes), Op.i32Add, Op.localTee, V, Op.localGet, V1, Op.i32LtU, Op.brIf, 0
    ]),
    Op.localGet, N
  ]
  return assembleModule(pagesFor(0), I32_LOCALS, compared.length + emitted.locals, code)
}

const pagesFor = (bitmapBytes: number) => Math.ceil((BITMAP + bitmapBytes) / PAGE_BYTES) + 1

class WasmKernel implements SegmentKernel {
  found = 0
  readonly #search: (v0: number, v1: number) => number
  readonly #words: Int32Array // memory as i32, for the maybes
  readonly #view: DataView
  readonly #layout: Layout
  readonly #charsets: Uint8Array[]
  readonly #digits: Int32Array // prefix positions only are kept current; the tail is #tail
  readonly #block: Uint8Array // the padded block with tail bytes zeroed
  readonly #tailValues: number
  #tail: number
  #prefixWritten = false

  constructor (module: WebAssembly.Module, layout: Layout, targets: TargetSet, segment: Segment, digits: Int32Array) {
    const memory = new WebAssembly.Memory({ initial: pagesFor(targets.bitmap.byteLength) })
    this.#search = new WebAssembly.Instance(module, { env: { memory } }).exports.search as (v0: number, v1: number) => number
    this.#words = new Int32Array(memory.buffer)
    this.#view = new DataView(memory.buffer)
    this.#layout = layout
    this.#charsets = segment.charsets
    this.#digits = digits
    const shape = HASH_SHAPES[layout.algorithm]
    this.#block = new Uint8Array(shape.blockBytes)
    this.#block[layout.length] = 0x80
    writeBitLength(shape, this.#block, layout.length)
    new Uint32Array(memory.buffer, BITMAP, targets.bitmap.length).set(targets.bitmap)
    this.#words[BITMAP_MASK / 4] = targets.mask
    for (let i = 0; i < layout.compared; i++) this.#words[TARGETS / 4 + i] = targets.keyWords[i]
    this.#tailValues = this.#writeTable()
    this.#tail = 0
    for (let i = layout.tailStart; i < layout.length; i++) this.#tail = this.#tail * this.#charsets[i].length + digits[i]
  }

  run (count: number, maybes: Int32Array): number {
    let done = 0
    let found = 0
    const first = MAYBES / 4
    while (done < count && found < maybes.length) {
      if (!this.#prefixWritten) this.#writePrefix()
      const v0 = this.#tail
      const v1 = Math.min(this.#tailValues, v0 + (count - done))
      const passed = this.#search(v0, v1)
      let end = v1
      for (let i = 0; i < passed; i++) {
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

  // Where message byte `position` sits within its word once the word is stored as WASM loads it,
  // little-endian: the words of the big-endian hashes are byte-reversed.
  #byteInWord (position: number): number {
    const wordBytes = this.#layout.width / 8
    const inWord = position % wordBytes
    return HASH_SHAPES[this.#layout.algorithm].bigEndian ? wordBytes - 1 - inWord : inWord
  }

  // Every tail value's bytes, placed in its message words, lane by lane.
  #writeTable (): number {
    const { tailStart, length, tailWords, lanes, width } = this.#layout
    const wordBytes = width / 8
    const radices = this.#charsets.slice(tailStart, length)
    const count = radices.reduce((n, charset) => n * charset.length, 1)
    const stride = 16 * tailWords.length
    const tailDigits = new Int32Array(radices.length)
    for (let value = 0; value < count; value++) {
      const entry = TABLE + Math.floor(value / lanes) * stride + (value % lanes) * wordBytes
      for (let i = 0; i < radices.length; i++) {
        const position = tailStart + i
        const vector = tailWords.indexOf(Math.floor(position / wordBytes))
        this.#view.setUint8(entry + vector * 16 + this.#byteInWord(position), radices[i][tailDigits[i]])
      }
      for (let i = radices.length - 1; i >= 0 && ++tailDigits[i] === radices[i].length; i--) tailDigits[i] = 0
    }
    return count
  }

  #writePrefix (): void {
    const { tailStart, width } = this.#layout
    for (let i = 0; i < tailStart; i++) this.#block[i] = this.#charsets[i][this.#digits[i]]
    const wordBytes = width / 8
    for (let i = 0; i < this.#block.length; i++) this.#view.setUint8(PREFIX + i - (i % wordBytes) + this.#byteInWord(i), this.#block[i])
    this.#prefixWritten = true
  }

  #nextPrefix (): void {
    this.#tail = 0
    this.#prefixWritten = false
    for (let i = this.#layout.tailStart - 1; i >= 0; i--) {
      if (++this.#digits[i] < this.#charsets[i].length) return
      this.#digits[i] = 0
    }
  }
}
