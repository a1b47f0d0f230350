// The session journal (--session PATH): an append-only file of records, each one line and each
// durable before the next, recording jobs as they are added, every chunk as it completes, results and
// job ends. After a crash (even kill -9) --restore replays it: unfinished jobs come back under their
// ids with their completed ranges counted once, and only what was never completed is searched again.
//
// A line is `<checksum> <json>`: the checksum is the first 4 bytes of SHA-256 of the JSON, in hex, so
// a damaged record is named (file and line) instead of being believed. A last line without its
// newline is a write the crash interrupted: it was never acknowledged and is dropped. Restoring
// rewrites the file compactly (completed ranges merged), atomically, before appending to it again.
import { createHash, randomUUID } from 'node:crypto'
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { formatTarget, isAlgorithm, isPassThrough, parseTarget, toHex, type Algorithm } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { matches } from '../../shared/hashing/modes.ts'
import { keyspaceFrom } from '../../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES, type KeyspaceSpec } from '../../shared/keyspace/spec.ts'
import { validateKeyspace } from '../../shared/protocol/fields.ts'
import { MAX_NAME_LENGTH } from '../../shared/protocol/limits.ts'
import type { WordlistSource } from '../inputs/wordlist.ts'
import { MAX_PRIORITY } from '../job-description.ts'
import { mergeRanges, subtractRange, type Range } from '../scheduler/ranges.ts'
import type { EndStatus, FoundResult, JobState } from '../scheduler/state.ts'
import { AppendFile, openFailure, refuseLink, syncDirectory, writeWhole, type FileIO } from './append-file.ts'

// 3: `users` records (a hash list's user names). Version 2 journals are read too.
export const JOURNAL_VERSION = 3
const READABLE_VERSIONS = [2, 3]
// No record is longer than this: targets travel in batches of TARGETS_PER_RECORD, user names in
// batches of as many (target, user) pairs.
const MAX_LINE_BYTES = 1024 * 1024
const TARGETS_PER_RECORD = 2048
const MAX_USER_NAME_LENGTH = 256
const END_STATUSES: readonly string[] = ['found', 'exhausted', 'cancelled'] satisfies EndStatus[]

type SessionRecord = { t: 'session', version: number }
// `count`: how many targets the job has, in this record and the `targets` records right after it;
// `users`: how many (target, user) pairs the `users` records after those hold.
type JobRecord = { t: 'job', id: string, algorithm: Algorithm, keyspace: KeyspaceSpec, priority: number, count: number, targets: string[], source?: WordlistSource, users?: number }
type TargetsRecord = { t: 'targets', job: string, targets: string[] }
type UsersRecord = { t: 'users', job: string, users: [string, string][] } // [target's text, user]
type DoneRecord = { t: 'done', job: string, offset: string, length: string }
// A range a worker reported done and work verification then caught it skipping: not done after all.
type ReopenedRecord = { t: 'reopened', job: string, offset: string, length: string }
// plaintext in hex; by, byFinder: a mode we have no kernel for, its confirmation (FoundResult).
type FoundRecord = { t: 'found', job: string, hash: string, plaintext: string, by?: string, byFinder?: boolean }
type EndRecord = { t: 'end', job: string, status: EndStatus }
type PriorityRecord = { t: 'priority', job: string, priority: number } // changed while it ran
type JournalRecord = SessionRecord | JobRecord | TargetsRecord | UsersRecord | DoneRecord | ReopenedRecord | FoundRecord | EndRecord | PriorityRecord

// A job as the journal knows it.
export type JournaledJob = {
  id: string
  algorithm: Algorithm
  targets: Uint8Array[]
  keyspace: KeyspaceSpec
  priority: number
  source: WordlistSource | null // wordlists: the file the job was created from
  users: Record<string, string[]> // the users of its targets, by the target's text (hash lists)
  known: FoundResult[] // re-hashed on replay: a plaintext here hashes to its target
  completed: Range[] // sorted, disjoint
  ended: EndStatus | null
}

export type Replay = {
  jobs: JournaledJob[] // in id order, ended ones too
  lastJobId: number // new jobs must take ids above this
  warnings: string[] // what was dropped, and why
}

export class Journal {
  readonly #file: AppendFile
  readonly #jobs = new Set<string>() // ids with a job record in the file
  readonly #results = new Set<string>() // `job:hash` with a found record
  readonly #ended = new Set<string>()

  private constructor (file: AppendFile, replay: Replay | null) {
    this.#file = file
    for (const job of replay?.jobs ?? []) {
      this.#jobs.add(job.id)
      for (const k of job.known) this.#results.add(`${job.id}:${k.hash}`)
      if (job.ended) this.#ended.add(job.id)
    }
  }

  // A new session must not overwrite an old one by accident; a restore needs one to exist, and
  // compacts it before going on.
  static async open (path: string, restore: boolean, io?: FileIO): Promise<{ journal: Journal, replay: Replay }> {
    try {
      refuseLink(path)
    } catch (error) {
      throw new InvalidInputError(`session file ${path}: ${openFailure(error)}`)
    }
    const exists = existsSync(path)
    if (restore && !exists) throw new InvalidInputError(`--restore: session file ${path} does not exist`)
    if (!restore && exists) throw new InvalidInputError(`session file ${path} exists: add --restore to continue it, or choose another --session path`)
    if (!restore) {
      const file = openOrFail(path, io)
      file.append(line({ t: 'session', version: JOURNAL_VERSION }))
      return { journal: new Journal(file, null), replay: { jobs: [], lastJobId: 0, warnings: [] } }
    }
    const replay = await replayJournal(path)
    rewrite(path, replay.jobs)
    return { journal: new Journal(openOrFail(path, io), replay), replay }
  }

  recordJob (job: JobState, source: WordlistSource | null, users: Readonly<Record<string, string[]>> = {}): void {
    if (this.#jobs.has(job.id)) return
    const targets = [...job.targets.texts()]
    this.#file.append(jobLines(job.id, job.algorithm, job.keyspace.spec, job.priority, targets, source, users))
    this.#jobs.add(job.id)
  }

  recordCompleted (jobId: string, offset: bigint, length: number | bigint): void {
    this.#file.append(line({ t: 'done', job: jobId, offset: offset.toString(), length: length.toString() }))
  }

  recordReopened (jobId: string, offset: bigint, length: bigint): void {
    this.#file.append(line({ t: 'reopened', job: jobId, offset: offset.toString(), length: length.toString() }))
  }

  recordFound (jobId: string, result: FoundResult): void {
    const key = `${jobId}:${result.hash}`
    if (this.#results.has(key)) return
    this.#file.append(line(foundRecord(jobId, result)))
    this.#results.add(key)
  }

  recordPriority (jobId: string, priority: number): void {
    this.#file.append(line({ t: 'priority', job: jobId, priority }))
  }

  recordEnd (jobId: string, status: EndStatus): void {
    if (this.#ended.has(jobId)) return
    this.#file.append(line({ t: 'end', job: jobId, status }))
    this.#ended.add(jobId)
  }

  close (): void {
    this.#file.close()
  }
}

function openOrFail (path: string, io?: FileIO): AppendFile {
  try {
    return new AppendFile(path, io)
  } catch (error) {
    throw new InvalidInputError(`session file ${path}: ${openFailure(error)}`)
  }
}

function checksum (json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 8)
}

function line (record: JournalRecord): string {
  const json = JSON.stringify(record)
  return `${checksum(json)} ${json}\n`
}

// A job record, its targets records and its users records: written in one append, and counted in
// the job record, so a crash keeps all or none. One string per record: ten million targets are
// more text than one string may hold.
function jobLines (id: string, algorithm: Algorithm, keyspace: KeyspaceSpec, priority: number, targets: string[], source: WordlistSource | null, users: Readonly<Record<string, string[]>>): string[] {
  const pairs = Object.entries(users).flatMap(([target, names]) => names.map((name): [string, string] => [target, name]))
  const record: JobRecord = { t: 'job', id, algorithm, keyspace, priority, count: targets.length, targets: targets.slice(0, TARGETS_PER_RECORD) }
  if (source) record.source = source
  if (pairs.length > 0) record.users = pairs.length
  const lines = [line(record)]
  for (let i = TARGETS_PER_RECORD; i < targets.length; i += TARGETS_PER_RECORD) {
    lines.push(line({ t: 'targets', job: id, targets: targets.slice(i, i + TARGETS_PER_RECORD) }))
  }
  for (let i = 0; i < pairs.length; i += TARGETS_PER_RECORD) lines.push(line({ t: 'users', job: id, users: pairs.slice(i, i + TARGETS_PER_RECORD) }))
  return lines
}

// The file anew, compactly: every job with its results, its completed ranges merged, and its end.
// Written beside it, synced, then renamed over it, so a crash leaves the old file or the new one. The
// temporary file has a name no one can guess and is created exclusively, so no link planted in the
// directory can take the write elsewhere.
function rewrite (path: string, jobs: JournaledJob[]): void {
  const temporary = `${path}.rewrite-${randomUUID()}`
  const fd = openSync(temporary, 'wx', 0o600)
  const write = (text: string) => writeWhole({ writeSync }, fd, text)
  try {
    try {
      write(line({ t: 'session', version: JOURNAL_VERSION }))
      for (const job of jobs) {
        for (const text of jobLines(job.id, job.algorithm, job.keyspace, job.priority, job.targets.map((t) => formatTarget(job.algorithm, t)), job.source, job.users)) write(text)
        for (const k of job.known) write(line(foundRecord(job.id, k)))
        for (const r of job.completed) write(line({ t: 'done', job: job.id, offset: r.offset.toString(), length: (r.end - r.offset).toString() }))
        if (job.ended) write(line({ t: 'end', job: job.id, status: job.ended }))
      }
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
  syncDirectory(dirname(path))
}

// A job while its records are read: `keys` its targets' texts so far, `count` how many it will have.
type Building = JournaledJob & { count: number, userCount: number, userPairs: number, size: bigint, ranges: Range[], keys: Set<string>, foundKeys: Set<string> }

// Reads the journal line by line (never the whole file as one string).
export async function replayJournal (path: string): Promise<Replay> {
  const jobs = new Map<string, Building>()
  const warnings: string[] = []
  let number = 0
  let sawHeader = false
  let partial: Buffer[] = []
  let partialBytes = 0
  const take = (bytes: Buffer) => {
    number++
    const where = `session file ${path}:${number}`
    const record = parseLine(bytes.toString('utf8'), where)
    if (!sawHeader) {
      if (record.t !== 'session' || !READABLE_VERSIONS.includes(record.version)) throw new InvalidInputError(`${where}: not a TaskOrchestrator session journal of version ${READABLE_VERSIONS.join(' or ')}`)
      sawHeader = true
      return
    }
    try {
      apply(jobs, record, warnings, where)
    } catch (error) {
      throw new InvalidInputError(`${where}: ${(error as Error).message}`)
    }
  }
  for await (const piece of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0
    for (let end = piece.indexOf(0x0a); end >= 0; end = piece.indexOf(0x0a, start)) {
      const tail = piece.subarray(start, end)
      take(partialBytes > 0 ? Buffer.concat([...partial, tail]) : tail)
      partial = []
      partialBytes = 0
      start = end + 1
    }
    if (start < piece.length) {
      partial.push(piece.subarray(start))
      partialBytes += piece.length - start
      if (partialBytes > MAX_LINE_BYTES) throw new InvalidInputError(`session file ${path}:${number + 1}: a record longer than ${MAX_LINE_BYTES} bytes`)
    }
  }
  // A crash during an append leaves its line without the newline: that record was never acknowledged.
  if (partialBytes > 0) warnings.push(`session file ${path}:${number + 1}: dropped an unfinished last record (${partialBytes} bytes), cut off by a crash`)
  if (!sawHeader && partialBytes === 0) throw new InvalidInputError(`session file ${path} is empty`)
  const complete: JournaledJob[] = []
  for (const job of jobs.values()) {
    // Its job record and targets were one append; the crash cut that append short.
    if (job.targets.length < job.count || job.userPairs < job.userCount) {
      warnings.push(`session file ${path}: dropped job ${job.id}, whose creation a crash cut short`)
      continue
    }
    const { count, userCount, userPairs, size, ranges, keys, foundKeys, ...rest } = job
    complete.push({ ...rest, completed: mergeRanges(ranges) })
  }
  complete.sort((a, b) => Number(a.id) - Number(b.id))
  return { jobs: complete, lastJobId: Math.max(0, ...[...jobs.keys()].map(Number)), warnings }
}

function parseLine (text: string, where: string): JournalRecord {
  const space = text.indexOf(' ')
  const json = text.slice(space + 1)
  if (space !== 8 || text.slice(0, 8) !== checksum(json)) throw new InvalidInputError(`${where}: damaged record (its checksum does not match)`)
  try {
    const record = JSON.parse(json)
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new Error('not an object')
    return record as JournalRecord
  } catch {
    throw new InvalidInputError(`${where}: not a JSON record`)
  }
}

const JOB_ID = /^[1-9][0-9]{0,15}$/
const DECIMAL = /^(0|[1-9][0-9]*)$/

// Targets as their text (hashcat's format: a hex digest, `digest:salt`, a crypt hash).
function targetsOf (algorithm: Algorithm, list: unknown): Uint8Array[] {
  if (!Array.isArray(list)) throw new Error('malformed targets')
  return list.map((t) => parseTarget(algorithm, String(t)))
}

function apply (jobs: Map<string, Building>, record: JournalRecord, warnings: string[], where: string): void {
  if (record.t === 'job') {
    if (typeof record.id !== 'string' || !JOB_ID.test(record.id)) throw new Error('malformed job id')
    if (jobs.has(record.id)) throw new Error(`job ${record.id} is recorded twice`)
    if (!isAlgorithm(record.algorithm)) throw new Error(`unknown algorithm ${JSON.stringify(record.algorithm)}`)
    checkedPriority(record.priority)
    if (!Number.isSafeInteger(record.count) || record.count < 1) throw new Error('malformed target count')
    const keyspace = validateKeyspace(record.keyspace)
    const source = keyspace.type === 'wordlist' ? wordlistSource(record.source) : null
    const targets = targetsOf(record.algorithm, record.targets)
    if (targets.length > record.count) throw new Error('more targets than its count')
    const userCount = record.users ?? 0
    if (!Number.isSafeInteger(userCount) || userCount < 0) throw new Error('malformed user count')
    const size = keyspaceFrom(keyspace).size
    jobs.set(record.id, {
      id: record.id, algorithm: record.algorithm, targets, keyspace, priority: record.priority, source, users: {}, known: [], completed: [], ended: null,
      count: record.count, userCount, userPairs: 0, size, ranges: [], keys: new Set(targets.map((t) => formatTarget(record.algorithm, t))), foundKeys: new Set()
    })
    return
  }
  if (record.t === 'session') throw new Error('a second session header')
  const job = jobs.get(record.job)
  if (!job) throw new Error(`record for unknown job ${JSON.stringify(record.job)}`)
  if (record.t === 'targets') {
    for (const t of targetsOf(job.algorithm, record.targets)) {
      job.targets.push(t)
      job.keys.add(formatTarget(job.algorithm, t))
    }
    if (job.targets.length > job.count) throw new Error(`more targets than job ${job.id} counts`)
    return
  }
  if (job.targets.length !== job.count) throw new Error(`job ${job.id} is missing ${job.count - job.targets.length} of its targets`)
  if (record.t === 'users') {
    if (!Array.isArray(record.users)) throw new Error('malformed users record')
    for (const pair of record.users) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string' || pair[1].length === 0 || pair[1].length > MAX_USER_NAME_LENGTH) throw new Error('malformed users record')
      const hash = formatTarget(job.algorithm, parseTarget(job.algorithm, String(pair[0])))
      if (!job.keys.has(hash)) throw new Error(`users record for ${hash}, not a target of job ${job.id}`)
      ;(job.users[hash] ??= []).push(pair[1])
    }
    job.userPairs += record.users.length
    if (job.userPairs > job.userCount) throw new Error(`more users than job ${job.id} counts`)
    return
  }
  if (job.userPairs !== job.userCount) throw new Error(`job ${job.id} is missing ${job.userCount - job.userPairs} of its users`)
  switch (record.t) {
    case 'done':
    case 'reopened': {
      if (!DECIMAL.test(String(record.offset)) || !DECIMAL.test(String(record.length)) || record.length === '0') throw new Error(`malformed ${record.t} record`)
      const offset = BigInt(record.offset)
      const end = offset + BigInt(record.length)
      if (end > job.size) throw new Error(`range ${offset}-${end} is outside job ${job.id}'s keyspace of ${job.size}`)
      if (record.t === 'done') job.ranges.push({ offset, end })
      else job.ranges = subtractRange(mergeRanges(job.ranges), { offset, end })
      return
    }
    case 'found': {
      const target = parseTarget(job.algorithm, String(record.hash))
      const hash = formatTarget(job.algorithm, target)
      if (!job.keys.has(hash)) throw new Error(`found record for ${hash}, not a target of job ${job.id}`)
      const hex = String(record.plaintext)
      if (!/^([0-9a-f]{2})*$/.test(hex) || hex.length > 2 * MAX_CANDIDATE_BYTES) throw new Error('malformed plaintext')
      const plaintext = Uint8Array.from(Buffer.from(hex, 'hex'))
      // Believed only if it hashes to its target, like a potfile line; a mode we have no kernel for
      // only with the confirmation it was counted with.
      const confirmation = typeof record.by === 'string' && PRINTABLE_NAME.test(record.by) && typeof record.byFinder === 'boolean' ? { by: record.by, byFinder: record.byFinder } : undefined
      if (isPassThrough(job.algorithm) ? !confirmation : !matches(job.algorithm, target, plaintext)) {
        warnings.push(`${where}: dropped a result for ${hash} whose plaintext does not hash to it`)
        return
      }
      if (job.foundKeys.has(hash)) return
      job.foundKeys.add(hash)
      job.known.push(confirmation ? { hash, plaintext, confirmation } : { hash, plaintext })
      return
    }
    case 'priority':
      job.priority = checkedPriority(record.priority)
      return
    case 'end':
      if (!END_STATUSES.includes(record.status)) throw new Error(`unknown end status ${JSON.stringify(record.status)}`)
      job.ended = record.status
      return
    default:
      throw new Error(`unknown record type ${JSON.stringify((record as { t?: unknown }).t)}`)
  }
}

function checkedPriority (value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_PRIORITY) throw new Error('malformed priority')
  return value
}

function wordlistSource (value: unknown): WordlistSource {
  const source = value as WordlistSource | undefined
  if (!source || !DECIMAL.test(String(source.bytes)) || !/^[0-9a-f]{64}$/.test(String(source.sha256))) throw new Error('a wordlist job without the size and SHA-256 of its file')
  return { bytes: source.bytes, sha256: source.sha256 }
}

// A worker's name as HELLO takes it.
const PRINTABLE_NAME = new RegExp(`^[\x20-\x7e]{1,${MAX_NAME_LENGTH}}$`)

function foundRecord (jobId: string, result: FoundResult): FoundRecord {
  const record: FoundRecord = { t: 'found', job: jobId, hash: result.hash, plaintext: toHex(result.plaintext) }
  if (result.confirmation) Object.assign(record, { by: result.confirmation.by, byFinder: result.confirmation.byFinder })
  return record
}
