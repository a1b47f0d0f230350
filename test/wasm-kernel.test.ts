// The WASM SIMD kernel against the scalar kernel, run by run: on random segments (random charsets,
// lengths, starting points, run sizes), both must hash the same count and report the same prefilter
// passes, including when the maybes buffer fills mid-call. The scalar kernel is itself checked
// against node:crypto in kernels.test.ts.
import { describe, expect, it } from 'vitest'
import { HASH_FUNCTIONS as ALGORITHMS, type HashFunction as Algorithm } from '../shared/algorithms.ts'
import { odometerDigits, type Segment } from '../shared/keyspace/keyspace.ts'
import { HASH_SHAPES, digestWords, hashBytes } from '../shared/hashing/scalar.ts'
import { scalarSegmentKernel } from '../worker/search/scalar-search.ts'
import { keyOf, targetSet, type TargetSet } from '../worker/search/targets.ts'
import { BlockKernel } from '../worker/search/wasm/block-kernel.ts'
import { layoutFor, wasmSimdKernel } from '../worker/search/wasm/kernel.ts'

const SINGLE_BLOCK_MAX: Record<Algorithm, number> = { md4: 55, md5: 55, sha1: 55, sha256: 55, sha512: 111 }

// Deterministic, so a failure names a seed that reproduces it.
function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return ((seed >>> 0) % below)
  }
}

function randomSegment (next: (below: number) => number, length: number): Segment {
  const charsets = Array.from({ length }, () => {
    const size = [1, 2, 10, 26, 95, 256][next(6)]
    const bytes = new Set<number>()
    while (bytes.size < size) bytes.add(next(256))
    return Uint8Array.from(bytes)
  })
  const total = charsets.reduce((n, c) => n * BigInt(c.length), 1n)
  const first = BigInt(next(1 << 30)) % total
  return { charsets, first, count: total - first, start: 0n }
}

function candidate (segment: Segment, value: bigint): Uint8Array {
  return Uint8Array.from(odometerDigits(segment, value), (d, i) => segment.charsets[i][d])
}

// Every candidate of the segment's first `count` passes both bitmaps and the key look-up: exercises
// the per-lane path and a full maybes buffer. Enough digests that the kernel uses the bitmaps rather
// than comparing a handful of targets directly.
function everythingPasses (targets: TargetSet, segment: Segment, count: number): TargetSet {
  const keyWords = Int32Array.from(Array.from({ length: 5 }, () => [...targets.keyWords]).flat())
  const shape = HASH_SHAPES[targets.hash]
  const reach = Math.min(count, Number(segment.count))
  const keys = Array.from({ length: reach }, (_, i) => keyOf(targets.hash, digestWords(shape, hashBytes(targets.hash, candidate(segment, segment.first + BigInt(i))))))
  return { ...targets, keyWords, keys: Int32Array.from(new Set([...targets.keys, ...keys])).sort(), small: targets.small.map(() => 0xffffffff), large: targets.large.map(() => 0xffffffff) }
}

// With a handful of targets the WASM kernel compares key words exactly, so it reports only the
// scalar bitmap's passes whose first word really matches.
function exactPasses (targets: TargetSet, segment: Segment, position: bigint, passes: Int32Array): Int32Array {
  if (targets.keyWords.length > 4) return passes
  const shape = HASH_SHAPES[targets.hash]
  return passes.filter((offset) => {
    const key = keyOf(targets.hash, digestWords(shape, hashBytes(targets.hash, candidate(segment, segment.first + position + BigInt(offset)))))
    return targets.keyWords.includes(key)
  })
}

// `limit`: the kernel is told it will be asked for no more than this.
function compareRuns (targets: TargetSet, segment: Segment, runs: number[], maybesLength: number, limit?: bigint): void {
  const wasm = wasmSimdKernel(targets, segment, odometerDigits(segment, segment.first), limit)
  // A segment where nothing changes is one candidate: the scalar kernel's.
  if (segment.charsets.every((c) => c.length === 1)) return expect(wasm).toBeNull()
  expect(wasm).not.toBeNull()
  const scalar = scalarSegmentKernel(targets, segment, odometerDigits(segment, segment.first))
  const fromWasm = new Int32Array(maybesLength)
  const fromScalar = new Int32Array(maybesLength)
  let position = 0n
  for (const count of runs) {
    const want = Number(BigInt(count) < segment.count - position ? BigInt(count) : segment.count - position)
    if (want === 0) break
    const hashed = scalar.run(want, fromScalar)
    expect(wasm!.run(want, fromWasm), `run of ${want} at ${position}`).toBe(hashed)
    expect(fromWasm.subarray(0, wasm!.found)).toEqual(exactPasses(targets, segment, position, fromScalar.subarray(0, scalar.found)))
    position += BigInt(hashed)
  }
}

describe('WASM SIMD kernel', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: agrees with the scalar kernel on random segments, targets and run sizes`, () => {
      const next = random(ALGORITHMS.indexOf(algorithm) + 1)
      const lengths = [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, SINGLE_BLOCK_MAX[algorithm] - 1, SINGLE_BLOCK_MAX[algorithm]]
      for (const length of lengths) {
        const segment = randomSegment(next, length)
        // Targets a few values ahead, so runs find them: a handful (compared directly) or more (bitmap).
        const picks = Array.from({ length: 1 + next(8) }, () => segment.first + BigInt(next(3000)) % segment.count)
        const targets = targetSet(algorithm, picks.map((v) => hashBytes(algorithm, candidate(segment, v))))
        const runs = Array.from({ length: 8 }, () => 1 + next(1500))
        compareRuns(targets, segment, runs, 64)
        compareRuns(everythingPasses(targets, segment, runs.reduce((a, b) => a + b, 0)), segment, runs, 1 + next(100))
      }
    })
  }

  it('skips single-byte positions (salts, NTLM\'s zero bytes) when it chooses the tail', () => {
    const next = random(99)
    const zero = Uint8Array.of(0)
    const lower = Uint8Array.from({ length: 26 }, (_, i) => 0x61 + i)
    const salt = [...Buffer.from('s4lt')].map((b) => Uint8Array.of(b))
    for (const charsets of [[lower, zero, lower, zero, lower, zero, lower, zero, lower, zero], [lower, lower, lower, lower, ...salt], [...salt, lower, lower, zero, lower]]) {
      const total = charsets.reduce((n, c) => n * BigInt(c.length), 1n)
      const segment: Segment = { charsets, first: 0n, count: total, start: 0n }
      for (const algorithm of ALGORITHMS) {
        const picks = Array.from({ length: 3 }, () => BigInt(next(121_000)) % total)
        const targets = targetSet(algorithm, picks.map((v) => hashBytes(algorithm, candidate(segment, v))))
        compareRuns(targets, segment, [1000, 20_000, 100_000], 64)
      }
    }
  })

  // NTLM's ?l x 8: MD4 over 16 bytes, every other one zero. Word 2 (characters 4-5) leaves the fewest
  // steps, with characters 6-7 set per call.
  it('md4: an NTLM candidate reverses from its best word', () => {
    const zero = Uint8Array.of(0)
    const lower = Uint8Array.from({ length: 26 }, (_, i) => 0x61 + i)
    const charsets = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? lower : zero))
    const total = 26n ** 8n
    const segment: Segment = { charsets, first: total - 1_000_000n, count: 1_000_000n, start: 0n }
    const picks = [segment.first + 5n, segment.first + 456_975n, segment.first + 456_976n, segment.first + 999_999n]
    const targets = targetSet('md4', picks.map((v) => hashBytes('md4', candidate(segment, v))))
    expect(layoutFor(targets, segment)).toMatchObject({ tail: [8, 10], outer: [12, 14], reversedWord: 2 })
    compareRuns(targets, segment, [7, 456_969, 1, 543_023], 2)
  })

  // A tail in one message word: MD5 and MD4 against a few targets work back from them (reversal.ts),
  // SHA-1 shares the changing word's part of its schedule (rounds.ts sha1Schedule). At every
  // candidate length, with the tail in the last word or in an earlier one and the prefix moving.
  for (const algorithm of ['md5', 'md4', 'sha1'] as const) {
    it(`${algorithm}: a one-word tail, at every candidate length`, () => {
      const next = random(55)
      // Tail sizes that fill MAX_TABLE_VALUES so the position before the last word cannot join.
      const sizes = [256, 128, 20, 10]
      for (let length = 1; length <= SINGLE_BLOCK_MAX[algorithm]; length++) {
        const lastWord = Math.floor((length - 1) / 4)
        const charsets = Array.from({ length }, (_, i) => {
          const size = i >= 4 * lastWord ? sizes[length - 4 * lastWord - 1] : i === 4 * lastWord - 1 ? 95 : i === 0 ? 3 : 1
          return Uint8Array.from({ length: size }, () => next(256))
        })
        const total = charsets.reduce((n, c) => n * BigInt(c.length), 1n)
        const segment: Segment = { charsets, first: BigInt(next(1000)) % total, count: 0n, start: 0n }
        segment.count = total - segment.first
        const picks = Array.from({ length: 1 + next(4) }, () => segment.first + BigInt(next(60_000)) % segment.count)
        const targets = targetSet(algorithm, picks.map((v) => hashBytes(algorithm, candidate(segment, v))))
        const layout = layoutFor(targets, segment)
        expect(layout?.tailWords, `length ${length}`).toHaveLength(1)
        if (algorithm !== 'sha1') expect(layout?.reversedWord, `length ${length}`).toBe(layout?.tailWords[0])
        compareRuns(targets, segment, [1, 3, 5000, 12_000], 64)
      }
    })

    // Ten digits: the last four positions span two words, so the tail is word 1 (positions 4-7, 10^4
    // values) and positions 8-9 are set per call. Blocks of 10^6 are hashed ahead and handed out in
    // odometer order, also when a run ends mid-block or the maybes fill up.
    it(`${algorithm}: hands out a block hashed in its own order in odometer order, exactly`, () => {
      const next = random(10)
      const digits = Uint8Array.from('0123456789', (c) => c.charCodeAt(0))
      // From a block's last candidate, runs over the next two blocks; then one run to a limit mid-block.
      for (const [first, runs, limit] of [[999_999n, [1, 2, 650, 4000, 995_000, 7000]], [1_234_567n, [1_002_345], 1_002_345n]] as const) {
        const segment: Segment = { charsets: Array.from({ length: 10 }, () => digits), first, count: 10n ** 10n - first, start: 0n }
        // Four targets close together (several passes in one block) and one in the next block.
        const picks = [first + 3n, first + 700n + BigInt(next(100)), first + 701n + BigInt(next(100)), first + 1_000_001n + BigInt(next(1000))]
        const targets = targetSet(algorithm, picks.map((v) => hashBytes(algorithm, candidate(segment, v))))
        expect(layoutFor(targets, segment)).toMatchObject({ tail: [4, 5, 6, 7], outer: [8, 9], tailWords: [1] })
        compareRuns(targets, segment, [...runs], 1, limit)
      }
    })
  }

  it('finds a target in a one-candidate segment and in the last lane of a partial group', () => {
    const segment: Segment = { charsets: [Uint8Array.of(0x61, 0x62, 0x63)], first: 2n, count: 1n, start: 0n }
    const targets = targetSet('md5', [hashBytes('md5', Uint8Array.of(0x63))])
    const kernel = wasmSimdKernel(targets, segment, odometerDigits(segment, 2n))!
    const maybes = new Int32Array(4)
    expect(kernel.run(1, maybes)).toBe(1)
    expect([kernel.found, maybes[0]]).toEqual([1, 0])
  })

  // Kernels of one shape and target set share a WASM instance (module.ts instantiate): the latest
  // takes it over and must start clean; the one before may not run again.
  it('takes over the instance of the kernel before, starting clean and stopping that one', () => {
    const targets = targetSet('md5', [hashBytes('md5', Buffer.from('abc'))])
    const first = BlockKernel.create('md5', targets, 64)!
    first.scratch.set(Buffer.from('x'.repeat(50)))
    first.commit(0, 50)
    expect(first.run(1)).toBe(0)
    const second = BlockKernel.create('md5', targets, 64)!
    second.scratch.set(Buffer.from('abc'))
    second.commit(0, 3)
    expect(second.run(1)).toBe(1)
    expect(() => first.run(1)).toThrow(/took over/)

    const segment: Segment = { charsets: [Uint8Array.of(0x61, 0x62, 0x63)], first: 0n, count: 3n, start: 0n }
    const before = wasmSimdKernel(targets, segment, odometerDigits(segment, 0n))!
    wasmSimdKernel(targets, segment, odometerDigits(segment, 0n))
    expect(() => before.run(3, new Int32Array(4))).toThrow(/took over/)
  })

  it('leaves candidates longer than one block, and the empty candidate, to the scalar kernel', () => {
    for (const algorithm of ALGORITHMS) {
      const targets = targetSet(algorithm, [hashBytes(algorithm, new Uint8Array(0))])
      for (const length of [0, SINGLE_BLOCK_MAX[algorithm] + 1, 200]) {
        const segment: Segment = { charsets: Array.from({ length }, () => Uint8Array.of(0x30)), first: 0n, count: 1n, start: 0n }
        expect(wasmSimdKernel(targets, segment, new Int32Array(length)), `${algorithm} length ${length}`).toBeNull()
      }
    }
  })
})
