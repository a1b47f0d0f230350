// The worker protocol: what a worker and the server say to each other, typed here and validated on
// receipt (the worker's thread boundary has its own, worker/thread-messages.ts).
import { isAlgorithm, isHashLine, isTarget, MAX_HASHCAT_MODE, MAX_TARGET_BYTES, type Algorithm } from '../algorithms.ts'
import { MAX_CANDIDATE_BYTES, type KeyspaceSpec, type WordsFile } from '../keyspace/spec.ts'
import type { Reply } from './control-protocol.ts'
import {
  ID, bytes, count, decimal, eitherWay, exactFields, fail, plainObject, printableText, sha256Hex, text, validateKeyspace, validateRefused, wordsFile,
  type Bye, type Ping, type Pong, type Refused
} from './fields.ts'
import {
  MAX_CHECKED_LINES, MAX_CHUNK_CANDIDATES, MAX_DEVICES, MAX_HELD_FILES, MAX_NAME_LENGTH, MAX_OTHER_WORDS_BYTES, MAX_REASON_LENGTH, MAX_RULES_BYTES, MAX_SOFTWARE_LENGTH, MAX_TARGETS_PER_MESSAGE, MAX_THREADS,
  MAX_WORDS_FILE_BYTES, WORDLIST_CHUNK_BYTES
} from './limits.ts'

export type { Bye, Ping, Pong, Refused, WordsFile }

// Worker -> server.
// software: the worker's release (SOFTWARE_VERSION), shown beside it on the server.
// backend: what runs its chunks (absent: the WASM kernels); hashcat's version and devices as it printed them.
export type Device = { name: string, type: string }
export type Backend = { kind: 'wasm' } | { kind: 'hashcat', version: string, devices: Device[] }
// files: the SHA-256s of the words files its cache holds (worker/files/cache.ts).
export type Hello = { type: 'hello', version: number, software: string, name: string, cores: number, threads: number, backend?: Backend, files?: string[] }
// An unchanged count says the chunk is still being worked on (hashcat starting up).
// `starting`: the chunk's hashcat has not printed its first status (it loads, or compiles kernels).
export type Progress = { type: 'progress', chunkId: string, hashed: number, starting?: true }
// A chunk the worker could not finish (hashcat crashed, hung or miscounted): the server hands it out again.
export type Failed = { type: 'failed', chunkId: string, reason: string }
export type FoundMessage = { type: 'found', jobId: string, hash: Uint8Array, plaintext: Uint8Array }
export type Done = { type: 'done', chunkId: string, hashed: number }
// A words file from line `from` on, to be sent as PIECE messages; and, once all of it is here and its
// digest checked, that the worker holds it.
export type Fetch = { type: 'fetch', sha256: string, from: string }
export type Holding = { type: 'holding', sha256: string }
// Answers for a hashcat worker's hashcat (server/pass-through.ts): CHECK's lines each as its parser
// writes it back, or why it refused it; or why hashcat could not read them at all (`error`).
// CONFIRM's verdict: whether the plaintext cracks the hash.
export type Checked = { type: 'checked', id: string, lines?: (Uint8Array | string)[], error?: string }
export type Confirmed = { type: 'confirmed', id: string, cracks?: boolean, error?: string }
// Server -> worker.
export type Welcome = { type: 'welcome', workerId: string }
// `rules`: the texts of the keyspace's rule files, in its order (wordlist jobs with rules only).
// `wordsFile`: a wordlist job's words as a file (with the keyspace's `size` lines), for a worker to
// fetch once and search without TASK words. `other`: a combinator's other list, in the words file's
// form (combinator keyspaces only).
export type JobMessage = { type: 'job', jobId: string, algorithm: Algorithm, targets: Uint8Array[], keyspace: KeyspaceSpec, rules?: Uint8Array[], wordsFile?: WordsFile, other?: Uint8Array }
// More of a job's targets, after its JOB message and before any of its tasks.
export type Targets = { type: 'targets', jobId: string, targets: Uint8Array[] }
// `words`: for wordlist jobs, the words the chunk's candidates draw on, joined by newlines; absent
// when the worker holds the job's words file (HOLDING) and searches whole words of it.
export type TaskMessage = { type: 'task', jobId: string, chunkId: string, offset: string, length: number, words?: Uint8Array }
export type Cancel = { type: 'cancel', jobId: string, chunkId: string }
export type Solved = { type: 'solved', jobId: string, hash: Uint8Array }
// Lines [first, first + n) of a words file the worker fetches, joined by newlines.
export type Piece = { type: 'piece', sha256: string, first: string, words: Uint8Array }
// To a hashcat worker, for a mode we have no kernel for: read these hash lines with hashcat -m `mode`
// (CHECKED answers); does `plaintext` crack `hash` (CONFIRMED answers)?
export type Check = { type: 'check', id: string, mode: number, lines: Uint8Array[] }
export type Confirm = { type: 'confirm', id: string, mode: number, hash: Uint8Array, plaintext: Uint8Array }
export type WorkerMessage = Hello | Progress | FoundMessage | Done | Failed | Fetch | Holding | Checked | Confirmed | Ping | Pong | Bye
export type ServerMessage = Welcome | JobMessage | Targets | TaskMessage | Cancel | Solved | Piece | Check | Confirm | Refused | Reply | Ping | Pong | Bye

// Targets: digests, with their salts where the algorithm has them. Checked against the algorithm when
// it is known (JOB); TARGETS messages are checked by the worker, which knows the job.
function targetList (value: unknown, type: string, algorithm?: Algorithm): Uint8Array[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_TARGETS_PER_MESSAGE) {
    fail(type, `"targets" must be an array of 1..${MAX_TARGETS_PER_MESSAGE} targets`)
  }
  return value.map((t: unknown) => {
    const target = bytes(t, type, 'targets[]', MAX_TARGET_BYTES)
    if (algorithm && !isTarget(algorithm, target)) fail(type, `"targets" holds ${target.length} bytes that are not a ${algorithm} target`)
    return target
  })
}

export function validateWorkerMessage (value: unknown): WorkerMessage {
  const m = plainObject(value)
  const type = m.type
  switch (type) {
    case 'hello': {
      exactFields(m, type, ['type', 'version', 'software', 'name', 'cores', 'threads'], ['backend', 'files'])
      // Any version is read: the server answers another one with an explicit REFUSED.
      const hello: Hello = {
        type, version: count(m.version, type, 'version', 65_535, 1), software: printableText(m.software, type, 'software', MAX_SOFTWARE_LENGTH), name: printableText(m.name, type, 'name', MAX_NAME_LENGTH),
        cores: count(m.cores, type, 'cores', MAX_THREADS, 1), threads: count(m.threads, type, 'threads', MAX_THREADS, 1)
      }
      if (m.backend !== undefined) hello.backend = backend(m.backend, type)
      if (m.files !== undefined) {
        if (!Array.isArray(m.files) || m.files.length > MAX_HELD_FILES) fail(type, `"files" must list at most ${MAX_HELD_FILES} files`)
        hello.files = (m.files as unknown[]).map((f) => sha256Hex(f, type, 'files[]'))
      }
      return hello
    }
    case 'failed':
      exactFields(m, type, ['type', 'chunkId', 'reason'])
      return { type, chunkId: ID(m.chunkId, type, 'chunkId'), reason: text(m.reason, type, 'reason', MAX_REASON_LENGTH) }
    case 'progress': {
      exactFields(m, type, ['type', 'chunkId', 'hashed'], ['starting'])
      if (m.starting !== undefined && m.starting !== true) fail(type, '"starting" must be true when given')
      return { type, chunkId: ID(m.chunkId, type, 'chunkId'), hashed: count(m.hashed, type, 'hashed', MAX_CHUNK_CANDIDATES), ...(m.starting ? { starting: true as const } : {}) }
    }
    case 'done':
      exactFields(m, type, ['type', 'chunkId', 'hashed'])
      return { type, chunkId: ID(m.chunkId, type, 'chunkId'), hashed: count(m.hashed, type, 'hashed', MAX_CHUNK_CANDIDATES) }
    case 'fetch':
      exactFields(m, type, ['type', 'sha256', 'from'])
      return { type, sha256: sha256Hex(m.sha256, type, 'sha256'), from: decimal(m.from, type, 'from') }
    case 'holding':
      exactFields(m, type, ['type', 'sha256'])
      return { type, sha256: sha256Hex(m.sha256, type, 'sha256') }
    case 'found':
      exactFields(m, type, ['type', 'jobId', 'hash', 'plaintext'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), hash: bytes(m.hash, type, 'hash', MAX_TARGET_BYTES), plaintext: bytes(m.plaintext, type, 'plaintext', MAX_CANDIDATE_BYTES) }
    case 'checked': {
      exactFields(m, type, ['type', 'id'], ['lines', 'error'])
      const id = ID(m.id, type, 'id')
      if ((m.lines === undefined) === (m.error === undefined)) fail(type, 'exactly one of "lines" and "error" must be given')
      if (m.error !== undefined) return { type, id, error: text(m.error, type, 'error', MAX_REASON_LENGTH) }
      if (!Array.isArray(m.lines) || m.lines.length > MAX_CHECKED_LINES) fail(type, `"lines" must be an array of at most ${MAX_CHECKED_LINES}`)
      // Each line as hashcat wrote it back (bytes, a target of a passed-through mode), or its refusal.
      const lines = (m.lines as unknown[]).map((line) => typeof line === 'string' ? text(line, type, 'lines[]', MAX_REASON_LENGTH, 1) : bytes(line, type, 'lines[]', MAX_TARGET_BYTES))
      if (lines.some((line) => typeof line !== 'string' && !isHashLine(line))) fail(type, '"lines" holds a hash that is not printable ASCII')
      return { type, id, lines }
    }
    case 'confirmed': {
      exactFields(m, type, ['type', 'id'], ['cracks', 'error'])
      const id = ID(m.id, type, 'id')
      if ((m.cracks === undefined) === (m.error === undefined)) fail(type, 'exactly one of "cracks" and "error" must be given')
      if (m.error !== undefined) return { type, id, error: text(m.error, type, 'error', MAX_REASON_LENGTH) }
      if (typeof m.cracks !== 'boolean') fail(type, '"cracks" must be true or false')
      return { type, id, cracks: m.cracks as boolean }
    }
    default:
      return eitherWay(m, 'worker')
  }
}

function backend (value: unknown, type: string): Backend {
  const b = plainObject(value)
  if (b.kind === 'wasm') {
    exactFields(b, type, ['kind'])
    return { kind: 'wasm' }
  }
  if (b.kind !== 'hashcat') fail(type, '"backend.kind" must be "wasm" or "hashcat"')
  exactFields(b, type, ['kind', 'version', 'devices'])
  if (!Array.isArray(b.devices) || b.devices.length < 1 || b.devices.length > MAX_DEVICES) fail(type, `"backend.devices" must list 1..${MAX_DEVICES} devices`)
  const devices = (b.devices as unknown[]).map((value) => {
    const device = plainObject(value)
    exactFields(device, type, ['name', 'type'])
    return { name: printableText(device.name, type, 'backend.devices[].name', MAX_NAME_LENGTH), type: printableText(device.type, type, 'backend.devices[].type', MAX_NAME_LENGTH) }
  })
  return { kind: 'hashcat', version: printableText(b.version, type, 'backend.version', MAX_SOFTWARE_LENGTH), devices }
}

export function validateServerMessage (value: unknown): ServerMessage {
  const m = plainObject(value)
  const type = m.type
  switch (type) {
    case 'welcome':
      exactFields(m, type, ['type', 'workerId'])
      return { type, workerId: ID(m.workerId, type, 'workerId') }
    case 'job': {
      exactFields(m, type, ['type', 'jobId', 'algorithm', 'targets', 'keyspace'], ['rules', 'wordsFile', 'other'])
      if (!isAlgorithm(m.algorithm)) fail(type, '"algorithm" is not supported')
      const algorithm = m.algorithm
      const targets = targetList(m.targets, type, algorithm)
      const keyspace = validateKeyspace(m.keyspace, type)
      const job: JobMessage = { type, jobId: ID(m.jobId, type, 'jobId'), algorithm, targets, keyspace }
      const files = keyspace.type === 'wordlist' ? keyspace.rules?.length ?? 0 : 0
      if ((m.rules === undefined) !== (files === 0)) fail(type, '"rules" must come exactly with a keyspace that has rule files')
      if (m.rules !== undefined) {
        if (!Array.isArray(m.rules) || m.rules.length !== files) fail(type, `"rules" must hold the ${files} rule file(s) the keyspace names`)
        job.rules = (m.rules as unknown[]).map((r) => bytes(r, type, 'rules[]', MAX_RULES_BYTES))
        if (job.rules.reduce((n, r) => n + r.length, 0) > MAX_RULES_BYTES) fail(type, `"rules" must total at most ${MAX_RULES_BYTES} bytes`)
      }
      if (m.wordsFile !== undefined) {
        if (keyspace.type !== 'wordlist') fail(type, '"wordsFile" comes with wordlist keyspaces only')
        job.wordsFile = wordsFile(m.wordsFile, type, 'wordsFile', BigInt(keyspace.size))
      }
      const combinator = keyspace.type === 'wordlist' ? keyspace.combinator : undefined
      if ((m.other === undefined) !== (combinator === undefined)) fail(type, '"other" must come exactly with a combinator keyspace')
      if (combinator) {
        job.other = bytes(m.other, type, 'other', MAX_OTHER_WORDS_BYTES)
        if (job.other.length !== combinator.other.file.bytes) fail(type, `"other" must hold the ${combinator.other.file.bytes} bytes its keyspace names`)
        if (!isWordsFile(job.other, combinator.other.size)) fail(type, `"other" must be ${combinator.other.size} words of 1 to ${MAX_CANDIDATE_BYTES} bytes, each followed by a newline`)
      }
      return job
    }
    case 'targets':
      // Their size is checked against the job's algorithm by the worker, which knows the job.
      exactFields(m, type, ['type', 'jobId', 'targets'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), targets: targetList(m.targets, type) }
    case 'task': {
      exactFields(m, type, ['type', 'jobId', 'chunkId', 'offset', 'length'], ['words'])
      const task: TaskMessage = { type, jobId: ID(m.jobId, type, 'jobId'), chunkId: ID(m.chunkId, type, 'chunkId'), offset: decimal(m.offset, type, 'offset'), length: count(m.length, type, 'length', MAX_CHUNK_CANDIDATES, 1) }
      if (m.words !== undefined) task.words = bytes(m.words, type, 'words', WORDLIST_CHUNK_BYTES)
      return task
    }
    case 'cancel':
      exactFields(m, type, ['type', 'jobId', 'chunkId'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), chunkId: ID(m.chunkId, type, 'chunkId') }
    case 'solved':
      exactFields(m, type, ['type', 'jobId', 'hash'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), hash: bytes(m.hash, type, 'hash', MAX_TARGET_BYTES) }
    case 'piece':
      exactFields(m, type, ['type', 'sha256', 'first', 'words'])
      return { type, sha256: sha256Hex(m.sha256, type, 'sha256'), first: decimal(m.first, type, 'first'), words: bytes(m.words, type, 'words', WORDLIST_CHUNK_BYTES) }
    case 'check': {
      exactFields(m, type, ['type', 'id', 'mode', 'lines'])
      if (!Array.isArray(m.lines) || m.lines.length < 1 || m.lines.length > MAX_CHECKED_LINES) fail(type, `"lines" must be an array of 1..${MAX_CHECKED_LINES} hash lines`)
      const mode = count(m.mode, type, 'mode', MAX_HASHCAT_MODE)
      const lines = (m.lines as unknown[]).map((line) => bytes(line, type, 'lines[]', MAX_TARGET_BYTES))
      if (lines.some((line) => !isHashLine(line))) fail(type, '"lines" holds a line that is not printable ASCII')
      return { type, id: ID(m.id, type, 'id'), mode, lines }
    }
    case 'confirm': {
      exactFields(m, type, ['type', 'id', 'mode', 'hash', 'plaintext'])
      const mode = count(m.mode, type, 'mode', MAX_HASHCAT_MODE)
      const hash = bytes(m.hash, type, 'hash', MAX_TARGET_BYTES)
      if (!isHashLine(hash)) fail(type, '"hash" is not a printable ASCII hash line')
      return { type, id: ID(m.id, type, 'id'), mode, hash, plaintext: bytes(m.plaintext, type, 'plaintext', MAX_CANDIDATE_BYTES) }
    }
    case 'refused':
      return validateRefused(m)
    default:
      return eitherWay(m, 'server')
  }
}

// `count` words of 1 to MAX_CANDIDATE_BYTES bytes, each followed by a newline.
function isWordsFile (bytes: Uint8Array, count: number): boolean {
  let words = 0
  for (let from = 0; from < bytes.length; words++) {
    const end = bytes.indexOf(0x0a, from)
    if (end < 0 || end === from || end - from > MAX_CANDIDATE_BYTES) return false
    from = end + 1
  }
  return words === count
}
