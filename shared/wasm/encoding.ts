// Just enough of the WebAssembly binary format to assemble one exported function over an imported
// memory. Opcodes are from the core spec (§5.4) and the fixed-width SIMD proposal (0xfd prefix).
export const Op = {
  if: 0x04, loop: 0x03, end: 0x0b, brIf: 0x0d, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Store: 0x36, i32Const: 0x41,
  i32Eq: 0x46, i32LtU: 0x49, i32GeU: 0x4f, i32Add: 0x6a, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrU: 0x76,
  i64ExtendI32U: 0xad
} as const

export const Simd = {
  load: 0x00, store: 0x0b, const: 0x0c, i32x4Splat: 0x11, i64x2Splat: 0x12,
  i32x4Eq: 0x37, and: 0x4e, or: 0x50, xor: 0x51, bitselect: 0x52, anyTrue: 0x53,
  i32x4Shl: 0xab, i32x4ShrU: 0xad, i32x4Add: 0xae, i64x2Shl: 0xcb, i64x2ShrU: 0xcd, i64x2Add: 0xce, i64x2Eq: 0xd6
} as const

const VOID_BLOCK = 0x40
const I32 = 0x7f
const V128 = 0x7b

export function uleb (value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

export function sleb (value: bigint): number[] {
  const out: number[] = []
  for (;;) {
    const byte = Number(value & 0x7fn)
    value >>= 7n
    if ((value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

export const i32Const = (value: number) => [Op.i32Const, ...sleb(BigInt(value | 0))]
export const simd = (op: number) => [0xfd, ...uleb(op)]
export const memarg = (alignLog2: number, offset: number) => [...uleb(alignLog2), ...uleb(offset)]
export const block = (kind: typeof Op.if | typeof Op.loop, body: number[]) => [kind, VOID_BLOCK, ...body, Op.end]

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body]
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()]
const name = (text: string) => vector([...text].map((c) => [c.charCodeAt(0)]))

// A module importing env.memory (at least `pages` 64 KiB pages) and exporting
// `search(i32, i32) -> i32` with the given extra i32 and v128 locals.
export function assembleModule (pages: number, i32Locals: number, v128Locals: number, code: number[]): Uint8Array {
  const type = section(1, vector([[0x60, ...vector([[I32], [I32]]), ...vector([[I32]])]]))
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(pages)]]))
  const functions = section(3, vector([[0]]))
  const exports = section(7, vector([[...name('search'), 0x00, 0]]))
  const locals = vector([[...uleb(i32Locals), I32], [...uleb(v128Locals), V128]])
  const body = [...locals, ...code, Op.end]
  const codeSection = section(10, vector([[...uleb(body.length), ...body]]))
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...functions, ...exports, ...codeSection])
}
