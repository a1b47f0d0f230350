// The single-file worker's entry. One file plays three parts: the command line (main thread), a
// Piscina thread (the build points Piscina's thread script at this file), and the search function
// that thread runs (the default export). No top-level await: the executable build loads this file
// with require().
import { isMainThread } from 'node:worker_threads'

export { default } from '../thread.ts'

if (isMainThread) void import('../main.ts')
else void import('piscina/dist/worker.js')
