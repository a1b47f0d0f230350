// How many candidates a chunk gets: a few seconds of work at its worker's speed, and less near the
// end of a job so the fleet finishes together instead of waiting on one slow worker.
import { MAX_CHUNK_CANDIDATES, MAX_WASM_CHUNK_CANDIDATES } from '../../shared/protocol/limits.ts'
import type { SchedulerOptions } from './options.ts'

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
