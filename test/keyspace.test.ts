import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { InvalidInputError } from '../shared/errors.ts'
import { candidateAt, indexOf, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { parseRange, rangeSpec } from '../shared/keyspace/spec.ts'

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1')

describe('keyspace: decimal ranges', () => {
  it('maps index to the decimal text of start + index at every length boundary up to 40 digits', () => {
    const keyspace = keyspaceFrom(rangeSpec('0', '1' + '0'.repeat(40)))
    for (let digits = 1; digits <= 40; digits++) {
      const first = digits === 1 ? 0n : 10n ** BigInt(digits - 1)
      const last = 10n ** BigInt(digits) - 1n
      for (const value of [first - 1n, first, first + 1n, last - 1n, last, last + 1n]) {
        if (value < 0n || value >= keyspace.size) continue
        expect(text(candidateAt(keyspace, value))).toBe(value.toString())
        expect(indexOf(keyspace, candidateAt(keyspace, value))).toBe(value)
      }
    }
  })

  it('counts exactly end - start candidates, one segment per length', () => {
    const keyspace = keyspaceFrom(parseRange('95-1005'))
    expect(keyspace.size).toBe(910n)
    expect(keyspace.segments.map((s) => [s.charsets.length, s.count])).toEqual([[2, 5n], [3, 900n], [4, 5n]])
    expect(text(candidateAt(keyspace, 0n))).toBe('95')
    expect(text(candidateAt(keyspace, 909n))).toBe('1004')
  })

  it('is a bijection on random ranges (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (start, size, pick) => {
      const keyspace = keyspaceFrom(rangeSpec(start, start + size))
      const index = pick % size
      const candidate = candidateAt(keyspace, index)
      expect(text(candidate)).toBe((start + index).toString())
      expect(indexOf(keyspace, candidate)).toBe(index)
    }))
  })

  it('says -1 for candidates outside the range', () => {
    const keyspace = keyspaceFrom(parseRange('100-200'))
    for (const outside of ['99', '200', '0100', 'abc', '']) expect(indexOf(keyspace, Buffer.from(outside))).toBe(-1n)
  })

  it('rejects bad ranges with a message naming the problem', () => {
    expect(() => keyspaceFrom(parseRange('5-5'))).toThrow(/empty/)
    expect(() => keyspaceFrom(parseRange('10-2'))).toThrow(InvalidInputError)
    expect(() => parseRange('1e6-2e6')).toThrow(/START-END/)
    expect(() => parseRange('007-10')).toThrow(/leading zeros/)
    expect(() => rangeSpec(-1, 5)).toThrow(/start/)
    expect(() => rangeSpec(0, 1.5)).toThrow(/end/)
    expect(() => keyspaceFrom(rangeSpec('0', '1' + '0'.repeat(300)))).toThrow(/digits/)
    expect(() => candidateAt(keyspaceFrom(parseRange('0-10')), 10n)).toThrow(RangeError)
  })
})
