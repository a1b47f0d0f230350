// Piscina's thread script, which its package does not export; the single-file build resolves it.
declare module 'piscina/dist/worker.js'
