// Hash rounds are written once against this graph of lane-wise operations; the graph decides what
// each value costs. Values known when the kernel is built (zero words, padding, the length field,
// initial state and the rounds that only touch them) are folded to constants. Values that depend
// only on the candidate prefix are computed once per call. Only what depends on the changing tail
// is computed per group of candidates, and only what reaches the output is emitted at all.
import { Op, Simd, i32Const, memarg, simd, uleb } from '../../../shared/wasm/encoding.ts'

export type Width = 32 | 64

type Kind = 'const' | 'prefix' | 'tail' | 'add' | 'xor' | 'and' | 'or' | 'shl' | 'shr' | 'select'

export type Value = {
  kind: Kind
  args: Value[]
  imm: number // word index, table vector index, or shift count
  constant: bigint // for 'const'
  varying: boolean // depends on the tail
  local: number // v128 local once emitted, -1 before
  id: number
}

export type Emitted = { preamble: number[], body: number[], locals: number, outputs: number[] }

export class Graph {
  readonly width: Width
  readonly #mask: bigint
  readonly #constants = new Map<bigint, Value>()
  readonly #inputs = new Map<string, Value>()
  readonly #nodes = new Map<string, Value>() // structurally equal values are computed once
  readonly #tailParts = new Map<Value, { fixed: Value, changing: Value }>()
  #ids = 0
  #entryOffset = 0 // vectors from the loop step's first table entry to the current group's

  constructor (width: Width) {
    this.width = width
    this.#mask = (1n << BigInt(width)) - 1n
  }

  // Tail and entry values made from here on read the loop step's `group`-th table entry, `stride`
  // bytes apart: one step hashes several groups of lanes, whose chains the CPU then overlaps.
  startGroup (group: number, stride: number): void {
    this.#entryOffset = (group * stride) / 16
  }

  constant (value: bigint | number): Value {
    const v = BigInt.asUintN(this.width, BigInt(value))
    let node = this.#constants.get(v)
    if (!node) this.#constants.set(v, node = { kind: 'const', args: [], imm: 0, constant: v, varying: false, local: -1, id: this.#ids++ })
    return node
  }

  // Message word `word` as the caller wrote it for this call (the candidate prefix).
  prefix (word: number): Value {
    return this.#input('prefix', word, false)
  }

  // Prefix word `word` combined with vector `vector` of the current group's tail-table entry. Their
  // bits never overlap (the prefix has the tail's bytes zeroed), so the or is also their xor.
  tail (word: number, vector: number): Value {
    const fixed = this.prefix(word)
    const changing = this.#input('tail', this.#entryOffset + vector, true)
    const combined = this.or(fixed, changing)
    this.#tailParts.set(combined, { fixed, changing })
    return combined
  }

  // A message word made by `tail`, as its two parts; null for any other value.
  tailParts (word: Value): { fixed: Value, changing: Value } | null {
    return this.#tailParts.get(word) ?? null
  }

  // Vector `vector` of the current group's table entry alone: a block kernel's message word.
  entry (vector: number): Value {
    return this.#input('tail', this.#entryOffset + vector, true)
  }

  #input (kind: 'prefix' | 'tail', imm: number, varying: boolean): Value {
    const key = `${kind}${imm}`
    let node = this.#inputs.get(key)
    if (!node) this.#inputs.set(key, node = { kind, args: [], imm, constant: 0n, varying, local: -1, id: this.#ids++ })
    return node
  }

  #node (kind: Kind, args: Value[], imm = 0): Value {
    const key = `${kind} ${imm} ${args.map((a) => a.id).join(' ')}`
    let node = this.#nodes.get(key)
    if (!node) this.#nodes.set(key, node = { kind, args, imm, constant: 0n, varying: args.some((a) => a.varying), local: -1, id: this.#ids++ })
    return node
  }

  add (a: Value, b: Value): Value {
    if (a.kind === 'const' && b.kind === 'const') return this.constant(a.constant + b.constant)
    if (a.kind === 'const' && a.constant === 0n) return b
    if (b.kind === 'const' && b.constant === 0n) return a
    return this.#node('add', [a, b])
  }

  xor (a: Value, b: Value): Value {
    if (a.kind === 'const' && b.kind === 'const') return this.constant(a.constant ^ b.constant)
    if (a.kind === 'const' && a.constant === 0n) return b
    if (b.kind === 'const' && b.constant === 0n) return a
    return this.#node('xor', [a, b])
  }

  and (a: Value, b: Value): Value {
    if (a.kind === 'const' && b.kind === 'const') return this.constant(a.constant & b.constant)
    if ((a.kind === 'const' && a.constant === 0n) || (b.kind === 'const' && b.constant === 0n)) return this.constant(0)
    return this.#node('and', [a, b])
  }

  or (a: Value, b: Value): Value {
    if (a.kind === 'const' && b.kind === 'const') return this.constant(a.constant | b.constant)
    if (a.kind === 'const' && a.constant === 0n) return b
    if (b.kind === 'const' && b.constant === 0n) return a
    return this.#node('or', [a, b])
  }

  not (a: Value): Value {
    return this.xor(a, this.constant(this.#mask))
  }

  shl (a: Value, n: number): Value {
    return a.kind === 'const' ? this.constant(a.constant << BigInt(n)) : this.#node('shl', [a], n)
  }

  shr (a: Value, n: number): Value {
    return a.kind === 'const' ? this.constant(a.constant >> BigInt(n)) : this.#node('shr', [a], n)
  }

  // Two shifts and an or, even for whole-byte amounts: an i8x16.shuffle measured slower here
  // (SHA-512 -8%), and so did an add for a shift by one.
  rotl (a: Value, n: number): Value {
    return this.or(this.shl(a, n), this.shr(a, this.width - n))
  }

  rotr (a: Value, n: number): Value {
    return this.rotl(a, this.width - n)
  }

  // Bitwise: where `mask` is 1 take `a`, else `b`.
  select (a: Value, b: Value, mask: Value): Value {
    if (a.kind === 'const' && b.kind === 'const' && mask.kind === 'const') {
      return this.constant((a.constant & mask.constant) | (b.constant & ~mask.constant))
    }
    return this.#node('select', [a, b, mask])
  }

  // Emits `outputs` and everything they need, in dependency order: call-invariant values into the
  // preamble, tail-dependent values into the loop body. `tailPointer` is the i32 local addressing the
  // group's tail-table entry; prefix words are read from `prefixAddress`. v128 locals are numbered
  // from `firstLocal`. Returns the code, how many locals it used, and the outputs' locals.
  emit (outputs: Value[], options: { firstLocal: number, tailPointer: number, prefixAddress: number }): Emitted {
    const { tailPointer, prefixAddress } = options
    const preamble: number[] = []
    const body: number[] = []
    let next = options.firstLocal
    const wordBytes = this.width / 8
    const lanes = this.width === 32 ? { splat: Simd.i32x4Splat, add: Simd.i32x4Add, shl: Simd.i32x4Shl, shr: Simd.i32x4ShrU, load: Op.i32Load }
      : { splat: Simd.i64x2Splat, add: Simd.i64x2Add, shl: Simd.i64x2Shl, shr: Simd.i64x2ShrU, load: Op.i64Load }
    // Constants are inlined where used: storing them in locals measured slower (spills).
    const get = (v: Value): number[] => v.kind === 'const'
      ? [...simd(Simd.const), ...this.#splatBytes(v.constant)]
      : [Op.localGet, ...uleb(v.local)]
    const operation = (v: Value): number[] => {
      const [a, b, c] = v.args
      switch (v.kind) {
        case 'prefix': return [...i32Const(0), lanes.load, ...memarg(Math.log2(wordBytes), prefixAddress + v.imm * wordBytes), ...simd(lanes.splat)]
        case 'tail': return [Op.localGet, ...uleb(tailPointer), ...simd(Simd.load), ...memarg(4, v.imm * 16)]
        case 'add': return [...get(a), ...get(b), ...simd(lanes.add)]
        case 'xor': return [...get(a), ...get(b), ...simd(Simd.xor)]
        case 'and': return [...get(a), ...get(b), ...simd(Simd.and)]
        case 'or': return [...get(a), ...get(b), ...simd(Simd.or)]
        case 'shl': return [...get(a), ...i32Const(v.imm), ...simd(lanes.shl)]
        case 'shr': return [...get(a), ...i32Const(v.imm), ...simd(lanes.shr)]
        case 'select': return [...get(a), ...get(b), ...get(c), ...simd(Simd.bitselect)]
        case 'const': throw new Error('constants are inlined where used, never stored')
      }
    }
    // Emit in creation order, which is topological and follows the rounds as written: each value
    // is computed close to where it is used, so fewer are live at once and fewer spill.
    const reachable = new Set<Value>()
    const mark = (v: Value): void => {
      if (v.kind === 'const' || reachable.has(v)) return
      reachable.add(v)
      for (const a of v.args) mark(a)
    }
    for (const output of outputs) mark(output)
    for (const v of [...reachable].sort((a, b) => a.id - b.id)) {
      v.local = next++
      ;(v.varying ? body : preamble).push(...operation(v), Op.localSet, ...uleb(v.local))
    }
    if (outputs.some((output) => !output.varying)) throw new Error('kernel output does not depend on the candidate tail')
    return { preamble, body, locals: next - options.firstLocal, outputs: outputs.map((output) => output.local) }
  }

  #splatBytes (value: bigint): number[] {
    const bytes: number[] = []
    for (let lane = 0; lane < 128 / this.width; lane++) {
      for (let i = 0; i < this.width / 8; i++) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn))
    }
    return bytes
  }
}
