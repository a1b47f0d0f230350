// How many candidates a chunk gets: a few seconds of work at its worker's speed, and less near the
// end of a job so the fleet finishes together instead of waiting on one slow worker; what a chunk's
// speed depends on; where a hashcat run may start.
import { ALGORITHM_INFO, infoOf, type Algorithm } from '../../shared/algorithms.ts'
import { segmentAt, type Keyspace } from '../../shared/keyspace/keyspace.ts'
import { alignedStart } from '../../shared/keyspace/runs.ts'
import { MAX_CHUNK_CANDIDATES, MAX_WASM_CHUNK_CANDIDATES } from '../../shared/protocol/limits.ts'
import type { SchedulerOptions } from './options.ts'
import type { JobState } from './state.ts'

// `speed`: the worker's candidates per second (measured, or estimated from its threads);
// `fleetSpeed`: the same summed over every worker; `left`: the job's candidates not handed out.
export function chunkSize (options: SchedulerOptions, speed: number, fleetSpeed: number, left: bigint): number {
  let size = Math.round(speed * options.targetChunkSeconds)
  const share = Number(left) * (speed / fleetSpeed) / options.tailShrinkFactor
  if (share < size) size = Math.round(share)
  return Math.min(MAX_WASM_CHUNK_CANDIDATES, Math.max(options.minChunkCandidates, size))
}

// The same for a hashcat worker: longer chunks, since each costs hashcat's start-up, and no shrinking
// when it is the whole fleet (there is no one to finish together with).
export function hashcatChunkSize (options: SchedulerOptions, speed: number, fleetSpeed: number, left: bigint): number {
  let size = speed * options.hashcatChunkSeconds
  const share = Number(left) * (speed / fleetSpeed) / (speed < fleetSpeed ? options.tailShrinkFactor : 1)
  if (share < size) size = Math.max(share, speed * options.hashcatMinChunkSeconds)
  return Math.round(Math.min(MAX_CHUNK_CANDIDATES, Math.max(options.minChunkCandidates, size)))
}

// Where a run of up to `most` may start in [offset, end): there, and at the first aligned offset of
// each segment the range reaches (a range from 0 opens with segments of 10, 90, 900... candidates).
export function runStarts (keyspace: Keyspace, offset: bigint, end: bigint, most: bigint): bigint[] {
  const starts = [offset]
  for (const segment of keyspace.segments) {
    const from = segment.start > offset ? segment.start : offset
    if (from >= end || from >= segment.start + segment.count) continue
    const aligned = alignedStart(keyspace, from, most)
    if (aligned < end) starts.push(from, aligned)
  }
  return starts
}

// A chunk's speed depends on the algorithm (the job's) and the candidate length at its offset.
export function speedKeyOf (job: JobState, offset: bigint): string {
  const length = job.keyspace.segments.length > 0 ? segmentAt(job.keyspace, offset).charsets.length : 'words'
  return `${job.algorithm}:${length}`
}

// Whole words searched by hashcat from a words file (Chunk.fromFile): measured apart from the same
// worker's chunks of words on its WASM kernels, which run far slower.
export function fileSpeedKey (job: JobState): string {
  return `${job.algorithm}:file`
}

// The cost of a speed key's algorithm (shared/algorithms.ts): what divides a speed assumed before any
// is measured.
export function costOf (speedKey: string): number {
  return infoOf(speedKey.slice(0, speedKey.indexOf(':')) as Algorithm)?.cost ?? 1
}
