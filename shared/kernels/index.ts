// The kernels a search tries before the scalar reference, fastest first.
import type { KernelFactory } from './segment-kernel.ts'
import { wasmSimdKernel } from './wasm/kernel.ts'

export const fastKernels: KernelFactory[] = [wasmSimdKernel]
