// MD5, SHA-256 and SHA-512 over whole messages, compiled to WebAssembly: one message at a time, with
// WASM's native 32- and 64-bit arithmetic (SHA-512 in JavaScript splits every word in two). The
// iterated schemes (md5crypt, sha256crypt, sha512crypt, phpass) hash thousands of short messages per
// candidate, and HMAC-MD5 (primitives.ts) several, and build each in `input`, where this reads it. Each hash's module is one function,
// `digest(blocks)`: the padded blocks at 0, hashed from the initial state, the digest written at
// DIGEST in the hash's byte order. The rounds are unrolled, their variables renamed instead of moved.
// Checked against the scalar reference and node:crypto (test/wasm-hash.test.ts).
import { HASH_SHAPES, MD5_INDEX, MD5_K, MD5_SHIFT, SHA256_K, SHA512_K } from './scalar.ts'
import { sleb, uleb } from '../wasm/encoding.ts'

export type WasmHash = 'md5' | 'sha256' | 'sha512'

const PAGE_BYTES = 65_536
const PAGES = 2
// The digest's place, after room for the longest message and its padding.
const DIGEST = PAGES * PAGE_BYTES - 64
export const MAX_WASM_MESSAGE_BYTES = DIGEST - 2 * 128

type Code = number[]
type Width = 32 | 64

// Core opcodes (WebAssembly spec §5.4) by operand width.
const OPS = {
  32: { type: 0x7f, load: 0x28, store: 0x36, const: 0x41, add: 0x6a, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shrU: 0x76, rotl: 0x77, rotr: 0x78, align: 2 },
  64: { type: 0x7e, load: 0x29, store: 0x37, const: 0x42, add: 0x7c, and: 0x83, or: 0x84, xor: 0x85, shl: 0x86, shrU: 0x88, rotl: 0x89, rotr: 0x8a, align: 3 }
} as const
const LOCAL_GET = 0x20
const LOCAL_SET = 0x21
const LOCAL_TEE = 0x22
const I32_CONST = 0x41
const I32_SUB = 0x6b
const I32_ADD = 0x6a
const LOOP = 0x03
const BR_IF = 0x0d
const END = 0x0b
const VOID = 0x40

// Straight-line code over numbered locals of one width; local 0 is the block count, local 1 the
// block pointer (both i32), the rest this width's.
class Emitter {
  readonly ops: typeof OPS[Width]
  readonly #mask: bigint
  locals = 0

  constructor (readonly width: Width) {
    this.ops = OPS[width]
    this.#mask = (1n << BigInt(width)) - 1n
  }

  local (): number { return 2 + this.locals++ }
  get = (i: number): Code => [LOCAL_GET, ...uleb(i)]
  set = (i: number, value: Code): Code => [...value, LOCAL_SET, ...uleb(i)]
  const = (value: bigint | number): Code => {
    const v = BigInt.asUintN(this.width, BigInt(value)) & this.#mask
    return [this.ops.const, ...sleb(BigInt.asIntN(this.width, v))]
  }

  op = (code: number, ...args: Code[]): Code => args.reduce((all, arg, i) => (i === 0 ? [...arg] : [...all, ...arg, code]), [] as Code)
  add = (...args: Code[]): Code => this.op(this.ops.add, ...args)
  xor = (...args: Code[]): Code => this.op(this.ops.xor, ...args)
  and = (a: Code, b: Code): Code => this.op(this.ops.and, a, b)
  or = (a: Code, b: Code): Code => this.op(this.ops.or, a, b)
  rotr = (a: Code, n: number): Code => [...a, ...this.const(n), this.ops.rotr]
  rotl = (a: Code, n: number): Code => [...a, ...this.const(n), this.ops.rotl]
  shr = (a: Code, n: number): Code => [...a, ...this.const(n), this.ops.shrU]
  shl = (a: Code, n: number): Code => [...a, ...this.const(n), this.ops.shl]

  // The word at the block pointer plus `offset`, as stored (little-endian).
  load = (offset: number): Code => [LOCAL_GET, 1, this.ops.load, this.ops.align, ...uleb(offset)]

  // `value`'s bytes reversed (a big-endian word read little-endian), through `temp`.
  swapped (value: Code, temp: number): Code {
    const t = this.get(temp)
    if (this.width === 32) return [...this.set(temp, value), ...this.or(this.and(this.rotl(t, 8), this.const(0x00ff00ff)), this.and(this.rotr(t, 8), this.const(0xff00ff00)))]
    const halves = this.set(temp, this.rotl(value, 32))
    const pairs = this.set(temp, this.or(this.shl(this.and(t, this.const(0x0000ffff0000ffffn)), 16), this.and(this.shr(t, 16), this.const(0x0000ffff0000ffffn))))
    return [...halves, ...pairs, ...this.or(this.shl(this.and(t, this.const(0x00ff00ff00ff00ffn)), 8), this.and(this.shr(t, 8), this.const(0x00ff00ff00ff00ffn)))]
  }

  // The digest words, each at DIGEST + its index times the word's bytes, byte-swapped for SHA.
  storeDigest (state: number[], swap: boolean, temp: number): Code {
    const bytes = this.width / 8
    return state.flatMap((s, i) => [...[I32_CONST, ...sleb(0n)], ...(swap ? this.swapped(this.get(s), temp) : this.get(s)), this.ops.store, this.ops.align, ...uleb(DIGEST + bytes * i)])
  }
}

// The function's body: the initial state into `state`, then for each block the `rounds` (given the
// block's starting working variables, returning where the state words ended up) added in.
function body (e: Emitter, hash: WasmHash, rounds: (vars: number[]) => { code: Code, vars: number[] }): Code {
  const shape = HASH_SHAPES[hash]
  const words = hash === 'sha512' ? 8 : shape.stateWords
  const init = hash === 'sha512' ? Array.from({ length: 8 }, (_, i) => (BigInt(shape.init[2 * i] >>> 0) << 32n) | BigInt(shape.init[2 * i + 1] >>> 0)) : Array.from(shape.init, (x) => BigInt(x >>> 0))
  const state = Array.from({ length: words }, () => e.local())
  const vars = Array.from({ length: words }, () => e.local())
  const temp = e.local()
  const start = state.flatMap((s, i) => e.set(s, e.const(init[i])))
  const copy = vars.flatMap((v, i) => e.set(v, e.get(state[i])))
  const { code, vars: after } = rounds(vars)
  const sum = state.flatMap((s, i) => e.set(s, e.add(e.get(s), e.get(after[i]))))
  const bytes = shape.blockBytes
  const next = [LOCAL_GET, 1, I32_CONST, ...sleb(BigInt(bytes)), I32_ADD, LOCAL_SET, 1, LOCAL_GET, 0, I32_CONST, 1, I32_SUB, LOCAL_TEE, 0, BR_IF, 0]
  return [...start, LOOP, VOID, ...copy, ...code, ...sum, ...next, END, ...e.storeDigest(state, shape.bigEndian, temp)]
}

// RFC 1321 §3.4: 64 steps over the block's 16 little-endian words.
function md5 (e: Emitter): Code {
  const m = Array.from({ length: 16 }, () => e.local())
  return body(e, 'md5', ([a, b, c, d]) => {
    const code: Code = m.flatMap((w, i) => e.set(w, e.load(4 * i)))
    let v = [a, b, c, d]
    for (let i = 0; i < 64; i++) {
      const [A, B, C, D] = v.map(e.get)
      const round = i >> 4
      const f = round === 0 ? e.xor(D, e.and(B, e.xor(C, D))) : round === 1 ? e.xor(C, e.and(D, e.xor(B, C))) : round === 2 ? e.xor(B, C, D) : e.xor(C, e.or(B, e.xor(D, e.const(-1))))
      code.push(...e.set(v[0], e.add(B, e.rotl(e.add(A, f, e.const(MD5_K[i]), e.get(m[MD5_INDEX[i]])), MD5_SHIFT[(round << 2) | (i & 3)]))))
      v = [v[3], v[0], v[1], v[2]]
    }
    return { code, vars: v }
  })
}

// FIPS 180-4 §6.2.2 and §6.4.2: the schedule kept as 16 words, overwritten as it goes.
function sha2 (e: Emitter, hash: 'sha256' | 'sha512'): Code {
  const [bigS0, bigS1, smallS0, smallS1] = hash === 'sha256' ? [[2, 13, 22], [6, 11, 25], [7, 18, 3], [17, 19, 10]] : [[28, 34, 39], [14, 18, 41], [1, 8, 7], [19, 61, 6]]
  const k = hash === 'sha256' ? Array.from(SHA256_K, (x) => BigInt(x >>> 0)) : Array.from({ length: 80 }, (_, i) => (BigInt(SHA512_K[2 * i] >>> 0) << 32n) | BigInt(SHA512_K[2 * i + 1] >>> 0))
  const w = Array.from({ length: 16 }, () => e.local())
  const t1 = e.local()
  const bytes = e.width / 8
  const sigma = (x: Code, [p, q, r]: number[], shift: boolean) => e.xor(e.rotr(x, p), e.rotr(x, q), shift ? e.shr(x, r) : e.rotr(x, r))
  return body(e, hash, (start) => {
    const code: Code = []
    let v = start
    for (let i = 0; i < k.length; i++) {
      if (i < 16) code.push(...e.set(w[i], e.swapped(e.load(bytes * i), w[i])))
      else code.push(...e.set(w[i % 16], e.add(e.get(w[i % 16]), sigma(e.get(w[(i + 1) % 16]), smallS0, true), e.get(w[(i + 9) % 16]), sigma(e.get(w[(i + 14) % 16]), smallS1, true))))
      const [A, B, C, D, E, F, G, H] = v.map(e.get)
      code.push(...e.set(t1, e.add(H, sigma(E, bigS1, false), e.xor(G, e.and(E, e.xor(F, G))), e.const(k[i]), e.get(w[i % 16]))))
      code.push(...e.set(v[3], e.add(D, e.get(t1))))
      code.push(...e.set(v[7], e.add(e.get(t1), sigma(A, bigS0, false), e.or(e.and(A, B), e.and(C, e.or(A, B))))))
      v = [v[7], v[0], v[1], v[2], v[3], v[4], v[5], v[6]]
    }
    return { code, vars: v }
  })
}

const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content]
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()]
const name = (text: string) => vector([...text].map((c) => [c.charCodeAt(0)]))

// A module of its own memory (exported as `memory`) and `digest(blocks: i32)`.
function assemble (e: Emitter, code: Code): Uint8Array<ArrayBuffer> {
  const type = section(1, vector([[0x60, ...vector([[0x7f]]), ...vector([])]]))
  const functions = section(3, vector([[0]]))
  const memory = section(5, vector([[0x00, ...uleb(PAGES)]]))
  const exports = section(7, vector([[...name('digest'), 0x00, 0], [...name('memory'), 0x02, 0]]))
  const locals = vector([[1, 0x7f], [...uleb(e.locals), e.ops.type]]) // the block pointer, then the words
  const func = [...locals, ...code, END]
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...functions, ...memory, ...exports, ...section(10, vector([[...uleb(func.length), ...func]]))])
}

// Compiled once per hash function per thread.
const modules = new Map<WasmHash, WebAssembly.Module>()

function moduleOf (hash: WasmHash): WebAssembly.Module {
  let module = modules.get(hash)
  if (!module) {
    const e = new Emitter(hash === 'sha512' ? 64 : 32)
    modules.set(hash, module = new WebAssembly.Module(assemble(e, hash === 'md5' ? md5(e) : sha2(e, hash))))
  }
  return module
}

// One message at a time, built in `input` (at most MAX_WASM_MESSAGE_BYTES), hashed by `hash`.
export class WasmHasher {
  readonly input: Uint8Array
  readonly #digest: Uint8Array
  readonly #run: (blocks: number) => void
  readonly #view: DataView
  readonly #blockBytes: number
  readonly #littleEndian: boolean

  constructor (hash: WasmHash) {
    const instance = new WebAssembly.Instance(moduleOf(hash), {})
    const memory = instance.exports.memory as WebAssembly.Memory
    this.input = new Uint8Array(memory.buffer, 0, MAX_WASM_MESSAGE_BYTES)
    this.#digest = new Uint8Array(memory.buffer, DIGEST, HASH_SHAPES[hash].stateWords * 4)
    this.#run = instance.exports.digest as (blocks: number) => void
    this.#view = new DataView(memory.buffer)
    this.#blockBytes = HASH_SHAPES[hash].blockBytes
    this.#littleEndian = !HASH_SHAPES[hash].bigEndian
  }

  // The digest of input[0, length): a view, overwritten by the next call. The padding goes after
  // the message, in `input`.
  hash (length: number): Uint8Array {
    if (length > MAX_WASM_MESSAGE_BYTES) throw new RangeError(`a message of ${length} bytes; this hasher takes at most ${MAX_WASM_MESSAGE_BYTES}`)
    const lengthBytes = this.#blockBytes / 8 // 8 for MD5 and SHA-256, 16 for SHA-512
    const total = Math.ceil((length + 1 + lengthBytes) / this.#blockBytes) * this.#blockBytes
    const input = this.input
    input[length] = 0x80
    input.fill(0, length + 1, total)
    // A few thousand bits at most: the length field's low 32 bits carry all of it.
    this.#view.setUint32(this.#littleEndian ? total - 8 : total - 4, length * 8, this.#littleEndian)
    this.#run(total / this.#blockBytes)
    return this.#digest
  }
}
