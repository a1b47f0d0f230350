// Searches part of a keyspace for digests. Kernels walk a segment's odometer and report the offsets
// whose key digest word passes the prefilter; this driver rebuilds those candidates, verifies them
// with the reference hash, checks the cancel flag between batches and publishes progress.
import { scaledByCost, type Algorithm, type HashFunction } from '../../shared/algorithms.ts'
import { candidateAt, odometerDigits, segmentAt, type Keyspace, type Segment } from '../../shared/keyspace/keyspace.ts'
import { digestOf } from '../../shared/hashing/modes.ts'
import { messageSegment, saltGroups, type SaltGroup } from './salts.ts'
import type { PackedTargets, TargetSet } from './targets.ts'
import type { BlockKernel } from './wasm/block-kernel.ts'
import { scalarMessageKernel, scalarSegmentKernel } from './scalar-search.ts'
import type { KernelFactory, SegmentKernel } from './segment-kernel.ts'

// A thread looks at its cancel flag after each batch; batches are sized to take about this long,
// starting from KERNEL_FIRST_BATCH candidates, so a cancel lands within a few batches.
export const KERNEL_BATCH_MS = 20
export const KERNEL_FIRST_BATCH = 4_096

// A verified find: the keyspace index (decimal), the target (digest, and salt where there is one), and
// the candidate.
export type SearchHit = { index: string, hash: Uint8Array, plaintext: Uint8Array }
export type SearchResult = { hashed: number, hits: SearchHit[], cancelled: boolean }

// `targets`: as bytes, or packed once for a worker's threads (prepared once per packing).
export type SearchJob = { algorithm: Algorithm, targets: readonly Uint8Array[] | PackedTargets, keyspace: Keyspace }
export type SearchControl = {
  cancel?: Int32Array // non-zero: stop at the next batch
  progress?: Int32Array
  slot?: number
  onHit?: (hit: SearchHit) => void
  kernels?: KernelFactory[] // tried in order; the scalar kernel is always the last resort
  blocks?: (hash: HashFunction, targets: TargetSet, scratchBytes: number) => BlockKernel | null // batches words' candidates; else the scalar reference
  batchMs?: number
}

// Most prefilter passes one kernel call reports before it returns to be verified.
const MAX_MAYBES = 1024

export function search (job: SearchJob, offset: bigint, length: number, control: SearchControl = {}): SearchResult {
  const groups = saltGroups(job.algorithm, job.targets)
  const factories = [...(control.kernels ?? []), scalarSegmentKernel]
  const batchMs = control.batchMs ?? KERNEL_BATCH_MS
  // A crypt scheme's candidate costs as much as tens of thousands of MD5 ones: its first batch is
  // shorter by that, so progress and cancels come within a batch's time there too.
  let batch = scaledByCost(job.algorithm, KERNEL_FIRST_BATCH)
  const maybes = new Int32Array(MAX_MAYBES)
  const hits: SearchHit[] = []
  let hashed = 0
  let index = offset
  const end = offset + BigInt(length)
  while (index < end) {
    const segment = segmentAt(job.keyspace, index)
    const segmentEnd = segment.start + segment.count
    const stop = segmentEnd < end ? segmentEnd : end
    const digits = odometerDigits(segment, segment.first + index - segment.start)
    // One kernel per salt: each walks the same candidates with its own odometer.
    const kernels = groups.map((group) => {
      const message = messageSegment(job.algorithm, segment, digits.slice(), group.salt)
      return message ? firstKernel(factories, group.set, message.segment, message.digits, stop - index) : scalarMessageKernel(job.algorithm, group, segment, digits.slice())
    })
    while (index < stop) {
      if (control.cancel && Atomics.load(control.cancel, 0) !== 0) return { hashed, hits, cancelled: true }
      const remaining = stop - index
      const count = remaining < BigInt(batch) ? Number(remaining) : batch
      const started = performance.now()
      for (const [g, kernel] of kernels.entries()) {
        for (let done = 0; done < count;) {
          const ran = kernel.run(count - done, maybes)
          for (let i = 0; i < kernel.found; i++) {
            const candidate = index + BigInt(done + maybes[i])
            verify(job.algorithm, groups[g], candidate, candidateAt(job.keyspace, candidate), hits, control)
          }
          done += ran
        }
      }
      // Size the next batch to take about batchMs, so cancellation stays prompt for every kernel.
      const elapsed = performance.now() - started
      if (count === batch) batch = Math.max(1, Math.min(batch * 4, Math.round(batch * batchMs / Math.max(elapsed, 0.01))))
      index += BigInt(count)
      hashed += count
      if (control.progress) Atomics.add(control.progress, control.slot ?? 0, count)
    }
  }
  return { hashed, hits, cancelled: false }
}

function firstKernel (factories: KernelFactory[], targets: TargetSet, segment: Segment, digits: Int32Array, limit: bigint): SegmentKernel {
  for (const factory of factories) {
    const kernel = factory(targets, segment, digits, limit)
    if (kernel) return kernel
  }
  throw new Error('no kernel accepted the segment') // unreachable: the scalar kernel accepts all
}

// A prefilter pass, hashed in full with the reference and its group's salt: a hit only if it is one
// of the group's targets. The hit carries the whole target.
export function verify (algorithm: Algorithm, group: SaltGroup, index: bigint, plaintext: Uint8Array, hits: SearchHit[], control: SearchControl): void {
  const target = group.find(digestOf(algorithm, plaintext, group.salt, group.rounds))
  if (!target) return
  const hit = { index: index.toString(), hash: target, plaintext }
  hits.push(hit)
  control.onHit?.(hit)
}
