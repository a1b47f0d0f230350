// True inside the single-file build (worker/bundle/build.ts defines TASKORCH_BUNDLE), where the
// worker, its thread entry and Piscina's thread script are one JavaScript file.
declare const TASKORCH_BUNDLE: boolean | undefined
export const BUNDLED = typeof TASKORCH_BUNDLE !== 'undefined'
