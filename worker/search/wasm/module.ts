// What every WASM SIMD search module shares: its memory layout, and the loop that hashes a few groups
// of lanes per step, tests each lane's key digest word (a SIMD compare against a few targets, then the
// two bitmaps of targets.ts) and records the passing values with their key words. What feeds the
// message words differs: a segment kernel (kernel.ts) combines a prefix with a tail table, a block
// kernel (block-kernel.ts) loads whole blocks.
import { HASH_SHAPES } from '../../../shared/hashing/scalar.ts'
import { SMALL_BITMAP_MAX_BITS, type TargetSet } from '../targets.ts'
import { MAX_COMPARED_TARGETS, type HashFunction } from '../../../shared/algorithms.ts'
import { Op, Simd, assembleModule, block, i32Const, memarg, simd, uleb } from '../../../shared/wasm/encoding.ts'
import { Graph, type Value, type Width } from './graph.ts'
import { KEY, untilLastUse } from './rounds.ts'
import type { Reversible } from './reversal.ts'

// Groups of lanes one loop step hashes. MD5's and MD4's steps each wait on the one before, so one
// group leaves the CPU idle most cycles; three chains side by side fill them (MD5 39 -> 71 M/s, NTLM
// 60 -> 105 here). SHA-1 and SHA-2 keep more values live per round: a second group spills and runs
// slower (SHA-256 10 -> 6 M/s).
const GROUPS: Record<HashFunction, number> = { md4: 3, md5: 3, sha1: 1, sha256: 1, sha512: 1 }
const MAX_GROUPS = Math.max(...Object.values(GROUPS))

// Values one call may cover; a group's table entry is at most 16 vectors (256 bytes).
export const MAX_TABLE_VALUES = 16_384

// Memory layout (bytes). The large bitmap goes last because its size depends on the target count.
export const PREFIX = 0 // the padded block, tail bytes zeroed, as native words
export const TARGETS = 128 // key words of up to MAX_COMPARED_TARGETS targets, then the bitmaps' mask and shifts
const SMALL_MASK = TARGETS + 4 * MAX_COMPARED_TARGETS
const SMALL_BITS = SMALL_MASK + 4
const LARGE_SHIFT = SMALL_BITS + 4
// Each group's key words and, reversed, its lanes that matched a compared value: the lane checks read
// them from here rather than from the vectors themselves (see buildSearchModule).
const KEY_LANES = 256
const MATCHED_LANES = KEY_LANES + 16 * MAX_GROUPS
export const TABLE = MATCHED_LANES + 16 * MAX_GROUPS
export const TABLE_BYTES = 262_144
export const MAYBES = TABLE + TABLE_BYTES // values that passed the prefilter, as i32
export const KEYS = MAYBES + 4 * MAX_TABLE_VALUES // and their key words
const SMALL = KEYS + 4 * MAX_TABLE_VALUES
const LARGE = SMALL + 2 ** SMALL_BITMAP_MAX_BITS / 8
const PAGE_BYTES = 65_536

// Parameters and locals of the emitted function, by index.
const V0 = 0; const V1 = 1; const PTR = 2; const V = 3; const N = 4; const X = 5; const TV = 6; const MASK = 7; const SHIFT = 8; const B = 9; const ABOVE = 10; const TWO_BITS = 11
const I32_LOCALS = 10
const FIRST_V128 = 12 // then the compared targets, the lanes matching them, then the graph's values

export type ModuleShape = {
  hash: HashFunction
  compared: number // targets compared with SIMD, 0 to use the bitmap alone
  stride: number // bytes of table per group of lanes
  // MD5 or MD4 only, with compared targets: the one message word the table changes. The module then
  // matches untilLastUse against the compared values (the caller's `reversed` of each target), not the
  // key word against the bitmaps.
  reversedWord?: number
}

export const widthOf = (hash: HashFunction): Width => (hash === 'sha512' ? 64 : 32)
export const lanesOf = (hash: HashFunction) => 128 / widthOf(hash)
// A few targets fill every compared slot, the last repeated: one module per layout serves one to four
// targets, so a job whose targets are found (or whose canaries come and go) compiles nothing new and
// never runs a fresh module's unoptimised code (measured: 4 to 10% of a job's speed).
export const comparedFor = (targets: TargetSet) => (targets.keyWords.length <= MAX_COMPARED_TARGETS ? MAX_COMPARED_TARGETS : 0)
// The target whose values fill compared slot `slot`.
export const comparedTarget = (targets: TargetSet, slot: number) => Math.min(slot, targets.keyWords.length - 1)

let simdSupport: boolean | undefined
export function simdSupported (): boolean {
  // (func (result v128) i32.const 0 i32x4.splat)
  simdSupport ??= WebAssembly.validate(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11]))
  return simdSupport
}

// `search(v0, v1)` hashes table values v0..v1 (from the group holding v0) and returns how many
// passed, their values stored from MAYBES. `message` gives the 16 message words as graph values.
export function buildSearchModule (shape: ModuleShape, message: (g: Graph) => Value[]): Uint8Array {
  const width = widthOf(shape.hash)
  const lanes = 128 / width
  const wide = width === 64
  const groups = GROUPS[shape.hash]
  const g = new Graph(width)
  const reversed = shape.reversedWord !== undefined
  if (reversed && ((shape.hash !== 'md5' && shape.hash !== 'md4') || shape.compared === 0)) throw new Error('only MD5 and MD4 against compared targets are reversed')
  const outputs = Array.from({ length: groups }, (_, group) => {
    g.startGroup(group, shape.stride)
    return reversed ? untilLastUse(shape.hash as Reversible, g, message(g), shape.reversedWord!) : KEY[shape.hash](g, message(g))
  })
  const compared = Array.from({ length: shape.compared }, (_, i) => FIRST_V128 + i)
  const matches = Array.from({ length: groups }, (_, group) => FIRST_V128 + compared.length + group) // a group's lanes equal to a compared value, when reversed
  const emitted = g.emit(outputs, { firstLocal: FIRST_V128 + compared.length + groups, tailPointer: PTR, prefixAddress: PREFIX })

  // Per lane of a group: reversed, whether it matched a compared value; else the small bitmap (bits
  // x & 31 and (x >>> smallBits) & 31 of the word holding bit x & mask: targets.ts), then the large
  // one (bit x >>> shift).
  const laneCheck = (group: number, lane: number) => {
    // The key word of a lane: for SHA-512, the high half of the 64-bit word.
    const extract = [...i32Const(0), Op.i32Load, ...memarg(2, KEY_LANES + 16 * group + (wide ? 8 * lane + 4 : 4 * lane))]
    // Keep the lane's value and its key word if the value lies in [v0, v1).
    const record = [
      Op.localGet, V, ...i32Const(group * lanes + lane), Op.i32Add, Op.localTee, TV, Op.localGet, V0, Op.i32GeU,
      Op.localGet, TV, Op.localGet, V1, Op.i32LtU, Op.i32And,
      ...block(Op.if, [
        Op.localGet, N, ...i32Const(2), Op.i32Shl, Op.localGet, TV, Op.i32Store, ...memarg(2, MAYBES),
        Op.localGet, N, ...i32Const(2), Op.i32Shl, Op.localGet, X, Op.i32Store, ...memarg(2, KEYS),
        Op.localGet, N, ...i32Const(1), Op.i32Add, Op.localSet, N
      ])
    ]
    return [
      ...extract, Op.localSet, X,
      ...(reversed
        ? [...i32Const(0), Op.i32Load, ...memarg(2, MATCHED_LANES + 16 * group + (wide ? 8 : 4) * lane), ...block(Op.if, record)]
        : [
            ...i32Const(1), Op.localGet, X, Op.i32Shl, ...i32Const(1), Op.localGet, X, Op.localGet, ABOVE, Op.i32ShrU, Op.i32Shl, Op.i32Or, Op.localTee, TWO_BITS,
            Op.localGet, X, Op.localGet, MASK, Op.i32And, ...i32Const(3), Op.i32ShrU, ...i32Const(~3), Op.i32And,
            Op.i32Load, ...memarg(2, SMALL), Op.i32And, Op.localGet, TWO_BITS, Op.i32Eq,
            ...block(Op.if, [
              Op.localGet, X, Op.localGet, SHIFT, Op.i32ShrU, Op.localTee, B, ...i32Const(3), Op.i32ShrU, ...i32Const(~3), Op.i32And,
              Op.i32Load, ...memarg(2, LARGE), Op.localGet, B, Op.i32ShrU, ...i32Const(1), Op.i32And,
              ...block(Op.if, record)
            ])
          ])
    ]
  }
  const laneChecks = Array.from({ length: groups * lanes }, (_, i) => laneCheck(Math.floor(i / lanes), i % lanes)).flat()
  // Few targets: one SIMD compare per target and group rejects almost every step before any lane is
  // looked at.
  const equal = simd(wide ? Simd.i64x2Eq : Simd.i32x4Eq)
  const anyMatch = emitted.outputs.flatMap((output, group) => {
    const high = [Op.localGet, ...uleb(output), ...(wide ? [...i32Const(32), ...simd(Simd.i64x2ShrU)] : [])]
    return [
      ...compared.flatMap((local, i) => [...high, Op.localGet, ...uleb(local), ...equal, ...(i > 0 ? simd(Simd.or) : [])]),
      Op.localTee, ...uleb(matches[group]), ...(group > 0 ? simd(Simd.or) : [])
    ]
  })
  // The lane checks read the groups' lanes back from memory. Taken from the vectors, each group's last
  // use would sit in a lane check's block of its own, and TurboFan, which places a value's inputs once
  // its last use is placed, would emit the groups' chains one after the other: too far apart for the
  // CPU to overlap them (measured: no faster than one group).
  const storeLanes = emitted.outputs.flatMap((output, group) => [
    ...i32Const(0), Op.localGet, ...uleb(output), ...simd(Simd.store), ...memarg(4, KEY_LANES + 16 * group),
    ...(reversed ? [...i32Const(0), Op.localGet, ...uleb(matches[group]), ...simd(Simd.store), ...memarg(4, MATCHED_LANES + 16 * group)] : [])
  ])
  const check = compared.length === 0 ? [...storeLanes, ...laneChecks] : [...anyMatch, ...simd(Simd.anyTrue), ...block(Op.if, [...storeLanes, ...laneChecks])]

  const loadTargets = compared.flatMap((local, i) => [
    ...i32Const(0), Op.i32Load, ...memarg(2, TARGETS + 4 * i),
    ...(wide ? [Op.i64ExtendI32U, ...simd(Simd.i64x2Splat)] : simd(Simd.i32x4Splat)), Op.localSet, ...uleb(local)
  ])
  const code = [
    ...i32Const(0), Op.i32Load, ...memarg(2, SMALL_MASK), Op.localSet, MASK,
    ...i32Const(0), Op.i32Load, ...memarg(2, SMALL_BITS), Op.localSet, ABOVE,
    ...i32Const(0), Op.i32Load, ...memarg(2, LARGE_SHIFT), Op.localSet, SHIFT,
    ...loadTargets,
    ...emitted.preamble,
    // Start at the group holding v0; its lanes below v0 are computed and ignored, and so are those
    // at or past v1 in the last step's groups.
    Op.localGet, V0, ...i32Const(-lanes), Op.i32And, Op.localSet, V,
    Op.localGet, V, ...i32Const(Math.log2(lanes)), Op.i32ShrU, ...i32Const(shape.stride), Op.i32Mul, ...i32Const(TABLE), Op.i32Add, Op.localSet, PTR,
    ...block(Op.loop, [
      ...emitted.body,
      ...check,
      Op.localGet, PTR, ...i32Const(groups * shape.stride), Op.i32Add, Op.localSet, PTR,
      Op.localGet, V, ...i32Const(groups * lanes), Op.i32Add, Op.localTee, V, Op.localGet, V1, Op.i32LtU, Op.brIf, 0
    ]),
    Op.localGet, N
  ]
  return assembleModule(pagesFor(0), I32_LOCALS, compared.length + groups + emitted.locals, code)
}

const pagesFor = (largeBytes: number) => Math.ceil((LARGE + largeBytes) / PAGE_BYTES) + 1

const modules = new Map<string, WebAssembly.Module>()

type Search = (v0: number, v1: number) => number
type Instance = { search: Search, memory: WebAssembly.Memory, owner: object }
// A thread runs one kernel at a time, so a kernel takes over the instance that the last kernel of its
// module and target set left, bitmaps already written. A fresh memory for each chunk piece (2.5 MiB
// with a million targets) was freed only when the GC got to it: a million-target job's worker grew
// by hundreds of MB.
const instances = new WeakMap<TargetSet, Map<string, Instance>>()

// One compiled module per distinct shape and message, instantiated once per target set over a memory
// holding the targets. Returns the search function, which only `owner` may call (until another
// kernel takes the instance over), and the memory.
export function instantiate (key: string, build: () => Uint8Array, targets: TargetSet, compared: number, owner: object): { search: Search, memory: WebAssembly.Memory } {
  let byKey = instances.get(targets)
  if (!byKey) instances.set(targets, byKey = new Map())
  let instance = byKey.get(key)
  if (!instance) byKey.set(key, instance = create(key, build, targets))
  instance.owner = owner
  // Reversed kernels write their own values here per call.
  const words = new Int32Array(instance.memory.buffer)
  for (let i = 0; i < compared; i++) words[TARGETS / 4 + i] = targets.keyWords[comparedTarget(targets, i)]
  const taken = instance
  return {
    search: (v0, v1) => {
      if (taken.owner !== owner) throw new Error('a WASM kernel ran after another kernel took over its instance')
      return taken.search(v0, v1)
    },
    memory: instance.memory
  }
}

function create (key: string, build: () => Uint8Array, targets: TargetSet): Instance {
  let module = modules.get(key)
  if (!module) modules.set(key, module = new WebAssembly.Module(build()))
  const memory = new WebAssembly.Memory({ initial: pagesFor(targets.large.byteLength) })
  const search = new WebAssembly.Instance(module, { env: { memory } }).exports.search as Search
  const words = new Int32Array(memory.buffer)
  new Uint32Array(memory.buffer, SMALL, targets.small.length).set(targets.small)
  new Uint32Array(memory.buffer, LARGE, targets.large.length).set(targets.large)
  words[SMALL_MASK / 4] = targets.smallMask
  words[SMALL_BITS / 4] = targets.smallBits
  words[LARGE_SHIFT / 4] = targets.largeShift
  return { search, memory, owner: memory }
}

// Where message byte `position` sits within its word once the word is stored as WASM loads it,
// little-endian: the words of the big-endian hashes are byte-reversed.
export function byteInWord (hash: HashFunction, position: number): number {
  const wordBytes = widthOf(hash) / 8
  const inWord = position % wordBytes
  return HASH_SHAPES[hash].bigEndian ? wordBytes - 1 - inWord : inWord
}
