// The links to workers: each authenticated worker session, the jobs it has been told about, and how
// a chunk reaches it. A job goes out once per worker (JOB, then its targets in TARGETS batches paced
// by the worker's reading); a wordlist chunk carries its words, read from the file when it is sent,
// unless its worker searches them from its own copy of the job's words file, which it fetches once
// (FETCH, then PIECE messages paced the same way).
import type { Socket } from 'node:net'
import { wordsOf } from '../shared/keyspace/keyspace.ts'
import { ProtocolError, coded } from '../shared/errors.ts'
import { MAX_FETCHES_PER_FILE, MAX_OUTBOUND_BUFFER_BYTES, MAX_QUEUED_PIECE_BYTES, MAX_TARGET_BATCH_BYTES, MAX_TARGET_BYTES_BESIDE_TEXTS, MAX_TARGETS_BESIDE_TEXTS, MAX_TARGETS_PER_MESSAGE, WORDLIST_CHUNK_BYTES } from '../shared/protocol/limits.ts'
import type { ServerSession } from '../shared/protocol/session.ts'
import type { WordlistFiles } from './intake.ts'
import { carriesCanaries, isLive, type Canary, type Chunk, type JobState, type WorkerState } from './scheduler/state.ts'

// TARGETS batches made and sent before the event loop gets a turn (about 0.1 s of work).
const ANNOUNCE_BATCHES_PER_TURN = 32

// `key` is the worker's id in the scheduler once it has said HELLO (`worker`). knownJobs: the jobs
// announced to it; a pending promise while a long target list is still going out.
// files: the words files of the jobs it was told of; fetching: those being sent to it; fetched: how
// often each was asked for.
export type Peer = {
  key: string, session: ServerSession, worker: WorkerState | null, knownJobs: Map<string, Promise<void> | null>, files: Set<string>, fetching: Set<string>, fetched: Map<string, number>
}

export class WorkerLinks {
  readonly #peers = new Map<string, Peer>()
  readonly #files = new Map<string, WordlistFiles>()
  readonly #onUnreadable: (job: JobState, error: Error) => void
  readonly #random: () => number
  #seq = 0

  // `onUnreadable`: a wordlist could not be read for a chunk (the chunk is not sent). `random`: where
  // canaries go among a job's first targets.
  constructor (onUnreadable: (job: JobState, error: Error) => void, random: () => number) {
    this.#onUnreadable = onUnreadable
    this.#random = random
  }

  // A wordlist job's files.
  files (jobId: string): WordlistFiles | undefined { return this.#files.get(jobId) }

  add (session: ServerSession): Peer {
    const peer: Peer = { key: `p${++this.#seq}`, session, worker: null, knownJobs: new Map(), files: new Set(), fetching: new Set(), fetched: new Map() }
    this.#peers.set(peer.key, peer)
    return peer
  }

  delete (peer: Peer): void { this.#peers.delete(peer.key) }
  get peers (): IterableIterator<Peer> { return this.#peers.values() }
  sessions (): ServerSession[] { return [...this.#peers.values()].map((peer) => peer.session) }

  // A wordlist job's files, read for its chunks until the job is forgotten.
  addFiles (jobId: string, files: WordlistFiles): void { this.#files.set(jobId, files) }
  forget (jobId: string): void { this.#files.delete(jobId) }

  cancel (workerId: string, jobId: string, chunkId: string): void {
    this.#peers.get(workerId)?.session.send({ type: 'cancel', jobId, chunkId })
  }

  // Everyone but the finder, which has dropped the target itself, stops looking for it.
  solved (jobId: string, hash: Uint8Array, finder: WorkerState): void {
    for (const other of this.#peers.values()) {
      if (other.worker !== finder && other.knownJobs.has(jobId)) other.session.send({ type: 'solved', jobId, hash })
    }
  }

  // New canaries go to every worker that knows the job and carries its canaries, as more targets;
  // those that learn the job later get them among its targets (#announce).
  canaries (job: JobState, canaries: Canary[]): void {
    for (const peer of this.#peers.values()) {
      if (!peer.worker || !peer.knownJobs.has(job.id) || !carriesCanaries(peer.worker, job)) continue
      for (const canary of canaries) canary.sentTo.add(peer.key)
      peer.session.send({ type: 'targets', jobId: job.id, targets: canaries.map((c) => c.target) })
    }
  }

  // A canary whose check is over: these workers may stop seeking it, as for a target found elsewhere.
  retired (job: JobState, canary: Canary, workerIds: string[]): void {
    for (const id of workerIds) {
      const peer = this.#peers.get(id)
      if (peer?.knownJobs.has(job.id)) peer.session.send({ type: 'solved', jobId: job.id, hash: canary.target })
    }
  }

  // A job told to a worker before any chunk of it: a hashcat worker fetches the words file of a
  // job of a mode we have no kernel for first, since it gets that job's chunks from its copy only.
  introduce (peer: Peer, job: JobState): void {
    void this.#announce(peer, job)
  }

  send (peer: Peer, chunk: Chunk): void {
    const job = chunk.job
    const announced = this.#announce(peer, job)
    const task = { type: 'task', jobId: job.id, chunkId: chunk.id, offset: chunk.offset.toString(), length: chunk.length } as const
    const wordlist = chunk.fromFile ? undefined : this.#files.get(job.id)?.list
    if (!wordlist && !announced) return peer.session.send(task)
    const needed = wordlist && wordsOf(job.keyspace, chunk.offset, chunk.length)
    const words = needed && wordlist.read(needed.first, Number(needed.end - needed.first)).catch((error: Error) => {
      this.#onUnreadable(job, error)
      return null
    })
    void Promise.all([announced, words]).then(([, read]) => {
      // The chunk may have been cancelled or taken back meanwhile.
      if (read === null || peer.session.closed || chunk.workerId !== peer.worker?.id || !isLive(job)) return
      peer.session.send(read ? { ...task, words: read } : task)
    })
  }

  // A words file from line `from` on, in PIECE messages, each sent once less than
  // MAX_QUEUED_PIECE_BYTES is queued for the worker. Only the file of a job the worker was told of,
  // one transfer of it at a time, and a few times a connection.
  sendWords (peer: Peer, sha256: string, from: bigint): void {
    if (!peer.files.has(sha256)) throw new ProtocolError(`FETCH of ${sha256.slice(0, 16)}..., the words file of no job it was told of`)
    const list = [...peer.knownJobs.keys()].map((id) => this.#files.get(id)?.list).find((l) => l?.file.sha256 === sha256)
    if (!list) return // its jobs have ended meanwhile
    if (from > BigInt(list.words)) throw new ProtocolError(`FETCH from line ${from} of a file of ${list.words} lines`)
    const asked = (peer.fetched.get(sha256) ?? 0) + 1
    if (peer.fetching.has(sha256) || asked > MAX_FETCHES_PER_FILE) throw new ProtocolError(`FETCH of ${sha256.slice(0, 16)}..., which is being sent, or was asked for ${MAX_FETCHES_PER_FILE} times on this connection`)
    peer.fetched.set(sha256, asked)
    peer.fetching.add(sha256)
    const socket = peer.session.socket
    void (async () => {
      for (let first = Number(from); first < list.words && !peer.session.closed;) {
        if (socket.writableLength > MAX_QUEUED_PIECE_BYTES) {
          await drained(socket)
          continue
        }
        const count = Math.min(list.wordsWithin(BigInt(first), WORDLIST_CHUNK_BYTES), list.words - first)
        const words = await list.read(BigInt(first), count)
        peer.session.send({ type: 'piece', sha256, first: String(first), words })
        first += count
      }
    })().catch((error: Error) => peer.session.destroy(coded(error))).finally(() => peer.fetching.delete(sha256))
  }

  // JOB, then its targets in TARGETS messages. Up to a few MB go at once; beyond that each batch waits
  // for the worker to read what is queued, so a list of millions never trips MAX_OUTBOUND_BUFFER_BYTES.
  // Returns null when the worker knows the job already, else a promise of the last batch sent.
  #announce (peer: Peer, job: JobState): Promise<void> | null {
    const known = peer.knownJobs.get(job.id)
    if (known !== undefined) return known
    // Taken from what is left as each batch goes: a target found meanwhile is not sent.
    const remaining = job.remaining.bytes()
    // A batch ends at its count or its bytes (a Kerberos ticket is kilobytes), whichever comes first.
    const batch = (room = MAX_TARGETS_PER_MESSAGE, roomBytes = MAX_TARGET_BATCH_BYTES) => {
      const targets: Uint8Array[] = []
      let bytes = 0
      for (let next = remaining.next(); !next.done; next = remaining.next()) {
        bytes += next.value.length
        if (targets.push(next.value) === room || bytes >= roomBytes) break
      }
      return targets
    }
    // The live canaries go among the first batch's targets, each at a random place.
    const canaries = peer.worker && carriesCanaries(peer.worker, job) ? [...job.canaries.values()] : []
    const files = this.#files.get(job.id)
    // Beside rule files or a combinator's list (1.5 MiB at most), a JOB's targets stay few: it fits a frame.
    const besideTexts = files?.rules || files?.other
    const canaryBytes = canaries.reduce((n, c) => n + c.target.length, 0)
    const first = batch((besideTexts ? MAX_TARGETS_BESIDE_TEXTS : MAX_TARGETS_PER_MESSAGE) - canaries.length, (besideTexts ? MAX_TARGET_BYTES_BESIDE_TEXTS : MAX_TARGET_BATCH_BYTES) - canaryBytes)
    for (const canary of canaries) {
      first.splice(Math.floor(this.#random() * (first.length + 1)), 0, canary.target)
      canary.sentTo.add(peer.key)
    }
    if (files) peer.files.add(files.list.file.sha256)
    peer.session.send({
      type: 'job', jobId: job.id, algorithm: job.algorithm, targets: first, keyspace: job.keyspace.spec, ...(files?.rules ? { rules: files.rules } : {}), ...(files ? { wordsFile: files.list.file } : {}),
      ...(files?.other ? { other: files.other } : {})
    })
    let more = batch()
    if (more.length === 0) {
      peer.knownJobs.set(job.id, null)
      return null
    }
    const socket = peer.session.socket
    const pending = (async () => {
      for (let sent = 1; more.length > 0 && !peer.session.closed; sent++) {
        if (socket.writableLength > MAX_OUTBOUND_BUFFER_BYTES / 4) await drained(socket)
        // Making a million targets' messages takes a while: other sessions are served in between.
        else if (sent % ANNOUNCE_BATCHES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
        peer.session.send({ type: 'targets', jobId: job.id, targets: more })
        more = batch()
      }
      peer.knownJobs.set(job.id, null)
    })()
    peer.knownJobs.set(job.id, pending)
    return pending
  }
}

// Resolves once the socket's queue has gone out, or the socket is gone.
function drained (socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}
