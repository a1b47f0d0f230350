// Scalar compression functions: the reference every faster kernel is checked against, and the
// fallback for candidates longer than one block. State and message are 32-bit words; SHA-512 keeps
// each 64-bit word as a (high, low) pair. Nothing here allocates per call.
import { MAX_CANDIDATE_BYTES } from '../keyspace/spec.ts'

// The hash functions kernels compute.
export const HASH_FUNCTIONS = ['md4', 'md5', 'sha1', 'sha256', 'sha512'] as const
export type HashFunction = typeof HASH_FUNCTIONS[number]

export type HashShape = {
  blockBytes: number
  stateWords: number // 32-bit words of state (= digest words here)
  bigEndian: boolean
  lengthBytes: number // size of the trailing message-length field
  init: Int32Array
  compress: (state: Int32Array, block: Int32Array) => void
}

// RFC 1321 §3.4: K[i] = floor(abs(sin(i + 1)) * 2^32).
export const MD5_K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0)
export const MD5_SHIFT = Int8Array.from([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21])
export const MD5_INDEX = Int8Array.from({ length: 64 }, (_, i) => i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16)

function md5Compress (state: Int32Array, m: Int32Array): void {
  let a = state[0]; let b = state[1]; let c = state[2]; let d = state[3]
  for (let i = 0; i < 64; i++) {
    const round = i >> 4
    const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (d & b) | (~d & c) : round === 2 ? b ^ c ^ d : c ^ (b | ~d)
    const s = MD5_SHIFT[(round << 2) | (i & 3)]
    const t = (a + f + MD5_K[i] + m[MD5_INDEX[i]]) | 0
    a = d; d = c; c = b
    b = (b + ((t << s) | (t >>> (32 - s)))) | 0
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0
}

// RFC 1320 §3.4: three rounds of 16 steps; rounds 2 and 3 add a constant and take the words in
// another order.
export const MD4_K = Int32Array.from([0, 0x5a827999, 0x6ed9eba1])
export const MD4_SHIFT = Int8Array.from([3, 7, 11, 19, 3, 5, 9, 13, 3, 9, 11, 15])
export const MD4_INDEX = Int8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
  0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15
])

function md4Compress (state: Int32Array, m: Int32Array): void {
  let a = state[0]; let b = state[1]; let c = state[2]; let d = state[3]
  for (let i = 0; i < 48; i++) {
    const round = (i / 16) | 0
    const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d
    const s = MD4_SHIFT[(round << 2) | (i & 3)]
    const t = (a + f + MD4_K[round] + m[MD4_INDEX[i]]) | 0
    a = d; d = c; c = b
    b = (t << s) | (t >>> (32 - s))
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0
}

// FIPS 180-4 §4.2.1, one constant per 20 rounds.
export const SHA1_K = Int32Array.from([0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6])
const SHA1_W = new Int32Array(80)

function sha1Compress (state: Int32Array, m: Int32Array): void {
  const w = SHA1_W
  for (let i = 0; i < 16; i++) w[i] = m[i]
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
    w[i] = (x << 1) | (x >>> 31)
  }
  let a = state[0]; let b = state[1]; let c = state[2]; let d = state[3]; let e = state[4]
  for (let i = 0; i < 80; i++) {
    const f = i < 20 ? ((b & c) | (~b & d)) + SHA1_K[0]
      : i < 40 ? (b ^ c ^ d) + SHA1_K[1]
        : i < 60 ? ((b & c) | (b & d) | (c & d)) + SHA1_K[2]
          : (b ^ c ^ d) + SHA1_K[3]
    const t = (((a << 5) | (a >>> 27)) + f + e + w[i]) | 0
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0
  state[3] = (state[3] + d) | 0; state[4] = (state[4] + e) | 0
}

const SHA256_W = new Int32Array(64)

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))

function sha256Compress (state: Int32Array, m: Int32Array): void {
  const w = SHA256_W
  for (let i = 0; i < 16; i++) w[i] = m[i]
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]; const y = w[i - 2]
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0
  }
  let a = state[0]; let b = state[1]; let c = state[2]; let d = state[3]
  let e = state[4]; let f = state[5]; let g = state[6]; let h = state[7]
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0
  state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0; state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0
}

// SHA-256's last rounds can be worked back from its digest alone as far as `a` after this many
// rounds: each round's T1 is its new a less T2 (known words only), and its new e is T1 plus the a of
// four rounds before. Further back T1 needs a message word. Kernels stop there (four rounds early).
export const SHA256_KEY_ROUNDS = 57
const SHA256_A = new Int32Array(65)

// That `a`, from the final state words (digest words, the initial values included).
export function sha256EarlyKey (state: Int32Array): number {
  const iv = HASH_SHAPES.sha256.init
  // a[n]: a after n rounds, for n = 57..64; e64..e61 are the state's last four words.
  const a = SHA256_A
  for (let i = 0; i < 4; i++) a[64 - i] = state[i] - iv[i]
  for (let n = 64; n > SHA256_KEY_ROUNDS + 3; n--) {
    const x = a[n - 1]
    const t2 = (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22)) + ((x & a[n - 2]) ^ (x & a[n - 3]) ^ (a[n - 2] & a[n - 3]))
    a[n - 4] = state[4 + 64 - n] - iv[4 + 64 - n] - (a[n] - t2)
  }
  return a[SHA256_KEY_ROUNDS]
}

// FIPS 180-4 §4.2.3, as (high, low) pairs.
export const SHA512_K = Int32Array.from([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817
])
// FIPS 180-4 §4.2.2: SHA-256's constants are the high halves of SHA-512's first 64 (§4.2.3).
export const SHA256_K = Int32Array.from({ length: 64 }, (_, i) => SHA512_K[2 * i])
const SHA512_W = new Int32Array(160)
// Working variables a..h as (high, low) pairs, kept in one array so the round is a loop.
const V = new Int32Array(16)

// 64-bit rotate right / shift right of (hi, lo), returning the high or low half.
const rotrHi = (h: number, l: number, n: number) => n < 32 ? (h >>> n) | (l << (32 - n)) : (l >>> (n - 32)) | (h << (64 - n))
const rotrLo = (h: number, l: number, n: number) => n < 32 ? (l >>> n) | (h << (32 - n)) : (h >>> (n - 32)) | (l << (64 - n))
const shrHi = (h: number, n: number) => h >>> n
const shrLo = (h: number, l: number, n: number) => (l >>> n) | (h << (32 - n))

function sha512Compress (state: Int32Array, m: Int32Array): void {
  const w = SHA512_W
  for (let i = 0; i < 32; i++) w[i] = m[i]
  for (let i = 16; i < 80; i++) {
    const xh = w[2 * (i - 15)]; const xl = w[2 * (i - 15) + 1]
    const yh = w[2 * (i - 2)]; const yl = w[2 * (i - 2) + 1]
    const s0h = rotrHi(xh, xl, 1) ^ rotrHi(xh, xl, 8) ^ shrHi(xh, 7)
    const s0l = rotrLo(xh, xl, 1) ^ rotrLo(xh, xl, 8) ^ shrLo(xh, xl, 7)
    const s1h = rotrHi(yh, yl, 19) ^ rotrHi(yh, yl, 61) ^ shrHi(yh, 6)
    const s1l = rotrLo(yh, yl, 19) ^ rotrLo(yh, yl, 61) ^ shrLo(yh, yl, 6)
    const lo = (w[2 * (i - 16) + 1] >>> 0) + (s0l >>> 0) + (w[2 * (i - 7) + 1] >>> 0) + (s1l >>> 0)
    w[2 * i] = (w[2 * (i - 16)] + s0h + w[2 * (i - 7)] + s1h + Math.floor(lo / 2 ** 32)) | 0
    w[2 * i + 1] = lo | 0
  }
  const v = V
  v.set(state)
  for (let i = 0; i < 80; i++) {
    const ah = v[0]; const al = v[1]; const bh = v[2]; const bl = v[3]; const ch = v[4]; const cl = v[5]
    const eh = v[8]; const el = v[9]; const fh = v[10]; const fl = v[11]; const gh = v[12]; const gl = v[13]
    const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41)
    const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41)
    const chh = (eh & fh) ^ (~eh & gh); const chl = (el & fl) ^ (~el & gl)
    const t1l = (v[15] >>> 0) + (S1l >>> 0) + (chl >>> 0) + (SHA512_K[2 * i + 1] >>> 0) + (w[2 * i + 1] >>> 0)
    const t1h = (v[14] + S1h + chh + SHA512_K[2 * i] + w[2 * i] + Math.floor(t1l / 2 ** 32)) | 0
    const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39)
    const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39)
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch); const majl = (al & bl) ^ (al & cl) ^ (bl & cl)
    const t2l = (S0l >>> 0) + (majl >>> 0)
    const t2h = S0h + majh + Math.floor(t2l / 2 ** 32)
    v.copyWithin(2, 0, 14) // h=g, g=f, ..., b=a
    const el2 = (v[9] >>> 0) + (t1l >>> 0) // e = d + t1 (d now sits in e's slot)
    v[8] = (v[8] + t1h + Math.floor(el2 / 2 ** 32)) | 0; v[9] = el2 | 0
    const al2 = (t1l >>> 0) + (t2l >>> 0)
    v[0] = (t1h + t2h + Math.floor(al2 / 2 ** 32)) | 0; v[1] = al2 | 0
  }
  for (let i = 0; i < 16; i += 2) {
    const lo = (state[i + 1] >>> 0) + (v[i + 1] >>> 0)
    state[i] = (state[i] + v[i] + Math.floor(lo / 2 ** 32)) | 0
    state[i + 1] = lo | 0
  }
}

// SHA-512 as SHA-256 (sha256EarlyKey): its digest fixes a after round 73 of 80, and the key is that
// a's high half (a kernel compares 32 bits).
export const SHA512_KEY_ROUNDS = 73
const SHA512_A = new Int32Array(2 * 81) // a after n rounds as (high, low) at 2n, 2n + 1

export function sha512EarlyKey (state: Int32Array): number {
  const iv = HASH_SHAPES.sha512.init
  const a = SHA512_A
  for (let i = 0; i < 4; i++) {
    const lo = (state[2 * i + 1] >>> 0) - (iv[2 * i + 1] >>> 0)
    a[2 * (80 - i)] = (state[2 * i] - iv[2 * i] + Math.floor(lo / 2 ** 32)) | 0
    a[2 * (80 - i) + 1] = lo | 0
  }
  for (let n = 80; n > SHA512_KEY_ROUNDS + 3; n--) {
    const xh = a[2 * (n - 1)]; const xl = a[2 * (n - 1) + 1]
    const bh = a[2 * (n - 2)]; const bl = a[2 * (n - 2) + 1]
    const ch = a[2 * (n - 3)]; const cl = a[2 * (n - 3) + 1]
    const s0h = rotrHi(xh, xl, 28) ^ rotrHi(xh, xl, 34) ^ rotrHi(xh, xl, 39)
    const s0l = rotrLo(xh, xl, 28) ^ rotrLo(xh, xl, 34) ^ rotrLo(xh, xl, 39)
    const majh = (xh & bh) ^ (xh & ch) ^ (bh & ch); const majl = (xl & bl) ^ (xl & cl) ^ (bl & cl)
    // a_{n-4} = e_n - T1 = e_n - a_n + Sigma0 + maj, e_n being state word 4 + 80 - n less its initial value.
    const e = 2 * (4 + 80 - n)
    const lo = (state[e + 1] >>> 0) - (iv[e + 1] >>> 0) - (a[2 * n + 1] >>> 0) + (s0l >>> 0) + (majl >>> 0)
    a[2 * (n - 4)] = (state[e] - iv[e] - a[2 * n] + s0h + majh + Math.floor(lo / 2 ** 32)) | 0
    a[2 * (n - 4) + 1] = lo | 0
  }
  return a[2 * SHA512_KEY_ROUNDS]
}

export const HASH_SHAPES: Record<HashFunction, HashShape> = {
  md4: { blockBytes: 64, stateWords: 4, bigEndian: false, lengthBytes: 8, compress: md4Compress, init: Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]) },
  md5: { blockBytes: 64, stateWords: 4, bigEndian: false, lengthBytes: 8, compress: md5Compress, init: Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]) },
  sha1: { blockBytes: 64, stateWords: 5, bigEndian: true, lengthBytes: 8, compress: sha1Compress, init: Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]) },
  sha256: { blockBytes: 64, stateWords: 8, bigEndian: true, lengthBytes: 8, compress: sha256Compress, init: Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]) },
  sha512: {
    blockBytes: 128, stateWords: 16, bigEndian: true, lengthBytes: 16, compress: sha512Compress,
    init: Int32Array.from([0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1, 0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179])
  }
}

// Reads a block's bytes as message words in the hash's byte order.
export function loadWords (shape: HashShape, bytes: Uint8Array, offset: number, words: Int32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, shape.blockBytes)
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(4 * i, !shape.bigEndian)
}

// Words of a digest, in the same order and byte order as the hash's state.
export function digestWords (shape: HashShape, digest: Uint8Array): Int32Array {
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength)
  return Int32Array.from({ length: shape.stateWords }, (_, i) => view.getInt32(4 * i, !shape.bigEndian))
}

export function stateDigest (shape: HashShape, state: Int32Array): Uint8Array {
  const digest = new Uint8Array(shape.stateWords * 4)
  writeDigest(shape, state, digest)
  return digest
}

// The digest bytes of `state` into `out`, without allocating.
export function writeDigest (shape: HashShape, state: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < shape.stateWords; i++) {
    const word = state[i]
    const at = 4 * i
    if (shape.bigEndian) { out[at] = word >>> 24; out[at + 1] = word >>> 16; out[at + 2] = word >>> 8; out[at + 3] = word }
    else { out[at] = word; out[at + 1] = word >>> 8; out[at + 2] = word >>> 16; out[at + 3] = word >>> 24 }
  }
}

// The whole hash of any message, block by block: the reference for tests and long candidates.
export function hashBytes (hash: HashFunction, message: Uint8Array): Uint8Array {
  const shape = HASH_SHAPES[hash]
  const blocks = Math.ceil((message.length + 1 + shape.lengthBytes) / shape.blockBytes)
  const padded = new Uint8Array(blocks * shape.blockBytes)
  padded.set(message)
  padded[message.length] = 0x80
  writeBitLength(shape, padded, message.length)
  const state = shape.init.slice()
  const words = new Int32Array(shape.blockBytes / 4)
  for (let b = 0; b < blocks; b++) {
    loadWords(shape, padded, b * shape.blockBytes, words)
    shape.compress(state, words)
  }
  return stateDigest(shape, state)
}

// The message length in bits, at the end of the last block (little-endian for MD5, big for SHA).
export function writeBitLength (shape: HashShape, padded: Uint8Array, messageBytes: number): void {
  const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength)
  const bits = BigInt(messageBytes) * 8n
  view.setBigUint64(padded.length - 8, bits, !shape.bigEndian)
}

// Hashes one message after another (up to the length given at construction) without allocating: a reused padded
// buffer, block words and state. For candidates that come as bytes (wordlists), not from an index.
export class MessageHasher {
  readonly state: Int32Array
  readonly #shape: HashShape
  readonly #padded: Uint8Array
  readonly #view: DataView
  readonly #words: Int32Array

  // `maxBytes`: the longest message it will be given (NTLM's are twice the candidate).
  constructor (hash: HashFunction, maxBytes = MAX_CANDIDATE_BYTES) {
    this.#shape = HASH_SHAPES[hash]
    const blocks = Math.ceil((maxBytes + 1 + this.#shape.lengthBytes) / this.#shape.blockBytes)
    this.#padded = new Uint8Array(blocks * this.#shape.blockBytes)
    this.#view = new DataView(this.#padded.buffer)
    this.#words = new Int32Array(this.#shape.blockBytes / 4)
    this.state = new Int32Array(this.#shape.stateWords)
  }

  // Hashes bytes [start, end) of `source`; the result is in `state`.
  hash (source: Uint8Array, start: number, end: number): Int32Array {
    const shape = this.#shape
    const length = end - start
    const total = Math.ceil((length + 1 + shape.lengthBytes) / shape.blockBytes) * shape.blockBytes
    const padded = this.#padded
    for (let i = 0; i < length; i++) padded[i] = source[start + i]
    padded[length] = 0x80
    padded.fill(0, length + 1, total)
    // A few thousand bits at most: the length field's low 32 bits carry all of it.
    if (shape.bigEndian) this.#view.setUint32(total - 4, length * 8, false)
    else this.#view.setUint32(total - 8, length * 8, true)
    this.state.set(shape.init)
    for (let block = 0; block < total; block += shape.blockBytes) {
      for (let w = 0; w < this.#words.length; w++) this.#words[w] = this.#view.getInt32(block + 4 * w, !shape.bigEndian)
      shape.compress(this.state, this.#words)
    }
    return this.state
  }
}
