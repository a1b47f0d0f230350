// Every knob of the scheduler, with its default, in one typed object. Tests and the library may
// override any of them; nothing else in the scheduler is a magic number.
export type SchedulerOptions = {
  // A chunk should take about this long at its worker's measured speed.
  targetChunkSeconds: number
  minChunkCandidates: number
  // Before a worker's speed is measured, assume this many candidates per second per thread.
  assumedSpeedPerThread: number
  // Chunks queued per worker beyond the one running, so no thread idles between chunks.
  chunksAheadPerWorker: number
  // Near a job's end a chunk is at most 1/this of its worker's share of what is left, so the fleet
  // finishes together.
  tailShrinkFactor: number
}

export const SCHEDULER_DEFAULTS: Readonly<SchedulerOptions> = {
  targetChunkSeconds: 3,
  minChunkCandidates: 1_000,
  assumedSpeedPerThread: 2_000_000,
  chunksAheadPerWorker: 2,
  tailShrinkFactor: 4
}

// Hash lists of this size cost a few MB per job and keep the kernel's bitmap prefilter selective.
export const MAX_TARGETS_PER_JOB = 100_000
// Priorities are whole numbers from 0 (the default) up to this; higher runs first.
export const MAX_PRIORITY = 1_000_000
