// Mask runs: the stretches of a keyspace that one hashcat mask covers exactly. In a segment (an
// odometer, last position fastest) a run fixes the first L - 1 positions, lets position L - 1 take a
// contiguous part of its charset, and leaves the rest free; it is contiguous in our index space, so
// chunks stay index ranges, and any engine can search it whole and count it in its own units.
import { segmentAt, type Keyspace, type Segment } from './keyspace.ts'

// The charsets of a run, one per position: a single byte where it is fixed, part of the charset
// where it ranges, the whole charset where it is free.
export type MaskRun = { charsets: Uint8Array[] }

// Candidates per value of position `level - 1`: the product of the charsets from `level` on.
function blockSizes (segment: Segment): bigint[] {
  const sizes = new Array<bigint>(segment.charsets.length + 1)
  sizes[segment.charsets.length] = 1n
  for (let i = segment.charsets.length - 1; i >= 0; i--) sizes[i] = sizes[i + 1] * BigInt(segment.charsets[i].length)
  return sizes
}

function digitAt (segment: Segment, sizes: bigint[], value: bigint, position: number): number {
  return Number((value / sizes[position + 1]) % BigInt(segment.charsets[position].length))
}

// The run [offset, offset + length) of a mask or range keyspace is, or null when no single mask
// covers exactly those candidates: the first shape whose block divides the length, if that many fit.
export function maskRunAt (keyspace: Keyspace, offset: bigint, length: bigint): MaskRun | null {
  if (length <= 0n) return null
  const found = runShapes(keyspace, offset, offset + length)
  const shape = found?.shapes.find((s) => length % s.block === 0n)
  if (!found || !shape || length / shape.block > shape.blocks) return null
  const { segment } = found
  if (shape.level === 0) return { charsets: segment.charsets }
  const sizes = blockSizes(segment)
  const value = segment.first + offset - segment.start
  const ranging = shape.level - 1
  return {
    charsets: segment.charsets.map((charset, i) => {
      if (i > ranging) return charset
      const d = digitAt(segment, sizes, value, i)
      return charset.subarray(d, i < ranging ? d + 1 : d + Number(length / shape.block))
    })
  }
}

// The shapes of the runs that may start at `offset` and end by `end`: at each level where `offset` is
// aligned (fewest fixed positions first), the block size and how many blocks fit, in the parent
// block and before `end` or the segment's end. A run of that shape is 1..`blocks` blocks.
export type RunShape = { level: number, block: bigint, blocks: bigint }

export function runShapes (keyspace: Keyspace, offset: bigint, end: bigint): { segment: Segment, shapes: RunShape[] } | null {
  if (keyspace.segments.length === 0 || offset < 0n || offset >= keyspace.size) return null
  const segment = segmentAt(keyspace, offset)
  const room = minBig(end, segment.start + segment.count) - offset
  const sizes = blockSizes(segment)
  const value = segment.first + offset - segment.start
  const shapes: RunShape[] = []
  if (value === 0n && sizes[0] <= room) shapes.push({ level: 0, block: sizes[0], blocks: 1n })
  for (let level = 1; level <= segment.charsets.length; level++) {
    const block = sizes[level]
    if (value % block !== 0n || block > room) continue
    const left = BigInt(segment.charsets[level - 1].length - digitAt(segment, sizes, value, level - 1))
    shapes.push({ level, block, blocks: minBig(left, room / block) })
  }
  return { segment, shapes }
}

// The length of the longest run that starts at `offset`, ends by `end` and holds at most `most`
// candidates (0 when offset is not in a segment). Fewer fixed positions give longer runs, so the
// first shape that fits is the best.
export function runLengthAt (keyspace: Keyspace, offset: bigint, end: bigint, most: bigint): bigint {
  const shape = runShapes(keyspace, offset, end)?.shapes.find((s) => s.block <= most)
  return shape ? shape.block * minBig(shape.blocks, most / shape.block) : 0n
}

// The first offset at or after `offset`, in its segment, where a run of up to `most` candidates can
// start whole: the next multiple of the largest block that fits in `most`.
export function alignedStart (keyspace: Keyspace, offset: bigint, most: bigint): bigint {
  const segment = segmentAt(keyspace, offset)
  const sizes = blockSizes(segment)
  const block = sizes.find((size) => size <= most) ?? 1n
  const value = segment.first + offset - segment.start
  const aligned = (value + block - 1n) / block * block
  return offset + aligned - value
}

function minBig (a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
