// hashcat mask syntax: built-in and custom charsets, escapes, errors; increment keyspace sizes; the
// index <-> candidate bijection at segment boundaries; and the mask spec on the wire.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { InvalidInputError } from '../shared/errors.ts'
import { candidateAt, indexOf, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { describeKeyspace, keyspaceSpec, maskSpec } from '../shared/keyspace/spec.ts'
import { BUILT_IN_CHARSETS, parseCustomCharset, parseMask } from '../shared/keyspace/mask.ts'
import { validateKeyspace } from '../shared/protocol/fields.ts'

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1')

describe('mask parsing', () => {
  it('knows every built-in charset, in hashcat\'s order', () => {
    expect(text(BUILT_IN_CHARSETS.l)).toBe('abcdefghijklmnopqrstuvwxyz')
    expect(text(BUILT_IN_CHARSETS.u)).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    expect(text(BUILT_IN_CHARSETS.d)).toBe('0123456789')
    expect(text(BUILT_IN_CHARSETS.h)).toBe('0123456789abcdef')
    expect(text(BUILT_IN_CHARSETS.H)).toBe('0123456789ABCDEF')
    expect(text(BUILT_IN_CHARSETS.s)).toBe(' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
    expect(BUILT_IN_CHARSETS.a.length).toBe(95)
    expect(text(BUILT_IN_CHARSETS.a)).toBe(text(BUILT_IN_CHARSETS.l) + text(BUILT_IN_CHARSETS.u) + text(BUILT_IN_CHARSETS.d) + text(BUILT_IN_CHARSETS.s))
    expect([...BUILT_IN_CHARSETS.b]).toEqual(Array.from({ length: 256 }, (_, i) => i))
    expect(parseMask('?l?u?d?h?H?s?a?b').map((c) => c.length)).toEqual([26, 26, 10, 16, 16, 33, 95, 256])
  })

  it('takes literals, ?? and multi-byte UTF-8 literals byte by byte', () => {
    expect(parseMask('a??b').map(text)).toEqual(['a', '?', 'b'])
    expect(parseMask('é?d').map((c) => [...c])).toEqual([[0xc3], [0xa9], [...BUILT_IN_CHARSETS.d]])
  })

  it('expands custom charsets, dropping duplicates in first-seen order', () => {
    expect(text(parseCustomCharset('?dabc0a', 1))).toBe('0123456789abc')
    expect(text(parseCustomCharset('x??', 2))).toBe('x?')
    expect(parseMask('?1?2', ['?l?u', 'xyz']).map((c) => c.length)).toEqual([52, 3])
  })

  it.each([
    ['?', [], /ends with a lone "\?"/],
    ['ab?', [], /ends with a lone "\?"/],
    ['?x?d', [], /"\?x" at position 1 is not a charset/],
    ['?d?1', [], /uses \?1 but no custom charset -1/],
    ['?3', ['a', 'b'], /uses \?3 but no custom charset -3/],
    ['', [], /the mask is empty/],
    ['?d'.repeat(257), [], /257 positions; at most 256/],
    ['?1', ['?2', 'ab'], /custom charset -1 "\?2": "\?2" must name a custom charset defined before it/],
    ['?2', ['ab', '?3', 'cd'], /custom charset -2 "\?3": "\?3" must name a custom charset defined before it \(-1..-1\)/],
    ['?1', ['ab?'], /custom charset -1 "ab\?" ends with a lone "\?"/]
  ] as [string, string[], RegExp][])('rejects %j with a message naming what is wrong', (mask, custom, message) => {
    expect(() => maskSpec(mask, custom)).toThrow(InvalidInputError)
    expect(() => maskSpec(mask, custom)).toThrow(message)
  })
})

describe('mask keyspaces', () => {
  it('has hashcat\'s sizes with and without --increment', () => {
    const size = (mask: string, charsets: string[] = [], increment?: { min?: number, max?: number }) => keyspaceFrom(maskSpec(mask, charsets, increment)).size
    expect(size('?d?d?d')).toBe(1000n)
    expect(size('?d?d?d', [], {})).toBe(10n + 100n + 1000n)
    expect(size('?l?l?l?l', [], {})).toBe(26n + 676n + 17_576n + 456_976n)
    expect(size('?u?l?1?d', ['xyz'], { min: 2 })).toBe(676n + 2028n + 20_280n)
    expect(size('?a?a?a?a?a', [], { min: 2, max: 3 })).toBe(95n ** 2n + 95n ** 3n)
    expect(size('abc')).toBe(1n)
    expect(size('?b'.repeat(256))).toBe(256n ** 256n)
  })

  it('rejects increments outside the mask', () => {
    expect(() => maskSpec('?d?d', [], { min: 0 })).toThrow(/1 <= min <= max <= 2/)
    expect(() => maskSpec('?d?d', [], { min: 2, max: 3 })).toThrow(/1 <= min <= max <= 2/)
    expect(() => maskSpec('?d?d', [], { min: 2, max: 1 })).toThrow(/increment 2-1/)
    expect(() => maskSpec('?d', ['a', 'b', 'c', 'd', 'e'])).toThrow(/at most 4 custom charsets/)
  })

  it('maps index <-> candidate one to one, across every segment boundary', () => {
    const keyspace = keyspaceFrom(maskSpec('?1?d?l', ['ab'], { min: 1 }))
    expect(keyspace.size).toBe(2n + 20n + 520n)
    const expected: [bigint, string][] = [[0n, 'a'], [1n, 'b'], [2n, 'a0'], [3n, 'a1'], [11n, 'a9'], [12n, 'b0'], [21n, 'b9'], [22n, 'a0a'], [23n, 'a0b'], [541n, 'b9z']]
    for (const [index, candidate] of expected) {
      expect(text(candidateAt(keyspace, index)), `index ${index}`).toBe(candidate)
      expect(indexOf(keyspace, Buffer.from(candidate, 'latin1'))).toBe(index)
    }
    const seen = new Set<string>()
    for (let i = 0n; i < keyspace.size; i++) {
      const candidate = candidateAt(keyspace, i)
      expect(indexOf(keyspace, candidate)).toBe(i)
      seen.add(text(candidate))
    }
    expect(seen.size).toBe(542)
    expect(indexOf(keyspace, Buffer.from('c'))).toBe(-1n)
    expect(() => candidateAt(keyspace, 542n)).toThrow(RangeError)
  })

  it('describes itself as a user would type it', () => {
    expect(describeKeyspace(maskSpec('?d?d', []))).toBe('?d?d')
    expect(describeKeyspace(maskSpec('?1?2?d', ['ab', '?u'], { min: 2 }))).toBe('?1?2?d -1 ab -2 ?u --increment 2-3')
    expect(describeKeyspace(keyspaceSpec({ type: 'mask', mask: '?d?d', increment: true }))).toBe('?d?d --increment 1-2')
  })
})

describe('mask specs on the wire', () => {
  it('accept a canonical spec and reject malformed ones with a coded error', () => {
    const good = maskSpec('?1?d', ['ab'], { min: 1 })
    expect(validateKeyspace(good)).toEqual(good)
    expect(keyspaceSpec(good)).toEqual(good)
    const bad: unknown[] = [
      { ...good, charsets: ['ab'] },
      { ...good, mask: '?x' },
      { ...good, max: 3 },
      { ...good, min: 0 },
      { ...good, extra: 1 },
      { type: 'wordlist' }
    ]
    for (const spec of bad) expect(() => validateKeyspace(spec), JSON.stringify(spec)).toThrow(expect.objectContaining({ code: 'TASKORCH_ERR_INVALID_MESSAGE' }))
  })
})

describe('custom charsets built on earlier ones (hashcat --stdout fixture)', () => {
  it('gives the same candidates as hashcat for -1 ?d -2 ?1x -3 ?2?l ?2?3', () => {
    const keyspace = keyspaceFrom(maskSpec('?2?3', ['?d', '?1x', '?2?l']))
    const ours = Array.from({ length: Number(keyspace.size) }, (_, i) => Buffer.from(candidateAt(keyspace, BigInt(i))).toString('latin1'))
    const theirs = readFileSync(new URL('./vectors/hashcat-custom-charsets.stdout', import.meta.url), 'latin1').split('\n').filter(Boolean)
    expect(ours.length).toBe(11 * 36) // ?3 holds x once: ?2's x and ?l's are the same byte
    expect(new Set(ours).size).toBe(ours.length)
    expect([...ours].sort()).toEqual([...theirs].sort())
  })
})
