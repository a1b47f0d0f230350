// What a kernel is: bound to one keyspace segment and one target set, it walks the segment's odometer
// and reports the offsets whose key digest word passes the prefilter. The search driver verifies them.
import type { Segment } from '../../shared/keyspace/keyspace.ts'
import type { TargetSet } from './targets.ts'

// `run` hashes up to `count` candidates from where the odometer stands, writing prefilter passes
// (offsets from the start of this run) into `maybes`. It stops early only when `maybes` is full. It
// returns how many candidates it hashed (the odometer stands after them) and sets `found` to how many
// offsets it wrote.
export interface SegmentKernel {
  found: number
  run (count: number, maybes: Int32Array): number
}

// Returns null when it cannot handle the segment (too long a candidate, say); the next factory is tried.
// `limit`: the most candidates it will be asked for (a kernel may hash ahead of the count it reports).
export type KernelFactory = (targets: TargetSet, segment: Segment, digits: Int32Array, limit: bigint) => SegmentKernel | null
