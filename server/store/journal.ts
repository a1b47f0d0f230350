// The session journal (--session PATH): an append-only file of JSON lines, each fsynced before the
// next, recording jobs as they are added, every chunk as it completes, results and job ends. After a
// crash (even kill -9) --restore replays it: unfinished jobs come back under their ids with their
// completed ranges counted once, and only the chunks that were in flight are searched again.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import { isAlgorithm, parseDigest, toHex, type Algorithm } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { validateKeyspace, type KeyspaceSpec } from '../../shared/protocol/messages.ts'
import type { Orchestrator } from '../orchestrator.ts'
import type { Completed, FoundResult, JobSpec } from '../scheduler/scheduler.ts'

type JobRecord = { t: 'job', id: string, algorithm: Algorithm, targets: string[], keyspace: KeyspaceSpec, priority: number }
type ChunkRecord = { t: 'chunk', job: string, offset: string, length: number }
type FoundRecord = { t: 'found', job: string, hash: string, plaintext: string } // plaintext in hex
type EndRecord = { t: 'end', job: string, status: string }
type JournalRecord = JobRecord | ChunkRecord | FoundRecord | EndRecord

export type RestoredJob = { id: string, spec: JobSpec, completed: Completed[] }

export class Journal {
  readonly path: string
  readonly #fd: number
  readonly #recorded = new Set<string>() // job ids, and job:hash of results, already in the file

  private constructor (path: string, recorded: Iterable<string>) {
    // Results of restored jobs are in the file too: restore reports them again, the file need not.
    this.path = path
    this.#fd = openSync(path, 'a', 0o600)
    for (const id of recorded) this.#recorded.add(id)
  }

  // A new session must not overwrite an old one by accident; a restore needs one to exist.
  static open (path: string, restore: boolean): { journal: Journal, jobs: RestoredJob[] } {
    const exists = existsSync(path)
    if (restore && !exists) throw new InvalidInputError(`--restore: session file ${path} does not exist`)
    if (!restore && exists) throw new InvalidInputError(`session file ${path} exists: add --restore to continue it, or choose another --session path`)
    const { jobs, ids } = restore ? replay(path) : { jobs: [], ids: [] }
    return { journal: new Journal(path, ids), jobs }
  }

  // Records what happens from now on. Restored jobs are already in the file.
  attach (orch: Orchestrator): void {
    orch.on('job-added', (job) => {
      if (this.#recorded.has(job.id)) return
      const s = job.state
      this.#write({ t: 'job', id: s.id, algorithm: s.algorithm, targets: s.targets.map(toHex), keyspace: s.keyspace.spec, priority: s.priority })
      this.#recorded.add(job.id)
    })
    orch.scheduler.on('completed', (job, chunk) => this.#write({ t: 'chunk', job: job.id, offset: chunk.offset.toString(), length: chunk.length }))
    // Found by a worker, or known from the potfile: either way the restored job must not search for it.
    orch.on('found', (job, result) => {
      const key = `${job.id}:${result.hash}`
      if (this.#recorded.has(key)) return
      this.#write({ t: 'found', job: job.id, hash: result.hash, plaintext: toHex(result.bytes) })
      this.#recorded.add(key)
    })
    orch.on('job-ended', (job) => this.#write({ t: 'end', job: job.id, status: job.status }))
  }

  #write (record: JournalRecord): void {
    writeSync(this.#fd, JSON.stringify(record) + '\n')
    fsyncSync(this.#fd)
  }

  close (): void {
    closeSync(this.#fd)
  }
}

function replay (path: string): { jobs: RestoredJob[], ids: string[] } {
  const lines = readFileSync(path, 'utf8').split('\n')
  const jobs = new Map<string, RestoredJob & { ended: boolean }>()
  for (const [i, line] of lines.entries()) {
    if (line === '') continue
    const where = `session file ${path}:${i + 1}`
    let record: JournalRecord
    try {
      record = JSON.parse(line)
    } catch {
      // A kill during a write can leave the last line torn; that record was never acknowledged.
      if (i >= lines.length - 2) break
      throw new InvalidInputError(`${where}: not a JSON record`)
    }
    try {
      apply(jobs, record)
    } catch (error) {
      throw new InvalidInputError(`${where}: ${(error as Error).message}`)
    }
  }
  const ids = [...jobs.values()].flatMap((j) => [j.id, ...(j.spec.known ?? []).map((k) => `${j.id}:${k.hash}`)])
  return { jobs: [...jobs.values()].filter((j) => !j.ended).map(({ id, spec, completed }) => ({ id, spec, completed })), ids }
}

function apply (jobs: Map<string, RestoredJob & { ended: boolean }>, record: JournalRecord): void {
  if (record.t === 'job') {
    if (!isAlgorithm(record.algorithm)) throw new Error(`unknown algorithm ${JSON.stringify(record.algorithm)}`)
    if (typeof record.id !== 'string' || !Array.isArray(record.targets) || !Number.isSafeInteger(record.priority)) throw new Error('malformed job record')
    const keyspace = validateKeyspace(record.keyspace)
    const targets = record.targets.map((t) => parseDigest(record.algorithm, t))
    jobs.set(record.id, { id: record.id, spec: { algorithm: record.algorithm, targets, keyspace, priority: record.priority, known: [] }, completed: [], ended: false })
    return
  }
  const job = jobs.get(record.job)
  if (!job) throw new Error(`record for unknown job ${JSON.stringify(record.job)}`)
  switch (record.t) {
    case 'chunk':
      if (!/^[0-9]+$/.test(record.offset) || !Number.isSafeInteger(record.length) || record.length < 1) throw new Error('malformed chunk record')
      job.completed.push({ offset: BigInt(record.offset), length: record.length })
      return
    case 'found': {
      const known = job.spec.known as FoundResult[]
      known.push({ hash: toHex(parseDigest(job.spec.algorithm, record.hash)), plaintext: Uint8Array.from(Buffer.from(record.plaintext, 'hex')) })
      return
    }
    case 'end':
      job.ended = true
      return
    default:
      throw new Error(`unknown record type ${JSON.stringify((record as { t?: unknown }).t)}`)
  }
}
