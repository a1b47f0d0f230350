// A keyspace is an index space: index i maps to exactly one candidate and back, with nothing
// materialised. Every keyspace is a list of segments; a segment is a fixed-length odometer over
// per-position charsets, last position fastest, covering `count` odometer values from `first`.
import { parseMask } from './mask.ts'
import type { KeyspaceSpec, MaskSpec, RangeSpec } from './spec.ts'

export type Segment = {
  charsets: Uint8Array[] // one per candidate byte
  first: bigint // odometer value of the segment's first candidate
  count: bigint
  start: bigint // keyspace index of the segment's first candidate
}

// `perWord`: candidates per word of a wordlist (1 for plain words and for other keyspaces); `hybrid`:
// the mask a hybrid attack joins to each word.
export type Keyspace = { spec: KeyspaceSpec, segments: Segment[], size: bigint, perWord: bigint, hybrid: Keyspace | null }

const DIGITS = Uint8Array.from('0123456789', (c) => c.charCodeAt(0))
const NONZERO_DIGITS = DIGITS.subarray(1)

function decimalCharsets (length: number): Uint8Array[] {
  return Array.from({ length }, (_, i) => (i === 0 && length > 1 ? NONZERO_DIGITS : DIGITS))
}

// A wordlist has no segments: its words are not computable from an index, tasks carry them.
export function keyspaceFrom (spec: KeyspaceSpec): Keyspace {
  if (spec.type === 'wordlist') {
    const hybrid = spec.hybrid ? maskKeyspace(spec.hybrid.mask) : null
    const perWord = hybrid ? hybrid.size : spec.combinator ? BigInt(spec.combinator.other.size) : (spec.rules ?? []).reduce((n, r) => n * BigInt(r.count), 1n)
    return { spec, segments: [], size: BigInt(spec.size) * perWord, perWord, hybrid }
  }
  return spec.type === 'range' ? rangeKeyspace(spec) : maskKeyspace(spec)
}

// The words a run of candidates [offset, offset + length) draws on: [first, end).
export function wordsOf (keyspace: Keyspace, offset: bigint, length: number | bigint): { first: bigint, end: bigint } {
  return { first: offset / keyspace.perWord, end: (offset + BigInt(length) - 1n) / keyspace.perWord + 1n }
}

// One segment per length, each the first `length` positions of the mask.
function maskKeyspace (spec: MaskSpec): Keyspace {
  const positions = parseMask(spec.mask, spec.charsets)
  const segments: Segment[] = []
  let start = 0n
  for (let length = spec.min; length <= spec.max; length++) {
    const charsets = positions.slice(0, length)
    const count = charsets.reduce((n, c) => n * BigInt(c.length), 1n)
    segments.push({ charsets, first: 0n, count, start })
    start += count
  }
  return { spec, segments, size: start, perWord: 1n, hybrid: null }
}

function rangeKeyspace (spec: RangeSpec): Keyspace {
  const start = BigInt(spec.start)
  const end = BigInt(spec.end) // rangeSpec checked that end > start
  const segments: Segment[] = []
  for (let length = spec.start.length; ; length++) {
    const base = length === 1 ? 0n : 10n ** BigInt(length - 1)
    const lo = start > base ? start : base
    const top = 10n ** BigInt(length)
    const hi = end < top ? end : top
    if (lo >= hi) break
    segments.push({ charsets: decimalCharsets(length), first: lo - base, count: hi - lo, start: lo - start })
  }
  return { spec, segments, size: end - start, perWord: 1n, hybrid: null }
}

export function segmentAt (keyspace: Keyspace, index: bigint): Segment {
  if (index < 0n || index >= keyspace.size) throw new RangeError(`index ${index} outside keyspace of ${keyspace.size}`)
  let lo = 0
  let hi = keyspace.segments.length - 1
  while (lo < hi) { // segments are few; binary search keeps masks with --increment cheap too
    const mid = (lo + hi + 1) >> 1
    if (keyspace.segments[mid].start <= index) lo = mid
    else hi = mid - 1
  }
  return keyspace.segments[lo]
}

// Odometer digits (charset positions) of a segment's value, most significant first.
export function odometerDigits (segment: Segment, value: bigint, out: Int32Array = new Int32Array(segment.charsets.length)): Int32Array {
  for (let i = segment.charsets.length - 1; i >= 0; i--) {
    const radix = BigInt(segment.charsets[i].length)
    out[i] = Number(value % radix)
    value /= radix
  }
  return out
}

export function candidateAt (keyspace: Keyspace, index: bigint): Uint8Array {
  const segment = segmentAt(keyspace, index)
  const digits = odometerDigits(segment, segment.first + index - segment.start)
  return Uint8Array.from(digits, (d, i) => segment.charsets[i][d])
}

// Inverse of candidateAt, or -1n when the candidate is not in the keyspace.
export function indexOf (keyspace: Keyspace, candidate: Uint8Array): bigint {
  for (const segment of keyspace.segments) {
    if (segment.charsets.length !== candidate.length) continue
    let value = 0n
    let ok = true
    for (let i = 0; i < candidate.length && ok; i++) {
      const digit = segment.charsets[i].indexOf(candidate[i])
      ok = digit >= 0
      value = value * BigInt(segment.charsets[i].length) + BigInt(digit)
    }
    if (ok && value >= segment.first && value < segment.first + segment.count) return segment.start + value - segment.first
  }
  return -1n
}
