// Every kernel is checked against node:crypto: whole-message hashing at the padding boundaries, and
// searches over ranges whose candidates sit at those boundaries, with targets at the first, last and
// random indices.
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { toHex, type Algorithm } from '../shared/algorithms.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import { parsePlaintext } from '../server/pot-format.ts'
import { candidateAt, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { describeKeyspace, maskSpec, rangeSpec } from '../shared/keyspace/spec.ts'
import { hashBytes } from '../shared/hashing/scalar.ts'
import { search } from '../worker/search/search.ts'
import type { KernelFactory } from '../worker/search/segment-kernel.ts'
import { fastKernels } from '../worker/search/index.ts'
import { mayMatch, passesBitmaps, targetSetOfKeys } from '../worker/search/targets.ts'
import { UNSALTED, referenceDigest, seededRandom } from './helpers.ts'

const digest = (algorithm: Algorithm, data: Uint8Array) => referenceDigest(algorithm, data)
const NODE_HASHES = ['md5', 'sha1', 'sha256', 'sha512'] as const
// Padding boundaries of 64-byte blocks (md5/sha1/sha256) and 128-byte blocks (sha512), plus multi-block.
const LENGTHS = [0, 1, 3, 4, 5, 54, 55, 56, 57, 63, 64, 65, 111, 112, 119, 120, 127, 128, 129, 200, 256]
const KERNEL_SETS: [string, KernelFactory[]][] = [['scalar', []], ...fastKernels.map((k): [string, KernelFactory[]] => [k.name, [k]])]

describe('hashBytes matches node:crypto, and MD4 its RFC', () => {
  it('md4: RFC 1320 appendix A.5, and hashcat\'s NTLM example', () => {
    const md4 = (text: string) => Buffer.from(hashBytes('md4', Buffer.from(text))).toString('hex')
    expect(['', 'a', 'abc', 'message digest', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '1234567890'.repeat(8)].map(md4)).toEqual([
      '31d6cfe0d16ae931b73c59d7e0c089c0', 'bde52cb31de33e46245e05fbdbd6fb24', 'a448017aaf21d8525fc10ae87aa6729d', 'd9130a8164549fe818874806e1c7014b',
      'd79e1c308aa5bbcdeea8ed63df412da9', '043f8582f241db351ce627e153e7f0e4', 'e33b4ddc9c38f2199c3e7b164fcc0536'
    ])
    // hashcat --example-hashes -m 1000: b4b9b02e6f09a9bd760f388b67351e2b is "hashcat".
    expect(digest('ntlm', Buffer.from('hashcat')).toString('hex')).toBe('b4b9b02e6f09a9bd760f388b67351e2b')
  })

  it('ntlm: agrees with hashcat on ASCII, UTF-8 and beyond-BMP plaintexts (fixture cracked by hashcat)', () => {
    const lines = readFileSync(new URL('./vectors/hashcat-ntlm.potfile', import.meta.url), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(10)
    for (const line of lines) {
      const colon = line.indexOf(':')
      const plaintext = parsePlaintext(Buffer.from(line.slice(colon + 1)))
      expect(toHex(digestOf('ntlm', plaintext)), line).toBe(line.slice(0, colon))
    }
  })

  for (const algorithm of NODE_HASHES) {
    it(algorithm, () => {
      const random = seededRandom()
      for (const length of [...LENGTHS, ...Array.from({ length: 50 }, () => Math.floor(random() * 300))]) {
        const message = randomBytes(length)
        expect(Buffer.from(hashBytes(algorithm, message)).toString('hex'), `length ${length}`).toBe(digest(algorithm, message).toString('hex'))
      }
    })
  }
})

describe.each(KERNEL_SETS)('%s kernel search', (_, kernels) => {
  for (const algorithm of UNSALTED) {
    it(`${algorithm} finds targets at first, last and random indices at every boundary length`, () => {
      const random = seededRandom()
      for (const digits of [1, 2, 4, 5, 8, 54, 55, 56, 57, 63, 64, 65, 111, 112, 119, 120, 128]) {
        // A range that crosses into the next length, so each search spans two segments.
        const start = digits === 1 ? 0n : 10n ** BigInt(digits - 1) + 7n
        const size = digits === 1 ? 10n : 5000n
        const keyspace = keyspaceFrom(rangeSpec(start, start + size))
        const picks = [0n, size - 1n, BigInt(Math.floor(random() * Number(size)))]
        const targets = picks.map((i) => digest(algorithm, candidateAt(keyspace, i)))
        const result = search({ algorithm, targets, keyspace }, 0n, Number(size), { kernels })
        expect(result.hashed).toBe(Number(size))
        const found = new Set(result.hits.map((h) => h.index))
        for (const pick of picks) expect(found.has(pick.toString()), `${digits} digits, index ${pick}`).toBe(true)
        for (const hit of result.hits) expect(digest(algorithm, hit.plaintext)).toEqual(Buffer.from(hit.hash))
      }
    })
  }

  for (const algorithm of UNSALTED) {
    it(`${algorithm} searches masks: every byte value, custom charsets, increment segments, block boundaries`, () => {
      const random = seededRandom()
      const masks = [
        maskSpec('?d?1?b', ['xyz'], { min: 1 }),
        maskSpec('a'.repeat(53) + '?d?d', [], { min: 54 }), // 54 and 55 bytes: one block for the 64-byte hashes
        maskSpec('b'.repeat(109) + '?h?d', [], { min: 110 }) // 110 and 111: one block for SHA-512, two for the rest
      ]
      for (const spec of masks) {
        const keyspace = keyspaceFrom(spec)
        const size = keyspace.size
        const picks = [0n, size - 1n, BigInt(Math.floor(random() * Number(size)))]
        const targets = picks.map((i) => digest(algorithm, candidateAt(keyspace, i)))
        const result = search({ algorithm, targets, keyspace }, 0n, Number(size), { kernels })
        expect(result.hashed).toBe(Number(size))
        const found = new Set(result.hits.map((h) => h.index))
        for (const pick of picks) expect(found.has(pick.toString()), `${describeKeyspace(spec)} index ${pick}`).toBe(true)
      }
    })
  }

  it('searches a window starting and ending mid-batch across a length boundary, reporting exact indices', () => {
    const keyspace = keyspaceFrom(rangeSpec(0, 10_000_000))
    const offset = 999_777n
    const length = 123_457
    const inside = [offset, 1_000_000n, offset + BigInt(length) - 1n]
    const outside = [offset - 1n, offset + BigInt(length)]
    const targets = [...inside, ...outside].map((i) => digest('md5', candidateAt(keyspace, i)))
    const progress = new Int32Array(new SharedArrayBuffer(8))
    const result = search({ algorithm: 'md5', targets, keyspace }, offset, length, { kernels, progress, slot: 1 })
    expect(result.hits.map((h) => h.index).sort()).toEqual(inside.map(String).sort())
    expect(result.hashed).toBe(length)
    expect(progress[1]).toBe(length)
  })

  it('finds thousands of targets at once', () => {
    const keyspace = keyspaceFrom(rangeSpec(0, 1_000_000))
    const picks = Array.from({ length: 2000 }, (_, i) => BigInt(i * 499 + 13))
    const targets = picks.map((i) => digest('sha1', candidateAt(keyspace, i)))
    const result = search({ algorithm: 'sha1', targets, keyspace }, 0n, 1_000_000, { kernels })
    expect(result.hits.length).toBe(picks.length)
  })
})

// The prefilter every kernel shares: it may pass a key word no target has, never reject one a target
// has, and at 100,000 targets it must stay selective (its sizes are chosen for speed, targets.ts).
describe('target bitmaps', () => {
  it('pass every target and few others, at 100,000 targets', () => {
    const random = seededRandom()
    const word = () => Math.floor(random() * 2 ** 32) | 0
    const keys = Int32Array.from({ length: 100_000 }, word)
    const set = targetSetOfKeys('md5', keys)
    expect(keys.every((key) => mayMatch(set, key))).toBe(true)
    const small = { ...set, large: set.large.map(() => 0xffffffff) }
    let passSmall = 0
    let passBoth = 0
    for (let i = 0; i < 200_000; i++) {
      const key = word()
      if (passesBitmaps(small, key)) passSmall++
      if (passesBitmaps(set, key)) passBoth++
    }
    expect(passSmall / 200_000).toBeLessThan(0.05) // 3.7% expected: two bits in one word
    expect(passBoth / 200_000).toBeLessThan(0.006) // 0.35% expected
  })
})

// The driver tells a kernel how far it may hash ahead; a WASM kernel that hashes whole blocks in its
// own order (one-word tails: MD5's and NTLM's reversal, SHA-1's shared schedule) must still count
// each piece exactly and find each target in the piece that holds it, whatever the pieces' edges.
describe('the WASM kernels through the driver, in pieces cut anywhere', () => {
  for (const algorithm of ['md5', 'ntlm', 'sha1', 'sha256'] as const) {
    it(`${algorithm}: a ten-digit range in pieces that start and end mid-block`, () => {
      const random = seededRandom()
      const start = 1_234_999_000n
      const size = 3_000_000
      const keyspace = keyspaceFrom(rangeSpec(start, start + BigInt(size)))
      const picks = [0, 999, 1000, 1_000_999, 1_001_000, size - 1, Math.floor(random() * size)]
      // A few targets (compared, so reversed where the hash allows), and the picks beside 10 others.
      for (const targets of [picks.slice(0, 4), picks]) {
        const digests = [...targets.map((i) => digest(algorithm, candidateAt(keyspace, BigInt(i)))), ...(targets.length > 4 ? Array.from({ length: 10 }, () => randomBytes(algorithm === 'sha1' ? 20 : algorithm === 'sha256' ? 32 : 16)) : [])]
        const found: number[] = []
        let hashed = 0
        for (let offset = 0; offset < size;) {
          const length = Math.min(size - offset, 1 + Math.floor(random() * 700_000))
          const result = search({ algorithm, targets: digests, keyspace }, BigInt(offset), length, { kernels: fastKernels })
          hashed += result.hashed
          expect(result.hashed).toBe(length)
          for (const hit of result.hits) {
            expect(Number(hit.index)).toBeGreaterThanOrEqual(offset)
            expect(Number(hit.index)).toBeLessThan(offset + length)
            found.push(Number(hit.index))
          }
          offset += length
        }
        expect(hashed).toBe(size)
        expect(found.sort((a, b) => a - b)).toEqual([...new Set(targets)].sort((a, b) => a - b))
      }
    })
  }
})
