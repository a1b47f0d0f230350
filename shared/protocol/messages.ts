// Every message that crosses the network, typed here and validated on receipt (the worker's thread
// boundary has its own, worker/thread-messages.ts).
// Validators accept only plain objects with exactly the expected fields, types and bounds.
import { isAlgorithm, isTarget, MAX_TARGET_BYTES, type Algorithm } from '../algorithms.ts'
import { InvalidMessageError } from '../errors.ts'
import { hasControls } from '../printable.ts'
import { CUSTOM_CHARSETS } from '../keyspace/mask.ts'
import { MAX_CANDIDATE_BYTES, maskSpec, rangeSpec, type HybridSpec, type KeyspaceSpec, type MaskSpec, type RangeSpec, type WordlistSpec } from '../keyspace/spec.ts'
import { MAX_RULES } from '../rules/rules.ts'
import {
  MAX_CHUNK_CANDIDATES, MAX_DEVICES, MAX_ID_LENGTH, MAX_KEYSPACE_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_RULE_FILES, MAX_RULES_BYTES,
  MAX_SOFTWARE_LENGTH, MAX_REASON_LENGTH, MAX_REPLY_ITEMS, MAX_TARGETS_PER_MESSAGE, MAX_THREADS, MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES,
  WORDLIST_CHUNK_BYTES
} from './limits.ts'

// Worker -> server.
// software: the worker's release (SOFTWARE_VERSION), shown beside it on the server.
// backend: what runs its chunks (absent: the WASM kernels); hashcat's version and devices as it printed them.
export type Device = { name: string, type: string }
export type Backend = { kind: 'wasm' } | { kind: 'hashcat', version: string, devices: Device[] }
export type Hello = { type: 'hello', version: number, software: string, name: string, cores: number, threads: number, backend?: Backend }
// An unchanged count says the chunk is still being worked on (hashcat starting up).
export type Progress = { type: 'progress', chunkId: string, hashed: number }
// A chunk the worker could not finish (hashcat crashed, hung or miscounted): the server hands it out again.
export type Failed = { type: 'failed', chunkId: string, reason: string }
export type Found = { type: 'found', jobId: string, hash: Uint8Array, plaintext: Uint8Array }
export type Done = { type: 'done', chunkId: string, hashed: number }
// Server -> worker.
export type Welcome = { type: 'welcome', workerId: string }
// `rules`: the texts of the keyspace's rule files, in its order (wordlist jobs with rules only).
export type JobMessage = { type: 'job', jobId: string, algorithm: Algorithm, targets: Uint8Array[], keyspace: KeyspaceSpec, rules?: Uint8Array[] }
// More of a job's targets, after its JOB message and before any of its tasks.
export type Targets = { type: 'targets', jobId: string, targets: Uint8Array[] }
// `words`: for wordlist jobs, the words the chunk's candidates draw on, joined by newlines.
export type Task = { type: 'task', jobId: string, chunkId: string, offset: string, length: number, words?: Uint8Array }
export type Cancel = { type: 'cancel', jobId: string, chunkId: string }
export type Solved = { type: 'solved', jobId: string, hash: Uint8Array }
// After authentication, the server will not have this worker, and says why; the worker stops for good.
export type Refused = { type: 'refused', reason: string }
// Either way.
export type Ping = { type: 'ping' }
export type Pong = { type: 'pong' }
export type Bye = { type: 'bye', reason: string }

export type WorkerMessage = Hello | Progress | Found | Done | Failed | Ping | Pong | Bye
export type ServerMessage = Welcome | JobMessage | Targets | Task | Cancel | Solved | Refused | Reply | Ping | Pong | Bye

// Controller (npm run ctl, holding the admin token) -> server. Every request carries an id that its
// REPLY repeats. CONTROL opens the session, as HELLO does a worker's.
export type Control = { type: 'control', id: number, version: number, software: string }
// A file the controller sends (hash list, wordlist, rule file), known by its SHA-256 and base name.
export type FileRef = { sha256: string, name: string }
// The next piece of a file, at `offset` of its `size` bytes (at most UPLOAD_CHUNK_BYTES). The reply
// says how much the server holds, or that it has the whole file (at once if it had it before).
export type Upload = { type: 'upload', id: number, file: FileRef, size: number, offset: number, data: Uint8Array }
// A job as the server's own flags give it, with files already uploaded.
export type SubmittedKeyspace = RangeSpec | MaskSpec | { type: 'wordlist', file: FileRef, rules: FileRef[], hybrid: HybridSpec | null }
export type Submission = {
  algorithm: Algorithm, targets: string[], targetsFile: FileRef | null, keyspace: SubmittedKeyspace, priority: number, username: boolean, hexSalt: boolean
}
export type Submit = { type: 'submit', id: number, job: Submission }
// `jobs`: every job; the others name one.
export type Query = { type: 'jobs' | 'workers', id: number } | { type: 'status' | 'pause' | 'resume' | 'cancel', id: number, job: string }
// A job's results from index `from`, a page at a time.
export type Results = { type: 'results', id: number, job: string, from: number }
export type ControlMessage = Control | Upload | Submit | Query | Results
export const CONTROL_TYPES: readonly string[] = ['control', 'upload', 'submit', 'jobs', 'workers', 'status', 'pause', 'resume', 'cancel', 'results'] satisfies ControlMessage['type'][]

// Server -> controller: a job's figures (the fields of --status-json), a worker's, a result.
// Counts beyond 2^53 are decimal strings, so they stay exact.
export type JobLine = {
  time: string, job: string, status: string, algorithm: string, keyspace: string, priority: number,
  progress: [number | string, number | string], speed: number, eta: number | null, recovered: [number, number],
  workers: { name: string, speed: number }[]
}
// backend: "wasm", or hashcat's version and devices.
export type WorkerLine = { name: string, address: string, threads: number, software: string, backend: string, speed: number, chunks: number }
export type ResultLine = { hash: string, plaintext: Uint8Array, users: string[] }
// What a request got: the fields its type asks for, or an error with a stable code.
export type Reply = {
  type: 'reply', id: number, error?: { code: string, message: string }
  jobs?: JobLine[], workers?: WorkerLine[], results?: ResultLine[], next?: number | null, job?: string, stored?: boolean, received?: number
}

export type Message = WorkerMessage | ServerMessage | ControlMessage

type Fields = Record<string, unknown>

function fail (type: string, why: string): never {
  throw new InvalidMessageError(type ? `${type}: ${why}` : why)
}

function exactFields (value: Fields, type: string, required: string[], optional: string[] = []): void {
  for (const key of required) if (!Object.hasOwn(value, key)) fail(type, `missing field "${key}"`)
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) fail(type, `unexpected field "${key.slice(0, 32)}"`)
  }
}

function text (value: unknown, type: string, field: string, max: number, min = 0): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    fail(type, `"${field}" must be a string of ${min}..${max} characters`)
  }
  return value
}

function count (value: unknown, type: string, field: string, max: number, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(type, `"${field}" must be an integer in ${min}..${max}`)
  }
  return value
}

function bytes (value: unknown, type: string, field: string, max: number, exact?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length > max || (exact !== undefined && value.length !== exact)) {
    fail(type, `"${field}" must be ${exact ?? `at most ${max}`} bytes`)
  }
  return value
}

// A short, safe rendering of a hostile value for an error message (String() can throw on null-prototype objects).
function shown (value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : typeof value === 'number' ? String(value) : typeof value
}

const DECIMAL = /^(0|[1-9][0-9]*)$/

function decimal (value: unknown, type: string, field: string): string {
  if (typeof value !== 'string' || value.length > MAX_KEYSPACE_TEXT_LENGTH || !DECIMAL.test(value)) {
    fail(type, `"${field}" must be a decimal integer without leading zeros`)
  }
  return value
}

function plainObject (value: unknown): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    fail('', 'not an object')
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) fail('', 'not a plain object')
  return value as Fields
}

export function validateKeyspace (value: unknown, type = 'keyspace'): KeyspaceSpec {
  const spec = plainObject(value)
  if (spec.type === 'range') {
    exactFields(spec, type, ['type', 'start', 'end'])
    const [start, end] = [decimal(spec.start, type, 'start'), decimal(spec.end, type, 'end')]
    try {
      return rangeSpec(start, end)
    } catch (error) {
      return fail(type, (error as Error).message)
    }
  }
  if (spec.type === 'mask') {
    exactFields(spec, type, ['type', 'mask', 'charsets', 'min', 'max'])
    if (!Array.isArray(spec.charsets) || spec.charsets.length !== CUSTOM_CHARSETS) fail(type, `"charsets" must be an array of ${CUSTOM_CHARSETS} strings`)
    const mask = {
      type: 'mask' as const,
      mask: text(spec.mask, type, 'mask', MAX_KEYSPACE_TEXT_LENGTH, 1),
      charsets: (spec.charsets as unknown[]).map((c, i) => text(c, type, `charsets[${i}]`, MAX_KEYSPACE_TEXT_LENGTH)),
      min: count(spec.min, type, 'min', MAX_CANDIDATE_BYTES, 1),
      max: count(spec.max, type, 'max', MAX_CANDIDATE_BYTES, 1)
    }
    try {
      return maskSpec(mask.mask, mask.charsets, { min: mask.min, max: mask.max })
    } catch (error) {
      return fail(type, (error as Error).message)
    }
  }
  if (spec.type === 'wordlist') {
    exactFields(spec, type, ['type', 'name', 'size'], ['rules', 'hybrid'])
    const wordlist: WordlistSpec = { type: 'wordlist', name: text(spec.name, type, 'name', MAX_KEYSPACE_TEXT_LENGTH, 1), size: decimal(spec.size, type, 'size') }
    if (spec.rules !== undefined && spec.hybrid !== undefined) fail(type, 'a wordlist keyspace has rules or a hybrid mask, not both')
    if (spec.rules !== undefined) {
      if (!Array.isArray(spec.rules) || spec.rules.length < 1 || spec.rules.length > MAX_RULE_FILES) fail(type, `"rules" must be an array of 1..${MAX_RULE_FILES} rule files`)
      wordlist.rules = (spec.rules as unknown[]).map((value) => {
        const file = plainObject(value)
        exactFields(file, type, ['name', 'sha256', 'count'])
        if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) fail(type, 'a rule file\'s "sha256" must be 64 hex digits')
        return { name: text(file.name, type, 'rules[].name', MAX_KEYSPACE_TEXT_LENGTH, 1), sha256: file.sha256 as string, count: count(file.count, type, 'rules[].count', MAX_RULES, 1) }
      })
    }
    if (spec.hybrid !== undefined) wordlist.hybrid = hybridSpec(spec.hybrid, type)
    return wordlist
  }
  return fail(type, 'keyspace "type" must be "range", "mask" or "wordlist"')
}

function hybridSpec (value: unknown, type: string): HybridSpec {
  const hybrid = plainObject(value)
  exactFields(hybrid, type, ['side', 'mask'])
  if (hybrid.side !== 'append' && hybrid.side !== 'prepend') fail(type, 'a hybrid mask\'s "side" must be "append" or "prepend"')
  const mask = validateKeyspace(hybrid.mask, type)
  if (mask.type !== 'mask') fail(type, 'a hybrid keyspace joins a mask')
  return { side: hybrid.side, mask }
}

const ID = (value: unknown, type: string, field: string) => text(value, type, field, MAX_ID_LENGTH, 1)

// A name is shown in logs and on the dashboard: no control or direction characters.
function printableText (value: unknown, type: string, field: string, max: number): string {
  const name = text(value, type, field, max, 1)
  if (hasControls(name)) fail(type, `"${field}" must be printable (no control or direction characters)`)
  return name
}

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
      exactFields(m, type, ['type', 'version', 'software', 'name', 'cores', 'threads'], ['backend'])
      // Any version is read: the server answers another one with an explicit REFUSED.
      const hello: Hello = {
        type, version: count(m.version, type, 'version', 65_535, 1), software: printableText(m.software, type, 'software', MAX_SOFTWARE_LENGTH), name: printableText(m.name, type, 'name', MAX_NAME_LENGTH),
        cores: count(m.cores, type, 'cores', MAX_THREADS, 1), threads: count(m.threads, type, 'threads', MAX_THREADS, 1)
      }
      if (m.backend !== undefined) hello.backend = backend(m.backend, type)
      return hello
    }
    case 'failed':
      exactFields(m, type, ['type', 'chunkId', 'reason'])
      return { type, chunkId: ID(m.chunkId, type, 'chunkId'), reason: text(m.reason, type, 'reason', MAX_REASON_LENGTH) }
    case 'progress':
    case 'done':
      exactFields(m, type, ['type', 'chunkId', 'hashed'])
      return { type, chunkId: ID(m.chunkId, type, 'chunkId'), hashed: count(m.hashed, type, 'hashed', MAX_CHUNK_CANDIDATES) }
    case 'found':
      exactFields(m, type, ['type', 'jobId', 'hash', 'plaintext'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), hash: bytes(m.hash, type, 'hash', MAX_TARGET_BYTES), plaintext: bytes(m.plaintext, type, 'plaintext', MAX_CANDIDATE_BYTES) }
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

// Messages both sides send: ping, pong, bye.
function eitherWay (m: Fields, from: 'worker' | 'server'): Ping | Pong | Bye {
  const type = m.type
  switch (type) {
    case 'ping':
    case 'pong':
      exactFields(m, type, ['type'])
      return { type }
    case 'bye':
      exactFields(m, type, ['type', 'reason'])
      return { type, reason: text(m.reason, type, 'reason', MAX_REASON_LENGTH) }
    default:
      return fail('', `unknown ${from} message type ${shown(type)}`)
  }
}

export function validateServerMessage (value: unknown): ServerMessage {
  const m = plainObject(value)
  const type = m.type
  switch (type) {
    case 'welcome':
      exactFields(m, type, ['type', 'workerId'])
      return { type, workerId: ID(m.workerId, type, 'workerId') }
    case 'job': {
      exactFields(m, type, ['type', 'jobId', 'algorithm', 'targets', 'keyspace'], ['rules'])
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
      return job
    }
    case 'targets':
      // Their size is checked against the job's algorithm by the worker, which knows the job.
      exactFields(m, type, ['type', 'jobId', 'targets'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), targets: targetList(m.targets, type) }
    case 'task': {
      exactFields(m, type, ['type', 'jobId', 'chunkId', 'offset', 'length'], ['words'])
      const task: Task = { type, jobId: ID(m.jobId, type, 'jobId'), chunkId: ID(m.chunkId, type, 'chunkId'), offset: decimal(m.offset, type, 'offset'), length: count(m.length, type, 'length', MAX_CHUNK_CANDIDATES, 1) }
      if (m.words !== undefined) task.words = bytes(m.words, type, 'words', WORDLIST_CHUNK_BYTES)
      return task
    }
    case 'cancel':
      exactFields(m, type, ['type', 'jobId', 'chunkId'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), chunkId: ID(m.chunkId, type, 'chunkId') }
    case 'solved':
      exactFields(m, type, ['type', 'jobId', 'hash'])
      return { type, jobId: ID(m.jobId, type, 'jobId'), hash: bytes(m.hash, type, 'hash', MAX_TARGET_BYTES) }
    case 'refused':
      exactFields(m, type, ['type', 'reason'])
      return { type, reason: text(m.reason, type, 'reason', MAX_REASON_LENGTH) }
    default:
      return eitherWay(m, 'server')
  }
}

// What reaches the server: a worker's messages or a controller's, told apart by type. Which one a
// session may send is decided by the token it authenticated with (server/orchestrator.ts).
export function validateClientMessage (value: unknown): WorkerMessage | ControlMessage {
  const m = plainObject(value)
  return CONTROL_TYPES.includes(m.type as string) ? validateControlMessage(m) : validateWorkerMessage(m)
}

export function isControlMessage (message: WorkerMessage | ControlMessage): message is ControlMessage {
  return CONTROL_TYPES.includes(message.type)
}

const REQUEST_ID = (value: unknown, type: string) => count(value, type, 'id', 2 ** 32 - 1)
const SHA256 = /^[0-9a-f]{64}$/

function fileRef (value: unknown, type: string): FileRef {
  const file = plainObject(value)
  exactFields(file, type, ['sha256', 'name'])
  if (typeof file.sha256 !== 'string' || !SHA256.test(file.sha256)) fail(type, 'a file\'s "sha256" must be 64 lowercase hex digits')
  const name = printableText(file.name, type, 'name', MAX_NAME_LENGTH)
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') fail(type, 'a file\'s "name" must be a base name')
  return { sha256: file.sha256 as string, name }
}

function flag (value: unknown, type: string, field: string): boolean {
  if (typeof value !== 'boolean') fail(type, `"${field}" must be true or false`)
  return value as boolean
}

function submission (value: unknown, type: string): Submission {
  const job = plainObject(value)
  exactFields(job, type, ['algorithm', 'targets', 'targetsFile', 'keyspace', 'priority', 'username', 'hexSalt'])
  if (!isAlgorithm(job.algorithm)) fail(type, '"algorithm" is not supported')
  if (!Array.isArray(job.targets) || job.targets.length > MAX_TARGETS_PER_MESSAGE) fail(type, `"targets" must be an array of at most ${MAX_TARGETS_PER_MESSAGE} hashes`)
  const targets = (job.targets as unknown[]).map((t) => text(t, type, 'targets[]', 2 * MAX_TARGET_BYTES + 64, 1))
  let keyspace: SubmittedKeyspace
  const k = plainObject(job.keyspace)
  if (k.type === 'wordlist') {
    exactFields(k, type, ['type', 'file', 'rules', 'hybrid'])
    if (!Array.isArray(k.rules) || k.rules.length > MAX_RULE_FILES) fail(type, `"rules" must be an array of at most ${MAX_RULE_FILES} files`)
    const hybrid = k.hybrid === null ? null : hybridSpec(k.hybrid, type)
    keyspace = { type: 'wordlist', file: fileRef(k.file, type), rules: (k.rules as unknown[]).map((r) => fileRef(r, type)), hybrid }
  } else {
    const spec = validateKeyspace(k, type)
    if (spec.type === 'wordlist') fail(type, 'a wordlist is submitted as a file')
    keyspace = spec
  }
  return {
    algorithm: job.algorithm as Algorithm, targets, targetsFile: job.targetsFile === null ? null : fileRef(job.targetsFile, type), keyspace,
    priority: count(job.priority, type, 'priority', 2 ** 31 - 1), username: flag(job.username, type, 'username'), hexSalt: flag(job.hexSalt, type, 'hexSalt')
  }
}

export function validateControlMessage (value: unknown): ControlMessage {
  const m = plainObject(value)
  const type = m.type
  switch (type) {
    case 'control':
      exactFields(m, type, ['type', 'id', 'version', 'software'])
      return { type, id: REQUEST_ID(m.id, type), version: count(m.version, type, 'version', 65_535, 1), software: printableText(m.software, type, 'software', MAX_SOFTWARE_LENGTH) }
    case 'upload': {
      exactFields(m, type, ['type', 'id', 'file', 'size', 'offset', 'data'])
      const size = count(m.size, type, 'size', MAX_UPLOAD_BYTES)
      const offset = count(m.offset, type, 'offset', size)
      const data = bytes(m.data, type, 'data', UPLOAD_CHUNK_BYTES)
      if (offset + data.length > size) fail(type, '"data" runs past the file\'s size')
      return { type, id: REQUEST_ID(m.id, type), file: fileRef(m.file, type), size, offset, data }
    }
    case 'submit':
      exactFields(m, type, ['type', 'id', 'job'])
      return { type, id: REQUEST_ID(m.id, type), job: submission(m.job, type) }
    case 'jobs':
    case 'workers':
      exactFields(m, type, ['type', 'id'])
      return { type, id: REQUEST_ID(m.id, type) }
    case 'status':
    case 'pause':
    case 'resume':
    case 'cancel':
      exactFields(m, type, ['type', 'id', 'job'])
      return { type, id: REQUEST_ID(m.id, type), job: ID(m.job, type, 'job') }
    case 'results':
      exactFields(m, type, ['type', 'id', 'job', 'from'])
      return { type, id: REQUEST_ID(m.id, type), job: ID(m.job, type, 'job'), from: count(m.from, type, 'from', Number.MAX_SAFE_INTEGER) }
    default:
      return fail('', `unknown controller message type ${shown(type)}`)
  }
}

function bigCount (value: unknown, type: string, field: string): number | string {
  return typeof value === 'string' ? decimal(value, type, field) : count(value, type, field, Number.MAX_SAFE_INTEGER)
}

function list<T> (value: unknown, type: string, field: string, item: (v: unknown) => T): T[] {
  if (!Array.isArray(value) || value.length > MAX_REPLY_ITEMS) fail(type, `"${field}" must be an array of at most ${MAX_REPLY_ITEMS} items`)
  return (value as unknown[]).map(item)
}

function jobLine (value: unknown): JobLine {
  const type = 'reply'
  const j = plainObject(value)
  exactFields(j, type, ['time', 'job', 'status', 'algorithm', 'keyspace', 'priority', 'progress', 'speed', 'eta', 'recovered', 'workers'])
  const pair = <T> (v: unknown, field: string, item: (x: unknown) => T): [T, T] => {
    if (!Array.isArray(v) || v.length !== 2) fail(type, `"${field}" must be a pair`)
    return [item((v as unknown[])[0]), item((v as unknown[])[1])]
  }
  return {
    time: text(j.time, type, 'time', 64), job: ID(j.job, type, 'job'), status: printableText(j.status, type, 'status', 32),
    algorithm: printableText(j.algorithm, type, 'algorithm', 32), keyspace: printableText(j.keyspace, type, 'keyspace', 4 * MAX_KEYSPACE_TEXT_LENGTH),
    priority: count(j.priority, type, 'priority', 2 ** 31 - 1), progress: pair(j.progress, 'progress', (x) => bigCount(x, type, 'progress')),
    speed: count(j.speed, type, 'speed', Number.MAX_SAFE_INTEGER), eta: j.eta === null ? null : count(j.eta, type, 'eta', Number.MAX_SAFE_INTEGER),
    recovered: pair(j.recovered, 'recovered', (x) => count(x, type, 'recovered', Number.MAX_SAFE_INTEGER)),
    workers: list(j.workers, type, 'workers', (w) => {
      const worker = plainObject(w)
      exactFields(worker, type, ['name', 'speed'])
      return { name: printableText(worker.name, type, 'name', MAX_NAME_LENGTH), speed: count(worker.speed, type, 'speed', Number.MAX_SAFE_INTEGER) }
    })
  }
}

function workerLine (value: unknown): WorkerLine {
  const type = 'reply'
  const w = plainObject(value)
  exactFields(w, type, ['name', 'address', 'threads', 'software', 'backend', 'speed', 'chunks'])
  return {
    name: printableText(w.name, type, 'name', MAX_NAME_LENGTH), address: printableText(w.address, type, 'address', 128), threads: count(w.threads, type, 'threads', MAX_THREADS),
    software: text(w.software, type, 'software', MAX_SOFTWARE_LENGTH), backend: printableText(w.backend, type, 'backend', MAX_DEVICES * 2 * MAX_NAME_LENGTH), speed: count(w.speed, type, 'speed', Number.MAX_SAFE_INTEGER), chunks: count(w.chunks, type, 'chunks', MAX_REPLY_ITEMS)
  }
}

function resultLine (value: unknown): ResultLine {
  const type = 'reply'
  const r = plainObject(value)
  exactFields(r, type, ['hash', 'plaintext', 'users'])
  return {
    hash: printableText(r.hash, type, 'hash', 2 * MAX_TARGET_BYTES + 64), plaintext: bytes(r.plaintext, type, 'plaintext', MAX_CANDIDATE_BYTES),
    users: list(r.users, type, 'users', (u) => printableText(u, type, 'users[]', 4 * MAX_NAME_LENGTH))
  }
}

// What a controller receives: REPLY, REFUSED, or the messages both ways.
export function validateControlReply (value: unknown): Reply | Refused | Ping | Pong | Bye {
  const m = plainObject(value)
  const type = m.type
  if (type === 'refused') return validateServerMessage(m) as Refused
  if (type !== 'reply') return eitherWay(m, 'server')
  exactFields(m, type, ['type', 'id'], ['error', 'jobs', 'workers', 'results', 'next', 'job', 'stored', 'received'])
  const reply: Reply = { type, id: REQUEST_ID(m.id, type) }
  if (m.error !== undefined) {
    const error = plainObject(m.error)
    exactFields(error, type, ['code', 'message'])
    reply.error = { code: printableText(error.code, type, 'code', 64), message: text(error.message, type, 'message', 4 * MAX_REASON_LENGTH) }
  }
  if (m.jobs !== undefined) reply.jobs = list(m.jobs, type, 'jobs', jobLine)
  if (m.workers !== undefined) reply.workers = list(m.workers, type, 'workers', workerLine)
  if (m.results !== undefined) reply.results = list(m.results, type, 'results', resultLine)
  if (m.next !== undefined) reply.next = m.next === null ? null : count(m.next, type, 'next', Number.MAX_SAFE_INTEGER)
  if (m.job !== undefined) reply.job = ID(m.job, type, 'job')
  if (m.stored !== undefined) reply.stored = flag(m.stored, type, 'stored')
  if (m.received !== undefined) reply.received = count(m.received, type, 'received', MAX_UPLOAD_BYTES)
  return reply
}
