// The worker's connection loop: connect, handshake, HELLO, run what the server sends; after a lost
// connection, reconnect with exponential backoff and jitter. A refused token is not retried forever.
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { rm } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { isPassThrough, isTarget, toHex, type Algorithm } from '../shared/algorithms.ts'
import { hashcatRefusal, minHashcatRun } from '../shared/hashcat.ts'
import { keyspaceFrom, wordsOf, type Keyspace } from '../shared/keyspace/keyspace.ts'
import { maskRunAt } from '../shared/keyspace/runs.ts'
import { nextPacking, packTargets, unpackTargets } from './search/salts.ts'
import type { PackedTargets } from './search/targets.ts'
import {
  ConnectError, HandshakeClosedError, InvalidMessageError, KernelError, ProtocolError, RefusedError, ServerBusyError, ServerKeyMismatchError, TaskOrchError,
  TokenRejectedError, VersionMismatchError, HashcatError, coded
} from '../shared/errors.ts'
import type { LogLevel } from '../shared/log.ts'
import { MAX_DEVICES, MAX_HELD_FILES, MAX_NAME_LENGTH, MAX_REASON_LENGTH, MAX_SOFTWARE_LENGTH, MAX_WASM_CHUNK_CANDIDATES, PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import type { Backend, Check, Checked, Confirm, Confirmed, ServerMessage, WordsFile } from '../shared/protocol/worker-protocol.ts'
import { serverKeyFingerprint, tokenKey } from '../shared/protocol/credentials.ts'
import { SOFTWARE_VERSION } from '../shared/version.ts'
import { checkServerKey, type KnownServers } from '../shared/known-servers.ts'
import { connectSession, DEFAULT_TIMINGS, type SessionTimings, type WorkerSession } from '../shared/protocol/session.ts'
import { Backoff, RECONNECT_INITIAL_DELAY_MS, reconnectDelay } from '../shared/backoff.ts'
import type { HashcatBackend } from './hashcat/backend.ts'
import { OPTIMISED_WORDS_MAX, maskArgs, wordsRuns, type HashcatRun, type RulePart } from './hashcat/plan.ts'
import { longestResult, parseRules, ruleLongest } from '../shared/rules/rules.ts'
import type { FileCache } from './files/cache.ts'
import type { KeyspaceSpec, WordlistSpec } from '../shared/keyspace/spec.ts'
import { ChunkRunner } from './runner.ts'

// How often a worker reports progress on the chunks it runs.
export const PROGRESS_INTERVAL_MS = 500
// A chunk of words runs its rules in two hashcat runs, -O and not (#ruleParts), only from this many
// candidates: each run starts hashcat again (2 to 4 s on this CPU), and 2^31 MD5 candidates take
// about 50 s with -O here (on a GPU, well under a second: every GPU chunk is longer).
const SPLIT_RULES_FROM = 2n ** 31n
// After this many hashcat chunks failed in a row, hashcat is taken to be broken on this machine (a
// driver, a device): the worker reconnects as a WASM worker instead of failing chunk after chunk.
export const HASHCAT_FAILURES_TO_GIVE_UP = 3

export type WorkerOptions = {
  host: string
  port: number
  token: string
  // The server's key fingerprint (SHA256:...), from its join line or the announcement discovery chose
  // it by (serverKeyFrom names which): any other key is refused.
  serverKey?: string
  serverKeyFrom?: string
  // The first key seen at an address is pinned here, and others refused after. With neither this
  // nor serverKey, any key is accepted (library use on a trusted network).
  knownServers?: KnownServers
  name: string
  threads: number
  cores: number
  timings?: Partial<SessionTimings>
  reconnectInitialMs?: number
  // Stop after this many handshakes in a row failed (0: never). Anyone on the path can make a
  // handshake fail, so by default a worker keeps trying; only the server's REFUSED ends it.
  giveUpAfter?: number
  // Runs the chunks hashcat can search exactly (shared/hashcat.ts); the rest run on the WASM kernels.
  hashcat?: HashcatBackend
  // Where hashcat's words files (fetched once) and rule files are kept; without it, wordlist jobs run
  // on the WASM kernels from the words each task carries.
  cache?: FileCache
}

export interface WorkerEvents {
  log: [LogLevel, string]
  fatal: [TaskOrchError]
}

// A chunk in hand, on either backend. `heartbeat`: report its count even unchanged, because the backend
// watches its own liveness (hashcat prints a status a second, and is failed when it stops).
// `starting`: hashcat's, until it prints its first status.
type ChunkHandle = { done: Promise<{ hashed: number, cancelled: boolean, failure?: string }>, cancel (): void, hashed (): number, starting?: () => boolean }
type Running = { jobId: string, chunk: ChunkHandle, length: number, reported: number, heartbeat: boolean }
// A job's targets, packed as they arrive (`batches`, one per JOB or TARGETS message) and into shared
// memory at its first chunk (`packed`), kept for the job's life: the threads prepare a long list once,
// and nothing is held per target but its bytes. `found`: the targets found, here or elsewhere (by
// hex); a found target still passes the kernels' prefilter, and its hits are dropped here. The rule
// files' texts sit in shared memory too, so threads read them without a copy per piece.
// `hashcat`: whether hashcat may run its mask runs, or whole words of its words file (`wordsFile`),
// once the cache holds it; `ruleFiles`: its rule files written to the cache, for hashcat;
// `rulesChecked`: settled once hashcat was seen to apply every rule (else `hashcat` turns false).
type JobInHand = {
  algorithm: Algorithm, keyspace: Keyspace, batches: PackedTargets[], packed: PackedTargets | null, found: Set<string>, rules?: Uint8Array[], other?: Uint8Array, hashcat: boolean,
  wordsFile?: WordsFile, ruleFiles?: Promise<string[]>, ruleParts?: Promise<RulePart[]>, otherFile?: Promise<string>, searchedFile?: boolean, rulesChecked: Promise<void>
}
// A words file on its way into the cache: lines `next` of `lines` written, appends one after another.
type Download = { session: WorkerSession, lines: number, bytes: number, next: number, received: number, writing: Promise<void>, startedAt: number }

// One packing in shared memory of every target the batches hold.
function joinBatches (batches: PackedTargets[]): PackedTargets {
  const count = batches.reduce((n, b) => n + b.ends.length, 0)
  const bytes = batches.reduce((n, b) => n + b.bytes.length, 0)
  const joined = { id: nextPacking(), bytes: new Uint8Array(new SharedArrayBuffer(bytes)), ends: new Uint32Array(new SharedArrayBuffer(4 * count)) }
  let at = 0
  let i = 0
  for (const batch of batches) {
    joined.bytes.set(batch.bytes, at)
    for (const end of batch.ends) joined.ends[i++] = at + end
    at += batch.bytes.length
  }
  return joined
}

// The job's targets in one packing in shared memory, made once and kept until more arrive.
function packed (job: JobInHand): PackedTargets {
  job.packed ??= joinBatches(job.batches)
  job.batches = [job.packed]
  return job.packed
}

// A short list is packed again without its found targets before the next chunk, so the kernels keep
// comparing the few left directly (worker/search/targets.ts MAX_COMPARED_TARGETS); a long one keeps
// its packing, which its threads have indexed once.
const REPACKED_TARGETS = 64

function dropFound (job: JobInHand): void {
  const packed = job.packed ?? (job.batches.length === 1 ? job.batches[0] : joinBatches(job.batches))
  if (packed.ends.length > REPACKED_TARGETS) return
  const left = unpackTargets(packed).filter((t) => !job.found.has(toHex(t)))
  if (left.length === 0 || left.length === packed.ends.length) return // nothing left to seek, or nothing to drop
  job.batches = [packTargets(left)]
  job.packed = null
}

// What a failed attempt most likely means, for the log line.
function hint (failure: TaskOrchError): string {
  if (failure instanceof HandshakeClosedError) return ' (the server closed the connection before answering: it is overloaded, or not a TaskOrchestrator server of this version)'
  if (failure instanceof TokenRejectedError) return ' (compare the token fingerprints this worker and the server print)'
  if (failure instanceof ServerBusyError) return ' (many connections at once; it will have room)'
  return ''
}

export class WorkerClient extends EventEmitter<WorkerEvents> {
  readonly #options: WorkerOptions
  readonly #timings: SessionTimings
  readonly #runner: ChunkRunner
  readonly #jobs = new Map<string, JobInHand>()
  readonly #running = new Map<string, Running>()
  #session: WorkerSession | null = null
  #refusal: RefusedError | null = null
  #stopping = false
  readonly #backoff = new Backoff()
  #loop: Promise<void> | null = null
  #hashcat: HashcatBackend | undefined
  #hashcatFailures = 0
  #questions: Promise<void> = Promise.resolve() // the server's questions to hashcat, answered in turn
  readonly #downloads = new Map<string, Download>() // by SHA-256
  #slices = 0 // files of a chunk's words alone (-a 7, and -a 1 with the right list as base), numbered

  constructor (options: WorkerOptions) {
    super()
    this.#options = options
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings }
    this.#runner = new ChunkRunner(options.threads)
    this.#hashcat = options.hashcat
  }

  start (): Promise<void> {
    this.#loop ??= this.#connectLoop()
    return this.#loop
  }

  async #connectLoop (): Promise<void> {
    let failures = 0
    let handshakeFailures = 0
    const initial = this.#options.reconnectInitialMs ?? RECONNECT_INITIAL_DELAY_MS
    const giveUpAfter = this.#options.giveUpAfter ?? 0
    while (!this.#stopping) {
      let failure: TaskOrchError | null = null
      try {
        const session = await this.#connect()
        failures = 0
        handshakeFailures = 0
        await this.#serve(session)
      } catch (error) {
        failure = coded(error)
        const inHandshake = failure instanceof TokenRejectedError || failure instanceof ServerKeyMismatchError || failure instanceof VersionMismatchError
        handshakeFailures = inHandshake ? handshakeFailures + 1 : 0
        if (giveUpAfter > 0 && handshakeFailures >= giveUpAfter) {
          this.emit('fatal', new TokenRejectedError(`${handshakeFailures} handshake(s) with ${this.#address()} failed in a row; giving up (--give-up-after ${giveUpAfter}). Check that this worker's token matches the server's`))
          break
        }
      }
      if (this.#refusal) {
        this.emit('fatal', this.#refusal)
        break
      }
      if (this.#stopping) break
      const delay = reconnectDelay(failures++, initial)
      // A key mismatch is not a network hiccup: someone must act on it.
      if (failure) this.emit('log', failure instanceof ServerKeyMismatchError ? 'error' : 'warn', `cannot reach ${this.#address()}: ${failure.message}${hint(failure)}; next try in ${(delay / 1000).toFixed(1)} s`)
      await this.#backoff.sleep(delay)
    }
    await this.#shutdown()
  }

  #address (): string { return `${this.#options.host}:${this.#options.port}` }

  async #connect (): Promise<WorkerSession> {
    const token = tokenKey(this.#options.token) // scrypt, before the server's handshake deadline starts
    const socket = net.connect({ host: this.#options.host, port: this.#options.port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', (error) => reject(new ConnectError(this.#address(), error)))
    })
    const { session, serverKey } = await connectSession(socket, { token, checkServerKey: (key) => this.#checkServerKey(key), timings: this.#timings })
    const fingerprint = serverKeyFingerprint(serverKey)
    const known = this.#options.knownServers
    if (known?.pin(this.#address(), fingerprint)) {
      this.emit('log', 'info', `first connection to ${this.#address()}: pinned its key ${fingerprint} in ${known.path}`)
    }
    return session
  }

  #checkServerKey (publicKey: Uint8Array): void {
    const { serverKey, serverKeyFrom, knownServers } = this.#options
    checkServerKey(this.#address(), serverKeyFingerprint(publicKey), { serverKey, from: serverKeyFrom, knownServers })
  }

  #serve (session: WorkerSession): Promise<void> {
    this.#session = session
    const { name, cores, threads } = this.#options
    const progress = setInterval(() => this.#sendProgress(), PROGRESS_INTERVAL_MS)
    return new Promise((resolve) => {
      session.on('message', (message) => {
        try {
          this.#onMessage(message)
        } catch (error) {
          session.destroy(coded(error))
        }
      })
      session.on('close', (error) => {
        clearInterval(progress)
        this.#session = null
        // The server requeues whatever we held; stop spending cycles on it.
        for (const running of this.#running.values()) running.chunk.cancel()
        this.#running.clear()
        for (const jobId of this.#jobs.keys()) void this.#hashcat?.forget(jobId)
        this.#jobs.clear()
        this.emit('log', error ? 'warn' : 'info', `disconnected from ${this.#address()}${error ? `: ${error.message}` : ''}`)
        resolve()
      })
      session.start()
      const files = this.#hashcat ? this.#options.cache?.held().slice(0, MAX_HELD_FILES) : undefined
      session.send({ type: 'hello', version: PROTOCOL_VERSION, software: SOFTWARE_VERSION, name, cores, threads, backend: this.#backend(), ...(files?.length ? { files } : {}) })
    })
  }

  #backend (): Backend {
    const hashcat = this.#hashcat?.info
    if (!hashcat) return { kind: 'wasm' }
    // As HELLO allows them: hashcat prints what the driver says.
    const shown = (text: string, max: number) => text.replace(/[^\x20-\x7e]/g, '?').slice(0, max)
    return {
      kind: 'hashcat',
      version: shown(hashcat.version.text, MAX_SOFTWARE_LENGTH),
      devices: hashcat.devices.slice(0, MAX_DEVICES).map(({ name, type }) => ({ name: shown(name, MAX_NAME_LENGTH), type: shown(type, MAX_NAME_LENGTH) }))
    }
  }

  #onMessage (message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.emit('log', 'info', `connected to ${this.#address()} as ${this.#options.name} with ${this.#options.threads} threads`)
        return
      case 'job': {
        const refusal = this.#hashcat ? hashcatRefusal(message.algorithm, message.keyspace, message.wordsFile, message.rules) : null
        if (refusal) this.emit('log', 'info', `job ${message.jobId} runs on the WASM kernels: ${refusal}`)
        const job: JobInHand = {
          algorithm: message.algorithm, keyspace: keyspaceFrom(message.keyspace), batches: [packTargets(message.targets)], packed: null, found: new Set(), rules: message.rules?.map(shared), other: message.other && shared(message.other),
          hashcat: this.#hashcat !== undefined && refusal === null && (message.wordsFile === undefined || this.#options.cache !== undefined), wordsFile: message.wordsFile,
          rulesChecked: Promise.resolve()
        }
        this.#jobs.set(message.jobId, job)
        if (job.hashcat && message.wordsFile) this.#wantWords(message.jobId, job, message.keyspace)
        return
      }
      case 'targets': {
        const job = this.#jobs.get(message.jobId)
        if (!job) return // cancelled meanwhile
        if (message.targets.some((t) => !isTarget(job.algorithm, t))) throw new InvalidMessageError(`targets: job ${message.jobId} takes ${job.algorithm} targets`)
        job.batches.push(packTargets(message.targets))
        job.packed = null
        return
      }
      case 'task':
        this.#startChunk(message.jobId, message.chunkId, BigInt(message.offset), message.length, message.words)
        return
      case 'piece':
        this.#onPiece(message.sha256, BigInt(message.first), message.words)
        return
      case 'cancel': {
        const running = this.#running.get(message.chunkId)
        if (running?.jobId !== message.jobId) return // finished meanwhile
        running.chunk.cancel()
        this.#running.delete(message.chunkId)
        return
      }
      case 'solved': {
        // A hit on a target someone else found is not reported again.
        const job = this.#jobs.get(message.jobId)
        if (!job) return
        job.found.add(toHex(message.hash))
        dropFound(job)
        return
      }
      case 'check':
      case 'confirm':
        return this.#askHashcat(message)
      case 'refused':
        this.#refusal = new RefusedError(message.reason)
        return
      case 'bye':
        this.emit('log', 'info', `server said goodbye: ${message.reason}`)
    }
  }

  // The server asks this worker's hashcat about a mode it has no kernel for (server/pass-through.ts):
  // to read a list's hash lines, or to confirm another worker's find.
  #askHashcat (message: Check | Confirm): void {
    const session = this.#session
    const type = message.type === 'check' ? 'checked' : 'confirmed'
    const fail = (error: unknown) => ({ type, id: message.id, error: coded(error).message.slice(0, MAX_REASON_LENGTH) } as const)
    const answer = (reply: Parameters<WorkerSession['send']>[0]) => { if (session === this.#session && !session?.closed) session?.send(reply) }
    const hashcat = this.#hashcat
    if (!hashcat) return answer(fail(new HashcatError('this worker does not run hashcat')))
    // One hashcat run of the server's questions at a time, beside its chunks': the rest wait their turn.
    const turn = this.#questions.then((): Promise<Checked | Confirmed> => message.type === 'check'
      ? hashcat.checkHashes(message.mode, message.lines).then((lines) => ({ type: 'checked', id: message.id, lines: lines.map((l) => typeof l === 'string' ? l.slice(0, MAX_REASON_LENGTH) : l) } as const))
      : hashcat.confirm(message.mode, message.hash, message.plaintext).then((cracks) => ({ type: 'confirmed', id: message.id, cracks } as const)))
    this.#questions = turn.then(() => {}, () => {})
    turn.then(answer, (error) => answer(fail(error)))
  }

  #startChunk (jobId: string, chunkId: string, offset: bigint, length: number, words: Uint8Array | undefined): void {
    const job = this.#jobs.get(jobId)
    if (!job) throw new ProtocolError(`task ${chunkId} for unknown job ${jobId}`)
    const wordlist = job.keyspace.spec.type === 'wordlist'
    const needed = wordlist ? wordsOf(job.keyspace, offset, length) : null
    if (offset + BigInt(length) > job.keyspace.size) throw new ProtocolError(`task ${chunkId}: candidates ${offset}+${length} lie outside the job's ${job.keyspace.size}`)
    // Without words: whole words of the job's words file, which this worker said it holds.
    const fromFile = wordlist && words === undefined
    if (fromFile && (!job.wordsFile || !this.#options.cache || offset % job.keyspace.perWord !== 0n || BigInt(length) % job.keyspace.perWord !== 0n)) {
      throw new ProtocolError(`task ${chunkId}: without words, a task must be whole words of a job's words file`)
    }
    // Evicted since HELLO named it, or still on its way: the chunk goes back.
    if (fromFile && !this.#options.cache!.has(job.wordsFile!.sha256)) {
      this.#session?.send({ type: 'failed', chunkId, reason: 'its words file is not in this worker\'s cache (yet)' })
      return
    }
    if ((!wordlist && words !== undefined) || (needed && words && BigInt(countWords(words)) !== needed.end - needed.first)) {
      throw new ProtocolError(`task ${chunkId}: words must come with wordlist jobs only, the ${needed ? needed.end - needed.first : 0n} its candidates draw on`)
    }
    const session = this.#session
    const targets = packed(job)
    const onHit = (hit: { hash: Uint8Array, plaintext: Uint8Array }) => {
      const hex = toHex(hit.hash)
      if (job.found.has(hex)) return // found already, here or elsewhere; the server tells the others
      job.found.add(hex)
      dropFound(job)
      // What was searched so far goes first: a find that ends the job ends its chunks' counts too.
      if (session === this.#session) this.#sendProgress()
      session?.send({ type: 'found', jobId, hash: hit.hash, plaintext: hit.plaintext })
    }
    // A mode we have no kernel for runs on hashcat, whatever its length, or not at all.
    const passThrough = isPassThrough(job.algorithm)
    const run = !wordlist && job.hashcat && (passThrough || length >= minHashcatRun(job.algorithm)) ? maskRunAt(job.keyspace, offset, BigInt(length)) : null
    const hashcat = run || fromFile ? this.#hashcat : undefined
    if (passThrough && !hashcat) {
      session?.send({ type: 'failed', chunkId, reason: `${job.algorithm} runs on hashcat only, and this chunk is no run hashcat can search here` })
      return
    }
    if (fromFile && !hashcat) {
      session?.send({ type: 'failed', chunkId, reason: 'hashcat is no longer in use on this worker' })
      return
    }
    if (!hashcat && length > MAX_WASM_CHUNK_CANDIDATES) {
      session?.send({ type: 'failed', chunkId, reason: `${length} candidates are more than the WASM kernels take in one chunk (${MAX_WASM_CHUNK_CANDIDATES})` })
      return
    }
    const target = { id: jobId, algorithm: job.algorithm, targets }
    const slice = hashcat && fromFile ? join(hashcat.dir, `words-${++this.#slices}.txt`) : ''
    let chunk: ChunkHandle
    if (!hashcat) chunk = this.#runner.run({ algorithm: job.algorithm, keyspace: job.keyspace.spec, targets, rules: job.rules, other: job.other }, offset, length, onHit, words)
    else if (run) {
      const plan = maskArgs(job.algorithm, run, length)
      chunk = hashcat.run(target, async () => [plan ?? failHashcat('the run needs more custom charsets than hashcat has')], length, onHit, plan?.kernel ?? '')
    } else {
      // Whole words: on hashcat once its rule check is over and it takes every rule, else on the
      // WASM kernels, the words read from the cached file.
      const first = offset / job.keyspace.perWord
      const count = BigInt(length) / job.keyspace.perWord
      chunk = new LaterChunk(async () => {
        await job.rulesChecked
        let runs: HashcatRun[] | null = null
        try {
          if (job.hashcat) runs = await this.#wordsRuns(job, first, count, slice)
        } catch (error) {
          return failedChunk(`cannot prepare hashcat's runs: ${coded(error).message}`)
        }
        if (!job.searchedFile) this.emit('log', 'info', `job ${jobId}: searching whole words of its words file with ${runs ? `hashcat (${[...new Set(runs.map((r) => r.kernel))].join(', ')})` : 'the WASM kernels'}`)
        job.searchedFile = true
        if (!runs) {
          if (passThrough) return failedChunk(`${job.algorithm} runs on hashcat only, and hashcat cannot search this job's words here`)
          if (length > MAX_WASM_CHUNK_CANDIDATES) return failedChunk(`${length} candidates are more than the WASM kernels take in one chunk (${MAX_WASM_CHUNK_CANDIDATES})`)
          const read = await this.#options.cache!.readLines(job.wordsFile!.sha256, Number(first), Number(count))
          return this.#runner.run({ algorithm: job.algorithm, keyspace: job.keyspace.spec, targets: target.targets, rules: job.rules, other: job.other }, offset, length, onHit, read)
        }
        const sliced = runs.some((r) => r.inputs.includes(slice))
        return hashcat.run(target, async () => {
          if (sliced) await this.#options.cache!.slice(job.wordsFile!.sha256, Number(first), Number(count), slice)
          return runs
        }, length, onHit, runs[0].kernel)
      })
    }
    if (slice) {
      const remove = () => rm(slice, { force: true })
      chunk.done.then(remove, remove)
    }
    const running: Running = { jobId, chunk, length, reported: 0, heartbeat: hashcat !== undefined }
    this.#running.set(chunkId, running)
    chunk.done.then((outcome) => {
      if (this.#running.get(chunkId) !== running) return // cancelled or disconnected meanwhile
      this.#running.delete(chunkId)
      if (outcome.failure) {
        this.emit('log', 'warn', `chunk ${chunkId} failed, handed back: ${outcome.failure}`)
        session?.send({ type: 'failed', chunkId, reason: outcome.failure.slice(0, MAX_REASON_LENGTH) })
        // A words chunk that fell back to the WASM kernels is none of hashcat's failures.
        if (hashcat && (run || job.hashcat) && ++this.#hashcatFailures >= HASHCAT_FAILURES_TO_GIVE_UP) this.#dropHashcat(outcome.failure)
      } else if (!outcome.cancelled) {
        if (hashcat) this.#hashcatFailures = 0
        session?.send({ type: 'done', chunkId, hashed: outcome.hashed })
      }
    }, (error: Error) => {
      this.#running.delete(chunkId)
      // Stopping ends the threads, and with them a chunk still inside a slow scheme's candidate: the
      // server requeues it, and nothing failed.
      if (this.#stopping) return
      const failure = new KernelError(chunkId, error)
      this.emit('log', 'error', failure.message)
      session?.destroy(failure)
    })
  }

  // hashcat's runs for whole words [first, first + count) of the job's words file (for -a 7, copied
  // to `slice` when the run's turn comes).
  async #wordsRuns (job: JobInHand, first: bigint, count: bigint, slice: string): Promise<HashcatRun[]> {
    const file = job.wordsFile!
    let parts = await job.ruleParts!
    // A second run costs a second start-up (seconds): a short chunk runs its rules together.
    if (parts.length > 1 && count * job.keyspace.perWord < SPLIT_RULES_FROM) parts = [{ files: await job.ruleFiles!, perWord: job.keyspace.perWord, optimised: false }]
    const other = await job.otherFile ?? ''
    return wordsRuns(job.algorithm, job.keyspace.spec as WordlistSpec, { words: this.#options.cache!.path(file.sha256), parts, other, slice, longest: file.longest }, first, count)
  }

  // A job's rules as hashcat's -a 0 runs take them. One rule file splits in two: the rules whose
  // results cannot pass -O's limit for the list's longest word run with -O, the rest without (best64
  // on words of up to 10 bytes: 73 and 4 rules; the pure kernels run a third as fast). Several files
  // run together, with -O only if no combination can pass its limit.
  async #ruleParts (job: JobInHand, files: Promise<string[]>): Promise<RulePart[]> {
    const limit = OPTIMISED_WORDS_MAX[job.algorithm] ?? 0
    const longest = job.wordsFile!.longest
    const texts = job.rules ?? []
    if (texts.length === 0) return [{ files: [], perWord: 1n, optimised: longest <= limit }]
    const sets = texts.map((text, i) => parseRules(text, `rule file ${i + 1}`))
    if (sets.length > 1) return [{ files: await files, perWord: job.keyspace.perWord, optimised: sets.reduce((n, set) => longestResult(set, n), longest) <= limit }]
    const fits: string[] = []
    const over: string[] = []
    for (let rule = 0; rule < sets[0].count; rule++) (ruleLongest(sets[0], rule, longest) <= limit ? fits : over).push(sets[0].source[rule])
    if (fits.length === 0 || over.length === 0) return [{ files: await files, perWord: job.keyspace.perWord, optimised: over.length === 0 }]
    const cache = this.#options.cache!
    return Promise.all([[fits, true], [over, false]].map(async ([lines, optimised]) => {
      const text = Buffer.from((lines as string[]).join('\n') + '\n', 'latin1')
      const sha256 = createHash('sha256').update(text).digest('hex')
      await cache.put(sha256, text)
      return { files: [cache.path(sha256)], perWord: BigInt((lines as string[]).length), optimised: optimised as boolean }
    }))
  }

  // A wordlist job hashcat may search: its rule files go to the cache, and its words file is fetched
  // unless the cache has it; once it does, the server hears so (HOLDING) and sends whole words.
  #wantWords (jobId: string, job: JobInHand, spec: KeyspaceSpec): void {
    const cache = this.#options.cache!
    const file = job.wordsFile!
    const session = this.#session!
    const rules = (spec as WordlistSpec).rules ?? []
    job.ruleFiles = Promise.all(rules.map(async (rule, i) => {
      await cache.put(rule.sha256, job.rules![i])
      return cache.path(rule.sha256)
    }))
    job.rulesChecked = rules.length === 0 ? Promise.resolve() : this.#checkRules(jobId, job)
    job.ruleParts = this.#ruleParts(job, job.ruleFiles)
    job.ruleParts.catch(() => {}) // a failure fails the chunks that need them
    const combinator = (spec as WordlistSpec).combinator
    if (combinator) {
      const sha256 = combinator.other.file.sha256
      // A list joined to itself is the words file, on its way or held already.
      job.otherFile = sha256 === file.sha256 ? Promise.resolve(cache.path(sha256)) : cache.put(sha256, job.other!).then(() => cache.path(sha256))
      job.otherFile.catch(() => {})
    }
    cache.use([...this.#jobs.values()].flatMap(filesOf))
    if (cache.has(file.sha256)) return session.send({ type: 'holding', sha256: file.sha256 })
    const previous = this.#downloads.get(file.sha256)
    if (previous?.session === session) return // under way
    const lines = Number((spec as WordlistSpec).size)
    const download: Download = { session, lines, bytes: file.bytes, next: 0, received: 0, writing: Promise.resolve(), startedAt: Date.now() }
    this.#downloads.set(file.sha256, download)
    // After any append of an earlier connection's download of it.
    download.writing = (previous?.writing ?? Promise.resolve()).catch(() => {}).then(async () => {
      const { lines: have, bytes: kept } = await cache.resume(file.sha256, file.bytes, lines)
      download.next = have
      download.received = kept
      if (have === lines) return this.#finishDownload(file.sha256, download)
      this.emit('log', 'info', `fetching the words of job ${jobId} (${lines} words, ${file.bytes} bytes${have > 0 ? `, resuming at word ${have}` : ''}) for hashcat`)
      session.send({ type: 'fetch', sha256: file.sha256, from: String(have) })
    })
    download.writing.catch((error) => this.#dropDownload(file.sha256, download, error))
  }

  // hashcat skips, with a warning, the rules its device engine cannot run (specific.rule's `>A k u`),
  // so its count would not be ours: such a job's words are searched on the WASM kernels, from the
  // cached file.
  async #checkRules (jobId: string, job: JobInHand): Promise<void> {
    try {
      const applied = await this.#hashcat!.ruleCount({ id: jobId, algorithm: job.algorithm, targets: packed(job) }, await job.ruleFiles!)
      if (applied === job.keyspace.perWord) return
      this.emit('log', 'warn', `job ${jobId}: hashcat applies ${applied} of its ${job.keyspace.perWord} rules (it skips those its device cannot run); its words are searched on the WASM kernels`)
    } catch (error) {
      this.emit('log', 'warn', `job ${jobId}: its words are searched on the WASM kernels: ${coded(error).message}`)
    }
    job.hashcat = false
  }

  #onPiece (sha256: string, first: bigint, words: Uint8Array): void {
    const download = this.#downloads.get(sha256)
    if (download?.session !== this.#session) return // given up on: its pieces are dropped
    const count = countWords(words)
    if (count === 0 || first !== BigInt(download.next) || download.next + count > download.lines || download.received + words.length + 1 > download.bytes) {
      throw new ProtocolError(`piece of ${sha256.slice(0, 16)}...: words ${first}+${count} (${words.length} bytes), expected word ${download.next} of ${download.lines} and at most ${download.bytes - download.received} bytes`)
    }
    download.next += count
    download.received += words.length + 1
    const complete = download.next === download.lines
    download.writing = download.writing.then(async () => {
      await this.#options.cache!.appendLines(sha256, words)
      if (complete) await this.#finishDownload(sha256, download)
    })
    download.writing.catch((error) => this.#dropDownload(sha256, download, error))
  }

  async #finishDownload (sha256: string, download: Download): Promise<void> {
    await this.#options.cache!.finish(sha256, download.bytes)
    if (this.#downloads.get(sha256) === download) this.#downloads.delete(sha256)
    this.emit('log', 'info', `words file ${sha256.slice(0, 12)}... (${download.lines} words) is in the cache, checked, after ${((Date.now() - download.startedAt) / 1000).toFixed(1)} s`)
    if (download.session === this.#session) download.session.send({ type: 'holding', sha256 })
  }

  // A download that failed (no room, a bad digest, a write error): that job's words keep coming with
  // its tasks, for the WASM kernels.
  #dropDownload (sha256: string, download: Download, error: unknown): void {
    if (this.#downloads.get(sha256) !== download) return
    this.#downloads.delete(sha256)
    this.emit('log', 'warn', `cannot keep words file ${sha256.slice(0, 12)}... for hashcat: ${coded(error).message}; its words are searched on the WASM kernels as they come`)
  }

  // From now on the WASM kernels only; the server learns it from the next HELLO.
  #dropHashcat (lastFailure: string): void {
    this.emit('log', 'error', `hashcat failed ${HASHCAT_FAILURES_TO_GIVE_UP} chunks in a row (the last: ${lastFailure}); going on with the WASM kernels only`)
    this.#hashcat?.close()
    this.#hashcat = undefined
    this.#session?.close('hashcat is broken here: reconnecting as a WASM worker')
  }

  #sendProgress (): void {
    for (const [chunkId, running] of this.#running) {
      const hashed = running.chunk.hashed()
      if ((hashed === running.reported && !running.heartbeat) || hashed >= running.length) continue
      running.reported = hashed
      this.#session?.send({ type: 'progress', chunkId, hashed, ...(running.chunk.starting?.() ? { starting: true } : {}) })
    }
  }

  // Stop taking work, let the server requeue what we hold, and close.
  async stop (reason = 'worker shutting down'): Promise<void> {
    this.#stopping = true
    this.#session?.close(reason)
    this.#backoff.wake()
    await this.start()
  }

  async #shutdown (): Promise<void> {
    this.#stopping = true
    for (const running of this.#running.values()) running.chunk.cancel()
    this.#hashcat?.close()
    await this.#runner.close()
  }
}

// The cached files a job's hashcat runs read: its words file, rule files and combinator's other list.
function filesOf (job: JobInHand): string[] {
  const spec = job.keyspace.spec
  if (spec.type !== 'wordlist' || !job.wordsFile) return []
  return [job.wordsFile.sha256, ...(spec.rules ?? []).map((r) => r.sha256), ...(spec.combinator ? [spec.combinator.other.file.sha256] : [])]
}

function shared (bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length))
  copy.set(bytes)
  return copy
}

// A chunk whose backend is chosen once something is known (a job's rule check): `start` begins it.
class LaterChunk implements ChunkHandle {
  readonly done: Promise<{ hashed: number, cancelled: boolean, failure?: string }>
  #inner: ChunkHandle | null = null
  #cancelled = false

  constructor (start: () => Promise<ChunkHandle>) {
    this.done = start().then((inner) => {
      this.#inner = inner
      if (this.#cancelled) inner.cancel()
      return inner.done
    })
  }

  cancel (): void {
    this.#cancelled = true
    this.#inner?.cancel()
  }

  hashed (): number { return this.#inner?.hashed() ?? 0 }
  starting (): boolean { return this.#inner?.starting?.() ?? false }
}

function failedChunk (failure: string): ChunkHandle {
  return { done: Promise.resolve({ hashed: 0, cancelled: false, failure }), cancel () {}, hashed: () => 0 }
}

function failHashcat (why: string): never {
  throw new HashcatError(why)
}

function countWords (words: Uint8Array): number {
  let count = words.length > 0 ? 1 : 0
  for (let i = words.indexOf(0x0a); i >= 0; i = words.indexOf(0x0a, i + 1)) count++
  return count
}
