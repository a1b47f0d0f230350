// Thread scaling: the worker's own ChunkRunner (Piscina, one piece per thread, the fastest kernel),
// on a chunk sized to take about `seconds` at the single-thread speed times the thread count.
import { createHash } from 'node:crypto'
import type { Algorithm } from '../shared/algorithms.ts'
import { rangeSpec } from '../shared/keyspace/spec.ts'
import { ChunkRunner } from '../worker/runner.ts'

export async function measureThreads (algorithm: Algorithm, threads: number, perThreadSpeed: number, seconds: number, runs: number): Promise<number[]> {
  const runner = new ChunkRunner(threads)
  const job = { algorithm, targets: [createHash(algorithm).update('not a decimal').digest()], keyspace: rangeSpec(1_000_000_000n, 10_000_000_000n) }
  try {
    // Warm up: threads start, load the code and compile the kernel.
    await runner.run(job, 0n, Math.round(perThreadSpeed * threads * 0.3), () => {}).done
    const speeds: number[] = []
    for (let run = 0; run < runs; run++) {
      const length = Math.min(2 ** 31 - 1, Math.round(perThreadSpeed * threads * seconds))
      const started = performance.now()
      const outcome = await runner.run(job, BigInt(run) * BigInt(length), length, () => {}).done
      speeds.push(outcome.hashed / ((performance.now() - started) / 1000))
    }
    return speeds
  } finally {
    await runner.close()
  }
}
