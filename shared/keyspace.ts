// A keyspace is an index space: index i maps to exactly one candidate and back, with nothing
// materialised. Every keyspace is a list of segments; a segment is a fixed-length odometer over
// per-position charsets, last position fastest, covering `count` odometer values from `first`.
import { InvalidInputError } from './errors.ts'
import { MAX_CANDIDATE_BYTES } from './limits.ts'
import type { KeyspaceSpec } from './messages.ts'

export type Segment = {
  charsets: Uint8Array[] // one per candidate byte
  first: bigint // odometer value of the segment's first candidate
  count: bigint
  start: bigint // keyspace index of the segment's first candidate
}

export type Keyspace = { spec: KeyspaceSpec, segments: Segment[], size: bigint }

const DIGITS = Uint8Array.from('0123456789', (c) => c.charCodeAt(0))
const NONZERO_DIGITS = DIGITS.subarray(1)

function decimalCharsets (length: number): Uint8Array[] {
  return Array.from({ length }, (_, i) => (i === 0 && length > 1 ? NONZERO_DIGITS : DIGITS))
}

// Accepts what users type (numbers, bigints, decimal strings) and returns the canonical spec.
export function rangeSpec (start: unknown, end: unknown): KeyspaceSpec {
  return { type: 'range', start: decimalText(start, 'start'), end: decimalText(end, 'end') }
}

function decimalText (value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  if (typeof value === 'bigint' && value >= 0n) return value.toString()
  if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value)) return value
  throw new InvalidInputError(`range ${field} ${JSON.stringify(String(value))} must be a non-negative integer without leading zeros`)
}

// `0-100000000`: start inclusive, end exclusive.
export function parseRange (text: string): KeyspaceSpec {
  const match = /^\s*([0-9]+)\s*-\s*([0-9]+)\s*$/.exec(text)
  if (!match) throw new InvalidInputError(`range "${text}" must look like START-END, e.g. 0-100000000`)
  return rangeSpec(match[1], match[2])
}

export function keyspaceFrom (spec: KeyspaceSpec): Keyspace {
  const start = BigInt(spec.start)
  const end = BigInt(spec.end)
  if (end <= start) throw new InvalidInputError(`range ${spec.start}-${spec.end} is empty: the end is exclusive and must exceed the start`)
  if (spec.end.length > MAX_CANDIDATE_BYTES + 1) throw new InvalidInputError(`range end has more than ${MAX_CANDIDATE_BYTES} digits`)
  const segments: Segment[] = []
  for (let length = spec.start.length; ; length++) {
    const base = length === 1 ? 0n : 10n ** BigInt(length - 1)
    const lo = start > base ? start : base
    const top = 10n ** BigInt(length)
    const hi = end < top ? end : top
    if (lo >= hi) break
    segments.push({ charsets: decimalCharsets(length), first: lo - base, count: hi - lo, start: lo - start })
  }
  return { spec, segments, size: end - start }
}

export function describeKeyspace (spec: KeyspaceSpec): string {
  return `${spec.start}-${spec.end}`
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
