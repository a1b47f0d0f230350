// @types/node 20 does not declare the WebAssembly global; these are the parts the kernels use
// (WebAssembly JS API, https://webassembly.github.io/spec/js-api/).
declare namespace WebAssembly {
  class Module { constructor (bytes: Uint8Array) }
  class Memory {
    constructor (descriptor: { initial: number, maximum?: number })
    readonly buffer: ArrayBuffer
  }
  class Instance {
    constructor (module: Module, imports: Record<string, Record<string, unknown>>)
    readonly exports: Record<string, unknown>
  }
  function validate (bytes: Uint8Array): boolean
}
