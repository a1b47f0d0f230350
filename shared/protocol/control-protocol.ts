// The control protocol: what a controller (npm run ctl, holding the admin token) and the server say
// to each other, typed here and validated on receipt.
import { isAlgorithm, MAX_TARGET_BYTES, type Algorithm } from '../algorithms.ts'
import { MAX_CANDIDATE_BYTES, type HybridSpec, type MaskSpec, type RangeSpec } from '../keyspace/spec.ts'
import {
  ID, bigCount, bytes, count, eitherWay, exactFields, fail, flag, hybridSpec, list, plainObject, printableText, shown, text, validateKeyspace, validateRefused,
  type Bye, type Ping, type Pong, type Refused
} from './fields.ts'
import { MAX_DEVICES, MAX_KEYSPACE_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_REASON_LENGTH, MAX_REPLY_ITEMS, MAX_RULE_FILES, MAX_SHOWN_USER_NAME_LENGTH, MAX_SOFTWARE_LENGTH, MAX_TARGETS_PER_MESSAGE, MAX_THREADS, MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES } from './limits.ts'

// Controller (npm run ctl, holding the admin token) -> server. Every request carries an id that its
// REPLY repeats. CONTROL opens the session, as HELLO does a worker's.
export type ControlOpening = { type: 'control', id: number, version: number, software: string }
// A file the controller sends (hash list, wordlist, rule file), known by its SHA-256 and base name.
export type FileRef = { sha256: string, name: string }
// The next piece of a file, at `offset` of its `size` bytes (at most UPLOAD_CHUNK_BYTES). The reply
// says how much the server holds, or that it has the whole file (at once if it had it before).
export type Upload = { type: 'upload', id: number, file: FileRef, size: number, offset: number, data: Uint8Array }
// A job as the server's own flags give it, with files already uploaded.
// A combinator's right list and its rules (-j, -k).
export type SubmittedCombinator = { file: FileRef, left: string | null, right: string | null }
export type SubmittedKeyspace = RangeSpec | MaskSpec | { type: 'wordlist', file: FileRef, rules: FileRef[], hybrid: HybridSpec | null, combinator: SubmittedCombinator | null }
export type Submission = {
  algorithm: Algorithm, targets: string[], targetsFile: FileRef | null, keyspace: SubmittedKeyspace, priority: number, username: boolean, hexSalt: boolean
}
export type Submit = { type: 'submit', id: number, job: Submission }
// `jobs`: every job; the others name one.
export type Query = { type: 'jobs' | 'workers', id: number } | { type: 'status' | 'pause' | 'resume' | 'cancel', id: number, job: string }
// A job's results from index `from`, a page at a time.
export type Results = { type: 'results', id: number, job: string, from: number }
export type ControlMessage = ControlOpening | Upload | Submit | Query | Results
export const CONTROL_TYPES: readonly string[] = ['control', 'upload', 'submit', 'jobs', 'workers', 'status', 'pause', 'resume', 'cancel', 'results'] satisfies ControlMessage['type'][]

// Server -> controller: a job's figures (the fields of --status-json), a worker's, a result.
// Counts beyond 2^53 are decimal strings, so they stay exact.
export type JobLine = {
  time: string, job: string, status: string, algorithm: string, keyspace: string, priority: number,
  progress: [number | string, number | string], speed: number, eta: number | null, recovered: [number, number],
  workers: { name: string, speed: number, state: string }[]
}
// backend: "wasm", or hashcat's version and devices.
// `state`: working, idle, or starting hashcat (loading, compiling kernels).
export type WorkerLine = { name: string, address: string, threads: number, software: string, backend: string, speed: number, chunks: number, state: string }
// confirmedBy: for a mode we have no kernel for, the worker whose hashcat confirmed the find;
// byFinder: that was the finder's own (no other hashcat worker was connected).
export type ResultLine = { hash: string, plaintext: Uint8Array, users: string[], confirmedBy?: string, byFinder?: boolean }
// What a request got: the fields its type asks for, or an error with a stable code.
export type Reply = {
  type: 'reply', id: number, error?: { code: string, message: string }
  jobs?: JobLine[], workers?: WorkerLine[], results?: ResultLine[], next?: number | null, job?: string, stored?: boolean, received?: number
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

function submittedCombinator (value: unknown, type: string): SubmittedCombinator {
  const combinator = plainObject(value)
  exactFields(combinator, type, ['file', 'left', 'right'])
  const rule = (side: 'left' | 'right') => combinator[side] === null ? null : text(combinator[side], type, `combinator.${side}`, MAX_KEYSPACE_TEXT_LENGTH, 1)
  return { file: fileRef(combinator.file, type), left: rule('left'), right: rule('right') }
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
    exactFields(k, type, ['type', 'file', 'rules', 'hybrid', 'combinator'])
    if (!Array.isArray(k.rules) || k.rules.length > MAX_RULE_FILES) fail(type, `"rules" must be an array of at most ${MAX_RULE_FILES} files`)
    const hybrid = k.hybrid === null ? null : hybridSpec(k.hybrid, type)
    keyspace = { type: 'wordlist', file: fileRef(k.file, type), rules: (k.rules as unknown[]).map((r) => fileRef(r, type)), hybrid, combinator: k.combinator === null ? null : submittedCombinator(k.combinator, type) }
  } else {
    const spec = validateKeyspace(k, type)
    if (spec.type === 'wordlist') fail(type, 'a wordlist is submitted as a file')
    keyspace = spec
  }
  return {
    algorithm: job.algorithm as Algorithm, targets, targetsFile: job.targetsFile === null ? null : fileRef(job.targetsFile, type), keyspace,
    // The server bounds a priority where every job description is checked (server/job-description.ts).
    priority: count(job.priority, type, 'priority', Number.MAX_SAFE_INTEGER), username: flag(job.username, type, 'username'), hexSalt: flag(job.hexSalt, type, 'hexSalt')
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
    priority: count(j.priority, type, 'priority', Number.MAX_SAFE_INTEGER), progress: pair(j.progress, 'progress', (x) => bigCount(x, type, 'progress')),
    speed: count(j.speed, type, 'speed', Number.MAX_SAFE_INTEGER), eta: j.eta === null ? null : count(j.eta, type, 'eta', Number.MAX_SAFE_INTEGER),
    recovered: pair(j.recovered, 'recovered', (x) => count(x, type, 'recovered', Number.MAX_SAFE_INTEGER)),
    workers: list(j.workers, type, 'workers', (w) => {
      const worker = plainObject(w)
      exactFields(worker, type, ['name', 'speed', 'state'])
      return { name: printableText(worker.name, type, 'name', MAX_NAME_LENGTH), speed: count(worker.speed, type, 'speed', Number.MAX_SAFE_INTEGER), state: printableText(worker.state, type, 'state', 32) }
    })
  }
}

function workerLine (value: unknown): WorkerLine {
  const type = 'reply'
  const w = plainObject(value)
  exactFields(w, type, ['name', 'address', 'threads', 'software', 'backend', 'speed', 'chunks', 'state'])
  return {
    name: printableText(w.name, type, 'name', MAX_NAME_LENGTH), address: printableText(w.address, type, 'address', 128), threads: count(w.threads, type, 'threads', MAX_THREADS),
    software: text(w.software, type, 'software', MAX_SOFTWARE_LENGTH), backend: printableText(w.backend, type, 'backend', MAX_DEVICES * 2 * MAX_NAME_LENGTH), speed: count(w.speed, type, 'speed', Number.MAX_SAFE_INTEGER), chunks: count(w.chunks, type, 'chunks', MAX_REPLY_ITEMS),
    state: printableText(w.state, type, 'state', 32)
  }
}

function resultLine (value: unknown): ResultLine {
  const type = 'reply'
  const r = plainObject(value)
  exactFields(r, type, ['hash', 'plaintext', 'users'], ['confirmedBy', 'byFinder'])
  const line: ResultLine = {
    hash: printableText(r.hash, type, 'hash', 2 * MAX_TARGET_BYTES + 64), plaintext: bytes(r.plaintext, type, 'plaintext', MAX_CANDIDATE_BYTES),
    users: list(r.users, type, 'users', (u) => printableText(u, type, 'users[]', MAX_SHOWN_USER_NAME_LENGTH))
  }
  if ((r.confirmedBy === undefined) !== (r.byFinder === undefined)) fail(type, '"confirmedBy" and "byFinder" come together')
  if (r.confirmedBy !== undefined) {
    if (typeof r.byFinder !== 'boolean') fail(type, '"byFinder" must be true or false')
    line.confirmedBy = printableText(r.confirmedBy, type, 'confirmedBy', MAX_NAME_LENGTH)
    line.byFinder = r.byFinder as boolean
  }
  return line
}

// What a controller receives: REPLY, REFUSED, or the messages both ways.
export function validateControlReply (value: unknown): Reply | Refused | Ping | Pong | Bye {
  const m = plainObject(value)
  const type = m.type
  if (type === 'refused') return validateRefused(m)
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

export function isControlMessage (message: { type: string }): message is ControlMessage {
  return CONTROL_TYPES.includes(message.type)
}
