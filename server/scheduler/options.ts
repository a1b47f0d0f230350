// Every knob of the scheduler, with its default, in one typed object. Tests and the library may
// override any of them; nothing else in the scheduler is a magic number.
import { MIN_HASHCAT_RUN } from '../../shared/hashcat.ts'

export type SchedulerOptions = {
  // A chunk should take about this long at its worker's measured speed.
  targetChunkSeconds: number
  minChunkCandidates: number
  // Until a worker's speed at a job's algorithm and candidate length is measured, assume this many
  // candidates per second, whatever threads it claims: a new worker starts with a small chunk.
  assumedSpeedPerThread: number
  // Chunks queued per worker beyond the one running, so no thread idles between chunks.
  chunksAheadPerWorker: number
  // Near a job's end a chunk is at most 1/this of its worker's share of what is left, so the fleet
  // finishes together.
  tailShrinkFactor: number
  // A worker that holds chunks and has been silent this long (it reports every half second) may be
  // paused: its chunks are run by idle workers too, first DONE wins.
  silentMs: number
  // A worker that holds chunks and has reported nothing for this long is stalled (a hung thread, a
  // paused machine): its chunks are handed to others. Workers report every half second.
  stallMs: number
  // A started chunk still running after this many times its expected duration (at its worker's
  // measured speed), plus stallMs, is overdue: another worker may run it too, first DONE wins.
  overdueFactor: number
  // hashcat takes seconds to start, so a hashcat worker's chunk aims at this long, and near a job's
  // end shrinks to no less than hashcatMinChunkSeconds; until measured, its speed is taken to be
  // assumedHashcatSpeed (a CPU's MD5; a GPU's first chunk is then short and its next ones right).
  hashcatChunkSeconds: number
  hashcatMinChunkSeconds: number
  // A hashcat chunk may run up to this long when a shorter one would fix so many of the mask's first
  // positions that hashcat slows to a third (shared/hashcat.ts, hashcatRunAt).
  hashcatMaxChunkSeconds: number
  assumedHashcatSpeed: number
  // The fewest candidates a hashcat worker searches from a words file (an MD5 count: a slower
  // algorithm's is smaller by its cost); fewer would cost more in hashcat's start-up than they save,
  // and it gets the words instead, for its WASM kernels.
  hashcatMinRun: number
  // A worker that reports a chunk FAILED gets no work for this long, doubled with each failure in a
  // row up to failedBackoffMaxMs, and back to nothing with its next DONE: a broken backend does not
  // spin on the same chunk.
  failedBackoffMs: number
  failedBackoffMaxMs: number
  // Work verification (docs/verification.md): a worker's chunk is cut around a canary when it has
  // passed no check yet, and again after this many chunks without one.
  canaryCheckEvery: number
  // Until a hashcat worker has passed a check its chunks hold at most this many candidates, and it has this long to show its first progress (hashcat compiling its
  // kernels) before its chunks go to others; after that, stallMs, as for any worker.
  unverifiedHashcatChunk: number
  hashcatStartupMs: number
  // How long a verified hashcat worker's runs may report no progress before its chunks go back.
  hashcatRunStartMs: number
  // A measured speed above this per thread (WASM) or per device (hashcat) is not believed.
  maxSpeedPerThread: number
  maxSpeedPerDevice: number
}

export const SCHEDULER_DEFAULTS: Readonly<SchedulerOptions> = {
  targetChunkSeconds: 3,
  minChunkCandidates: 1_000,
  assumedSpeedPerThread: 2_000_000,
  chunksAheadPerWorker: 2,
  tailShrinkFactor: 4,
  silentMs: 3_000,
  stallMs: 10_000,
  overdueFactor: 3,
  hashcatChunkSeconds: 60,
  hashcatMinChunkSeconds: 10,
  failedBackoffMs: 1_000,
  failedBackoffMaxMs: 60_000,
  hashcatMaxChunkSeconds: 900,
  assumedHashcatSpeed: 100_000_000,
  hashcatMinRun: MIN_HASHCAT_RUN,
  canaryCheckEvery: 4,
  // The least that goes to hashcat at all: an unverified worker that stalls holds seconds of a WASM
  // worker's work, and its first check runs on hashcat, not on its WASM kernels.
  unverifiedHashcatChunk: 2 * MIN_HASHCAT_RUN,
  hashcatStartupMs: 120_000,
  hashcatRunStartMs: 60_000,
  // Our MD5 kernel makes 67 M/s a thread; hashcat on the fastest GPU about 165 G/s.
  maxSpeedPerThread: 1_000_000_000,
  maxSpeedPerDevice: 1_000_000_000_000
}

// A job of ten million MD5 targets peaks at about 370 MB on the server (packed: server/targets.ts)
// and 1.2 GB on a 2-thread worker (packed digests shared by its threads, 12 bytes a target each for
// their indexes); reading the list and adding the job takes about 10 s: docs/speed.md.
export const MAX_TARGETS_PER_JOB = 10_000_000
