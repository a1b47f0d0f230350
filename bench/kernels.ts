// Single-thread throughput of each kernel on the same keyspace, in this thread: node:crypto (one
// createHash per candidate, the baseline), the scalar TS kernel and the WASM SIMD kernel. Kernels are
// measured round-robin, so a noisy neighbour slows every kernel of a round alike, and ratios are
// taken within a round.
import { createHash } from 'node:crypto'
import type { Algorithm } from '../shared/algorithms.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { rangeSpec } from '../shared/keyspace/spec.ts'
import { search } from '../worker/search/search.ts'
import type { KernelFactory } from '../worker/search/segment-kernel.ts'
import { wasmSimdKernel } from '../worker/search/wasm/kernel.ts'

export const KERNELS = ['node:crypto', 'scalar', 'wasm-simd'] as const
export type KernelName = typeof KERNELS[number]

// Ten-digit decimal candidates: the default job's shape, one block for every algorithm.
const FIRST = 1_000_000_000n
const KEYSPACE = keyspaceFrom(rangeSpec(FIRST, 10n * FIRST))
const FACTORIES: Record<Exclude<KernelName, 'node:crypto'>, KernelFactory[]> = { scalar: [], 'wasm-simd': [wasmSimdKernel] }

// Hashes for about `seconds` and returns candidates per second.
export function measureKernel (algorithm: Algorithm, kernel: KernelName, seconds: number): number {
  const target = createHash(algorithm).update('not a decimal').digest()
  const started = performance.now()
  const deadline = started + seconds * 1000
  let hashed = 0
  if (kernel === 'node:crypto') {
    const candidate = Buffer.from(FIRST.toString())
    while (performance.now() < deadline) {
      for (let i = 0; i < 10_000; i++) {
        if (createHash(algorithm).update(candidate).digest().equals(target)) throw new Error('impossible match')
        incrementDecimal(candidate)
      }
      hashed += 10_000
    }
  } else {
    const job = { algorithm, targets: [target], keyspace: KEYSPACE }
    let batch = 100_000
    while (performance.now() < deadline) {
      const t = performance.now()
      hashed += search(job, BigInt(hashed), batch, { kernels: FACTORIES[kernel] }).hashed
      if (performance.now() - t < 50) batch *= 2
    }
  }
  return hashed / ((performance.now() - started) / 1000)
}

// The node:crypto baseline's candidates, built in place like the kernels' (no strings per candidate).
function incrementDecimal (digits: Buffer): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] !== 0x39) { digits[i]++; return }
    digits[i] = 0x30
  }
}
