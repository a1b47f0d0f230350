// The kernels a search tries before the scalar reference, fastest first.
import type { KernelFactory } from './search.ts'

export const fastKernels: KernelFactory[] = []
