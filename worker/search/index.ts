// The kernels a search tries before the scalar reference, fastest first.
import type { HashFunction } from '../../shared/algorithms.ts'
import type { KernelFactory } from './segment-kernel.ts'
import type { TargetSet } from './targets.ts'
import { BlockKernel } from './wasm/block-kernel.ts'
import { wasmSimdKernel } from './wasm/kernel.ts'

export const fastKernels: KernelFactory[] = [wasmSimdKernel]
export const fastBlocks = (hash: HashFunction, targets: TargetSet, scratchBytes: number): BlockKernel | null => BlockKernel.create(hash, targets, scratchBytes)
