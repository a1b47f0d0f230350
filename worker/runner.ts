// Runs chunks on a Piscina pool: each chunk is split into one piece per thread, all pieces share a
// cancel flag and a progress array in shared memory. Pieces of later chunks wait in Piscina's queue,
// so a thread that finishes picks up the next piece at once.
import { MessageChannel } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import { toHex, type Algorithm } from '../shared/algorithms.ts'
import { keyspaceFrom, wordsOf, type Keyspace } from '../shared/keyspace/keyspace.ts'
import type { KeyspaceSpec } from '../shared/keyspace/spec.ts'
import { BUNDLED } from './bundle/bundled.ts'
import { threadExecArgv } from '../shared/threads.ts'
import { packTargets } from './search/salts.ts'
import type { PackedTargets } from './search/targets.ts'
import type { SearchHit, SearchRequest, SearchResult } from './thread-messages.ts'

// In the single-file build, this module, the thread entry and Piscina's thread script are one file.
const THREAD_FILE = BUNDLED ? import.meta.url : new URL('./thread.ts', import.meta.url).href

// `rules`: the rule files' texts of a wordlist job with rules, `other`: a combinator job's other list,
// in shared memory. `targets`: packed in
// shared memory (packTargets(list, true)), or a list packed here once per array: either way, pass
// the same one while a job's targets stay the same.
export type ChunkJob = { algorithm: Algorithm, targets: Uint8Array[] | PackedTargets, keyspace: KeyspaceSpec, rules?: Uint8Array[], other?: Uint8Array }
export type ChunkOutcome = { hashed: number, cancelled: boolean }

export class RunningChunk {
  readonly done: Promise<ChunkOutcome>
  readonly #cancel: Int32Array
  readonly #progress: Int32Array

  constructor (cancel: Int32Array, progress: Int32Array, done: Promise<ChunkOutcome>) {
    this.#cancel = cancel
    this.#progress = progress
    this.done = done
  }

  cancel (): void { Atomics.store(this.#cancel, 0, 1) }

  hashed (): number {
    let sum = 0
    for (let i = 0; i < this.#progress.length; i++) sum += Atomics.load(this.#progress, i)
    return sum
  }
}

export class ChunkRunner {
  readonly threads: number
  readonly #pool: Piscina<SearchRequest, SearchResult>
  readonly #packed = new WeakMap<Uint8Array[], PackedTargets>()

  constructor (threads = availableParallelism()) {
    this.threads = threads
    this.#pool = new Piscina({ filename: THREAD_FILE, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, execArgv: threadExecArgv(BUNDLED) })
  }

  // onHit may see the same hit once from the thread's port and once from its result; it gets each
  // (index, target) once: one candidate can match several targets (one password, several salts).
  // `words`: the words a wordlist chunk's candidates draw on, newline-separated; each piece gets its share.
  run (job: ChunkJob, offset: bigint, length: number, onHit: (hit: SearchHit) => void, words?: Uint8Array): RunningChunk {
    const pieces = Math.max(1, Math.min(this.threads, Math.floor(length / 64)))
    const keyspace = words ? this.#keyspace(job.keyspace) : null
    const targets = this.#pack(job.targets)
    const cancel = new Int32Array(new SharedArrayBuffer(4))
    const progress = new Int32Array(new SharedArrayBuffer(4 * pieces))
    const seen = new Set<string>()
    const report = (hit: SearchHit) => {
      const key = `${hit.index}:${toHex(hit.hash)}`
      if (seen.has(key)) return
      seen.add(key)
      onHit(hit)
    }
    const done = (async () => {
      const base = Math.floor(length / pieces)
      const runs: Promise<SearchResult>[] = []
      for (let i = 0; i < pieces; i++) {
        const pieceOffset = offset + BigInt(i * base)
        const pieceLength = i === pieces - 1 ? length - i * base : base
        const { port1, port2 } = new MessageChannel()
        port1.on('message', report)
        const request: SearchRequest = { ...job, targets, offset: pieceOffset.toString(), length: pieceLength, cancel, progress, slot: i, port: port2 }
        if (words) request.words = wordsFor(keyspace!, words, offset, pieceOffset, pieceLength)
        runs.push(this.#pool.run(request, { transferList: [port2] }).finally(() => port1.close()))
      }
      const results = await Promise.all(runs)
      // Hits travel in the results too, so every FOUND is reported before the chunk counts as done.
      for (const result of results) for (const hit of result.hits) report(hit)
      return { hashed: results.reduce((sum, r) => sum + r.hashed, 0), cancelled: results.some((r) => r.cancelled) }
    })()
    return new RunningChunk(cancel, progress, done)
  }

  close (): Promise<void> {
    return this.#pool.destroy()
  }

  #pack (targets: Uint8Array[] | PackedTargets): PackedTargets {
    if ('ends' in targets) return targets
    let packed = this.#packed.get(targets)
    if (!packed) this.#packed.set(targets, packed = packTargets(targets, true))
    return packed
  }

  #cached: { spec: KeyspaceSpec, keyspace: Keyspace } | null = null
  #keyspace (spec: KeyspaceSpec): Keyspace {
    if (this.#cached?.spec !== spec) this.#cached = { spec, keyspace: keyspaceFrom(spec) }
    return this.#cached.keyspace
  }
}

// The words a piece [pieceOffset, + pieceLength) draws on, out of the chunk's (which start at the word
// holding chunkOffset): a view, not a copy.
function wordsFor (keyspace: Keyspace, words: Uint8Array, chunkOffset: bigint, pieceOffset: bigint, pieceLength: number): Uint8Array {
  const chunkFirst = wordsOf(keyspace, chunkOffset, 1).first
  const { first, end } = wordsOf(keyspace, pieceOffset, pieceLength)
  let start = 0
  for (let n = chunkFirst; n < first; n++) start = words.indexOf(0x0a, start) + 1
  let stop = start
  for (let n = first; n < end; n++) {
    const newline = words.indexOf(0x0a, stop)
    stop = newline < 0 ? words.length + 1 : newline + 1
  }
  return words.subarray(start, stop - 1)
}
