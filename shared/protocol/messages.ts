// Every message that crosses the network, typed here and validated on receipt (the worker's thread
// boundary has its own, worker/thread-messages.ts).
// Validators accept only plain objects with exactly the expected fields, types and bounds.
import { isAlgorithm, isTarget, MAX_TARGET_BYTES, type Algorithm } from '../algorithms.ts'
import { InvalidMessageError } from '../errors.ts'
import { hasControls } from '../printable.ts'
import { CUSTOM_CHARSETS } from '../keyspace/mask.ts'
import { MAX_CANDIDATE_BYTES, maskSpec, rangeSpec, type KeyspaceSpec, type WordlistSpec } from '../keyspace/spec.ts'
import { MAX_RULES } from '../rules/rules.ts'
import {
  MAX_CHUNK_CANDIDATES, MAX_ID_LENGTH, MAX_KEYSPACE_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_RULE_FILES, MAX_RULES_BYTES,
  MAX_SOFTWARE_LENGTH, MAX_REASON_LENGTH, MAX_TARGETS_PER_MESSAGE, MAX_THREADS, WORDLIST_CHUNK_BYTES
} from './limits.ts'

// Worker -> server.
// software: the worker's release (SOFTWARE_VERSION), shown beside it on the server.
export type Hello = { type: 'hello', version: number, software: string, name: string, cores: number, threads: number }
export type Progress = { type: 'progress', chunkId: string, hashed: number }
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

export type WorkerMessage = Hello | Progress | Found | Done | Ping | Pong | Bye
export type ServerMessage = Welcome | JobMessage | Targets | Task | Cancel | Solved | Refused | Ping | Pong | Bye
export type Message = WorkerMessage | ServerMessage

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
    if (spec.hybrid !== undefined) {
      const hybrid = plainObject(spec.hybrid)
      exactFields(hybrid, type, ['side', 'mask'])
      if (hybrid.side !== 'append' && hybrid.side !== 'prepend') fail(type, 'a hybrid mask\'s "side" must be "append" or "prepend"')
      const mask = validateKeyspace(hybrid.mask, type)
      if (mask.type !== 'mask') fail(type, 'a hybrid keyspace joins a mask')
      wordlist.hybrid = { side: hybrid.side, mask }
    }
    return wordlist
  }
  return fail(type, 'keyspace "type" must be "range", "mask" or "wordlist"')
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
    case 'hello':
      exactFields(m, type, ['type', 'version', 'software', 'name', 'cores', 'threads'])
      // Any version is read: the server answers another one with an explicit REFUSED.
      return {
        type, version: count(m.version, type, 'version', 65_535, 1), software: printableText(m.software, type, 'software', MAX_SOFTWARE_LENGTH), name: printableText(m.name, type, 'name', MAX_NAME_LENGTH),
        cores: count(m.cores, type, 'cores', MAX_THREADS, 1), threads: count(m.threads, type, 'threads', MAX_THREADS, 1)
      }
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
