// The WASM whole-message hashers the iterated schemes use, against node:crypto and the scalar
// reference: every length around the block and length-field boundaries, and random ones (seeded).
import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashBytes } from '../shared/hashing/scalar.ts'
import { MAX_WASM_MESSAGE_BYTES, WasmHasher } from '../shared/hashing/wasm-hash.ts'
import { hmacMd5 } from '../shared/hashing/primitives.ts'
import { seededRandom } from './helpers.ts'

const SEED = Number(process.env.TEST_SEED ?? 8_128)

function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return (seed >>> 0) % below
  }
}

describe('WASM hashers', () => {
  for (const hash of ['md5', 'sha256', 'sha512'] as const) {
    it(`${hash}: equals node:crypto and the scalar reference at every boundary and at random lengths`, () => {
      const next = random(SEED)
      const hasher = new WasmHasher(hash)
      const block = hash === 'sha512' ? 128 : 64
      const lengths = [...Array.from({ length: 3 * block + 2 }, (_, i) => i), 1000, 4096, 65_536 + 1024, ...Array.from({ length: 40 }, () => next(20_000))]
      for (const length of lengths) {
        const message = Buffer.from(Array.from({ length }, () => next(256)))
        hasher.input.set(message)
        const made = Buffer.from(hasher.hash(length))
        expect(made.toString('hex'), `seed ${SEED}, ${length} bytes`).toBe(createHash(hash).update(message).digest('hex'))
        if (length < 1000) expect(made).toEqual(Buffer.from(hashBytes(hash, message)))
      }
      expect(MAX_WASM_MESSAGE_BYTES).toBeGreaterThanOrEqual(65_536 + 1024) // the SHA-2 crypts' longest input
      expect(() => hasher.hash(MAX_WASM_MESSAGE_BYTES + 1)).toThrow(RangeError) // never a digest of a message cut short
    })
  }
})

// NetNTLMv2 and Kerberos RC4 take their HMAC-MD5s from WASM's MD5 (shared/hashing/primitives.ts).
describe('HMAC-MD5 over WASM', () => {
  it('equals node:crypto\'s for keys of 0 to 64 bytes and messages of 0 to 1,100, one call after another', () => {
    const random = seededRandom()
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
    for (let round = 0; round < 300; round++) {
      const key = bytes(Math.floor(random() * 65))
      const message = bytes(round < 130 ? round : Math.floor(random() * 1_101))
      expect(Buffer.from(hmacMd5(key, message)).toString('hex'), `key ${key.length}, message ${message.length}`).toBe(createHmac('md5', key).update(message).digest('hex'))
    }
    expect(() => hmacMd5(new Uint8Array(65), new Uint8Array(1))).toThrow(RangeError)
  })
})
