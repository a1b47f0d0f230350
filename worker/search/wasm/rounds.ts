// Each hash's single-block compression written against the lane graph. The kernel emits only the key
// (KEY below), and the graph drops all work that does not reach it: the last three steps or rounds,
// SHA-2's last seven. Constants are the scalar reference's.
import type { HashFunction } from '../../../shared/algorithms.ts'
import { HASH_SHAPES, MD4_INDEX, MD4_K, MD4_SHIFT, MD5_INDEX, MD5_K, MD5_SHIFT, SHA1_K, SHA256_K, SHA256_KEY_ROUNDS, SHA512_K, SHA512_KEY_ROUNDS } from '../../../shared/hashing/scalar.ts'
import type { Graph, Value } from './graph.ts'
import { LAST_USE, type Reversible } from './reversal.ts'

const u32 = (x: number) => BigInt(x >>> 0)
const pair = (words: Int32Array, i: number) => (u32(words[2 * i]) << 32n) | u32(words[2 * i + 1])

// MD5's or MD4's steps 0..count-1. Step s makes one new state word b_s from b_{s-1..s-4}, so the
// chain of them is the state: returns b_{-4} .. b_{count-1} (the initial a, d, c, b first).
function chain (hash: Reversible, g: Graph, m: Value[], count: number): Value[] {
  const iv = HASH_SHAPES[hash].init
  const chain = [iv[0], iv[3], iv[2], iv[1]].map((x) => g.constant(x))
  for (let i = 0; i < count; i++) {
    const [a, d, c, b] = chain.slice(-4)
    const round = i >> 4
    const f = mix(hash, round, g, b, c, d)
    // Constant and message first, so a constant word folds into the step constant; f last, as it alone
    // waits on the previous step's b: one add between f and the rotation, not two.
    const k = hash === 'md5' ? MD5_K[i] : MD4_K[round]
    const index = hash === 'md5' ? MD5_INDEX : MD4_INDEX
    const t = g.add(g.add(g.add(g.constant(k), m[index[i]]), a), f)
    const rotated = g.rotl(t, (hash === 'md5' ? MD5_SHIFT : MD4_SHIFT)[(round << 2) | (i & 3)])
    chain.push(hash === 'md5' ? g.add(b, rotated) : rotated)
  }
  return chain
}

// Each round's f(b, c, d): MD5's F, G, H, I; MD4's F, G, H. b, the previous step's output, is the last
// input ready, so each starts from the others (c ^ d before b).
function mix (hash: Reversible, round: number, g: Graph, b: Value, c: Value, d: Value): Value {
  if (round === 0) return g.select(c, d, b)
  if (round === 1) return hash === 'md5' ? g.select(b, c, d) : majority(g, b, c, d)
  if (round === 2 || hash === 'md4') return g.xor(b, g.xor(c, d))
  return g.xor(c, g.or(b, g.not(d)))
}

// c where c and d agree, else b.
const majority = (g: Graph, b: Value, c: Value, d: Value) => g.select(b, c, g.xor(c, d))

// The digest's first word, b_{n-4} after n steps (MD5 64, MD4 48): the last three steps are skipped.
function firstWord (hash: Reversible, g: Graph, m: Value[]): Value {
  const steps = hash === 'md5' ? 64 : 48
  return g.add(chain(hash, g, m, steps - 3)[steps], g.constant(HASH_SHAPES[hash].init[0]))
}

// What a candidate must match when only message word `word` changes: the steps after its last use,
// s, are worked back from each target (reversal.ts) down to b_{s-4} + m[word], the sum step s takes
// in. So the candidate stops after step s - 4.
export function untilLastUse (hash: Reversible, g: Graph, m: Value[], word: number): Value {
  const last = LAST_USE[hash][word]
  return g.add(chain(hash, g, m, last - 3)[last], m[word]) // the chain holds b_{s-4} at s
}

function sha1 (g: Graph, m: Value[]): Value[] {
  const iv = HASH_SHAPES.sha1.init
  const schedule = sha1Schedule(g, m)
  const w: Value[] = []
  let a = g.constant(iv[0]); let b = g.constant(iv[1]); let c = g.constant(iv[2]); let d = g.constant(iv[3]); let e = g.constant(iv[4])
  for (let i = 0; i < 80; i++) {
    // Schedule words are made as the rounds need them, so the emitted code computes them there too.
    w.push(schedule(i))
    const f = i < 20 ? g.select(c, d, b)
      : i < 40 || i >= 60 ? g.xor(b, g.xor(c, d))
        : majority(g, b, c, d)
    // a, made by the previous round, goes last: its rotation and one add are all that wait on it.
    const t = g.add(g.add(g.add(g.add(g.constant(SHA1_K[Math.floor(i / 20)]), w[i]), e), f), g.rotl(a, 5))
    e = d; d = c; c = g.rotl(b, 30); b = a; a = t
  }
  return [a, b, c, d, e].map((x, i) => g.add(x, g.constant(iv[i])))
}

// SHA-1's schedule word i, made when called (in order). The schedule is linear over xor, so when only
// one message word's tail bits change, each word is the schedule of the fixed bits (once per call)
// xor some rotations of the changing bits, shared by all words: hashcat's -O kernels do the same.
function sha1Schedule (g: Graph, m: Value[]): (i: number) => Value {
  const fixed = [...m]
  const changing = m.filter((v) => v.varying)
  const parts = changing.length === 1 ? g.tailParts(changing[0]) : null
  if (!parts) return (i) => (i < 16 ? m[i] : fixed[i] = g.rotl(g.xor(g.xor(fixed[i - 3], fixed[i - 8]), g.xor(fixed[i - 14], fixed[i - 16])), 1))
  const k = m.indexOf(changing[0])
  fixed[k] = parts.fixed
  // rotations[i]: by how much the changing bits are rotated in word i (each amount at most once).
  const rotations = Array.from({ length: 16 }, (_, i) => (i === k ? [0] : []))
  const xor = (x: number[], y: number[]) => [...x.filter((r) => !y.includes(r)), ...y.filter((r) => !x.includes(r))]
  const rotate = (value: Value, r: number) => (r === 0 ? value : g.rotl(value, r))
  return (i) => {
    if (i < 16) return m[i]
    fixed[i] = g.rotl(g.xor(g.xor(fixed[i - 3], fixed[i - 8]), g.xor(fixed[i - 14], fixed[i - 16])), 1)
    rotations[i] = xor(xor(rotations[i - 3], rotations[i - 8]), xor(rotations[i - 14], rotations[i - 16])).map((r) => (r + 1) % 32).sort((x, y) => x - y)
    return rotations[i].reduce((word, r) => g.xor(word, rotate(parts.changing, r)), fixed[i])
  }
}

// SHA-256 and SHA-512 share their structure; only word size, rotations and constants differ.
type Sha2 = { k: bigint[], iv: bigint[], sigma0: number[], sigma1: number[], bigSigma0: number[], bigSigma1: number[] }

const SHA256: Sha2 = {
  k: Array.from(SHA256_K, u32),
  iv: Array.from(HASH_SHAPES.sha256.init, u32),
  sigma0: [7, 18, 3], sigma1: [17, 19, 10], bigSigma0: [2, 13, 22], bigSigma1: [6, 11, 25]
}

const SHA512: Sha2 = {
  k: Array.from({ length: 80 }, (_, i) => pair(SHA512_K, i)),
  iv: Array.from({ length: 8 }, (_, i) => pair(HASH_SHAPES.sha512.init, i)),
  sigma0: [1, 8, 7], sigma1: [19, 61, 6], bigSigma0: [28, 34, 39], bigSigma1: [14, 18, 41]
}

// The state after `rounds` rounds, before the initial values are added back.
function sha2 (spec: Sha2, g: Graph, m: Value[], rounds: number): Value[] {
  const small = (x: Value, [r1, r2, s]: number[]) => g.xor(g.xor(g.rotr(x, r1), g.rotr(x, r2)), g.shr(x, s))
  const big = (x: Value, [r1, r2, r3]: number[]) => g.xor(g.xor(g.rotr(x, r1), g.rotr(x, r2)), g.rotr(x, r3))
  const w = [...m]
  let [a, b, c, d, e, f, gg, h] = spec.iv.map((x) => g.constant(x))
  for (let i = 0; i < rounds; i++) {
    if (i >= 16) w.push(g.add(g.add(w[i - 16], small(w[i - 15], spec.sigma0)), g.add(w[i - 7], small(w[i - 2], spec.sigma1))))
    const t1 = g.add(g.add(g.add(g.constant(spec.k[i]), w[i]), h), g.add(big(e, spec.bigSigma1), g.select(f, gg, e)))
    // Majority as b ^ ((a ^ b) & (b ^ c)): b ^ c is the previous round's a ^ b, so the graph reuses it.
    const t2 = g.add(big(a, spec.bigSigma0), g.xor(b, g.and(g.xor(a, b), g.xor(b, c))))
    h = gg; gg = f; f = e; e = g.add(d, t1); d = c; c = b; b = a; a = g.add(t1, t2)
  }
  return [a, b, c, d, e, f, gg, h]
}

// The value a kernel compares per candidate, the one targets.ts keyOf takes from a finished hash:
// the digest word made earliest, or for SHA-2 `a` seven rounds before the end, which the digest
// determines (scalar.ts sha256EarlyKey): four rounds fewer.
export const KEY: Record<HashFunction, (g: Graph, m: Value[]) => Value> = {
  md4: (g, m) => firstWord('md4', g, m),
  md5: (g, m) => firstWord('md5', g, m),
  sha1: (g, m) => sha1(g, m)[4],
  sha256: (g, m) => sha2(SHA256, g, m, SHA256_KEY_ROUNDS)[0],
  sha512: (g, m) => sha2(SHA512, g, m, SHA512_KEY_ROUNDS)[0] // the module compares its high half
}
