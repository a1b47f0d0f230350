import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { InvalidInputError } from '../shared/errors.ts'
import { maskRunAt } from '../shared/keyspace/runs.ts'
import { maskSpec, rangeSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import { MAX_WASM_CHUNK_CANDIDATES } from '../shared/protocol/limits.ts'
import { indexIn } from '../server/scheduler/canaries.ts'
import { SCHEDULER_DEFAULTS } from '../server/scheduler/options.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import type { Chunk, Effect, JobState } from '../server/scheduler/state.ts'
import type { Backend } from '../shared/protocol/worker-protocol.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const hex = (text: string) => md5(text).toString('hex')
const cancels = (effects: Effect[] | string) => (typeof effects === 'string' ? [] : effects.filter((e) => e.type === 'cancel'))
const GPU: Backend = { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'x', type: 'GPU' }] }
const worker = (id: string, threads = 2) => ({ id, name: id, address: '127.0.0.1', cores: threads, threads })

function clock () {
  let now = 0
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

// Canaries planted as server/verification.ts does, and found by every (honest) worker whose chunk
// holds one.
function plantCanaries (scheduler: Scheduler, job: JobState, random: () => number): void {
  const room = scheduler.canaryRoom(job.id)
  for (let i = 0; room && i < room.count; i++) {
    const at = indexIn(room.window, random)
    scheduler.plantCanary(job.id, at, md5(`canary ${at}`), Buffer.from(String(at)))
  }
}

function reportCanaries (scheduler: Scheduler, job: JobState, workerId: string, chunk: Chunk): void {
  for (const canary of job.canaries.values()) {
    canary.sentTo.add(workerId)
    if (canary.index >= chunk.offset && canary.index < chunk.offset + BigInt(chunk.length)) scheduler.canaryReported(job.id, workerId, canary.target, canary.plaintext, () => true)
  }
}

// Drives a scheduler through `steps` (workers joining, lost, reporting progress, failing or
// completing chunks), then to its job's end, a second of the fake clock a round, and checks every
// index was completed exactly once. `join` adds a worker, `give` hands one chunks; `other` takes the
// test's own kinds of step.
function driveToTheEnd (scheduler: Scheduler, job: JobState, time: ReturnType<typeof clock>, steps: [string, number][], join: () => void, give: (id: string) => void,
  other: (kind: string, id: string) => boolean = () => false): void {
  const completed: { offset: bigint, length: number }[] = []
  join(); join()
  const act = (kind: string, pick: number) => {
    const ids = [...scheduler.workers.keys()]
    if (ids.length === 0 || kind === 'join') return join()
    const id = ids[pick % ids.length]
    if (kind === 'lose') { scheduler.removeWorker(id); return }
    if (other(kind, id)) return give(id)
    const held = [...scheduler.workers.get(id)!.chunks.values()]
    if (held.length === 0) return give(id)
    const chunk = held[pick % held.length]
    time.advance(300)
    if (kind === 'progress') scheduler.progress(id, chunk.id, chunk.length >> 1)
    else if (kind === 'fail') {
      const twinned = chunk.twin !== null // then the twin still runs it: nothing goes back
      expect(scheduler.failed(id, chunk.id)).toBe(!twinned)
    } else {
      scheduler.done(id, chunk.id, chunk.length)
      completed.push({ offset: chunk.offset, length: chunk.length })
    }
    give(id)
  }
  for (const [kind, pick] of steps) act(kind, pick)
  // Workers that failed chunks back off (a minute at most) and take work again only as time passes.
  // Bounded, so a bug fails it rather than spinning.
  for (let round = 0; job.status === 'running'; round++) {
    expect(round).toBeLessThan(100_000)
    time.advance(1_000)
    act('done', round)
  }
  expect(job.status).toBe('exhausted')
  expect(job.hashed).toBe(job.keyspace.size)
  completed.sort((a, b) => (a.offset < b.offset ? -1 : 1))
  let next = 0n
  for (const chunk of completed) {
    expect(chunk.offset).toBe(next)
    next += BigInt(chunk.length)
  }
  expect(next).toBe(job.keyspace.size)
}

describe('scheduler', () => {
  it('counts every index exactly once through random joins, losses and completions (property)', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 200_000n }),
      fc.array(fc.tuple(fc.constantFrom('done', 'done', 'done', 'lose', 'join', 'progress', 'stall'), fc.nat(5)), { maxLength: 400 }),
      (size, steps) => {
        const time = clock()
        const scheduler = new Scheduler({ now: time.now })
        const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: rangeSpec(0, size) })
        const completed: Chunk[] = []
        let seq = 0
        const join = () => { const id = `w${seq++}`; scheduler.addWorker(worker(id, 1 + (seq % 4))); scheduler.assign(id) }
        join(); join()
        const act = (kind: string, pick: number) => {
          const ids = [...scheduler.workers.keys()]
          if (ids.length === 0 || kind === 'join') return join()
          if (kind === 'stall') { // everyone silent past the stall limit: all chunks go back
            time.advance(SCHEDULER_DEFAULTS.stallMs + 1)
            scheduler.tick()
            for (const w of ids) scheduler.assign(w)
            return
          }
          const id = ids[pick % ids.length]
          const held = [...scheduler.workers.get(id)!.chunks.values()]
          if (kind === 'lose') { scheduler.removeWorker(id); return }
          if (held.length === 0) { scheduler.assign(id); return }
          const chunk = held[pick % held.length]
          time.advance(300)
          if (kind === 'progress') {
            const changes = (chunk.length >> 1) > chunk.hashed // a report that changes nothing is ignored
            expect(scheduler.progress(id, chunk.id, chunk.length >> 1)).toBe(changes)
          }
          else {
            expect(scheduler.done(id, chunk.id, chunk.length)).toEqual(expect.arrayContaining([{ type: 'completed', job, offset: chunk.offset, length: chunk.length }]))
            completed.push({ ...chunk })
          }
          scheduler.assign(id)
        }
        for (const [kind, pick] of steps) act(kind, pick)
        // Drain: whoever is left (or a fresh worker) finishes the job; bounded, so a bug fails it
        // rather than spinning (a synchronous loop outlives any test timeout).
        for (let round = 0; job.status === 'running'; round++) {
          expect(round).toBeLessThan(100_000)
          act('done', round)
        }
        expect(job.status).toBe('exhausted')
        expect(job.hashed).toBe(size)
        completed.sort((a, b) => (a.offset < b.offset ? -1 : 1))
        let next = 0n
        for (const chunk of completed) {
          expect(chunk.offset).toBe(next)
          next += BigInt(chunk.length)
        }
        expect(next).toBe(size)
      }
    ), { numRuns: 200 })
  })

  it('a mixed fleet counts every index once: hashcat workers get whole mask runs, WASM ones any range (property)', () => {
    const HASHCAT = { kind: 'hashcat' as const, version: 'v6.2.6', devices: [{ name: 'cpu', type: 'CPU' }] }
    fc.assert(fc.property(
      fc.constantFrom(maskSpec('?d?d?d?d?d?d', []), maskSpec('?l?d?d?d', [], { min: 1, max: 4 }), rangeSpec(7, 123_457)),
      fc.array(fc.tuple(fc.constantFrom('done', 'done', 'done', 'fail', 'lose', 'join', 'progress'), fc.nat(5)), { maxLength: 200 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      (spec, steps, seed) => {
        const time = clock()
        let state = seed
        const random = () => (state = (Math.imul(state, 48271) >>> 0) % 2147483647) / 2147483647
        const scheduler = new Scheduler({ now: time.now, random, assumedHashcatSpeed: 3_000, hashcatChunkSeconds: 10, hashcatMinChunkSeconds: 1, assumedSpeedPerThread: 1_000 })
        const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: spec })
        let seq = 0
        const join = () => {
          const id = `w${seq++}`
          scheduler.addWorker({ ...worker(id), backend: seq % 2 === 0 ? HASHCAT : { kind: 'wasm' } })
          give(id)
        }
        const give = (id: string) => {
          plantCanaries(scheduler, job, random)
          for (const chunk of scheduler.assign(id)) {
            expect(chunk.length).toBeGreaterThan(0)
            reportCanaries(scheduler, job, id, chunk)
            // A twin copies another's chunk; the hashcat worker runs a twin that is no run on WASM.
            if (scheduler.workers.get(id)!.backend?.kind === 'hashcat' && !chunk.twin) expect(maskRunAt(job.keyspace, chunk.offset, BigInt(chunk.length))).not.toBeNull()
            else expect(chunk.length).toBeLessThanOrEqual(MAX_WASM_CHUNK_CANDIDATES)
          }
        }
        driveToTheEnd(scheduler, job, time, steps, join, give)
      }
    ), { numRuns: 150 })
  })

  it('a wordlist job counts every index once: hashcat workers holding its words file get whole words, the rest chunks of words (property)', () => {
    const FILE = { sha256: 'ab'.repeat(32), bytes: 2_000_000, ascii: true, crEnds: false, longest: 9 }
    const RULES = [{ name: '/r', sha256: 'cd'.repeat(32), count: 7 }]
    let fromFile = 0
    fc.assert(fc.property(
      fc.constantFrom<WordlistSpec>(
        { type: 'wordlist', name: '/w', size: '20000', rules: RULES },
        { type: 'wordlist', name: '/w', size: '3001', hybrid: { side: 'prepend', mask: maskSpec('?d?d', [], { min: 1, max: 2 }) } },
        { type: 'wordlist', name: '/w', size: '50000' }),
      fc.array(fc.tuple(fc.constantFrom('done', 'done', 'done', 'fail', 'lose', 'join', 'hold', 'progress'), fc.nat(5)), { maxLength: 200 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      (spec, steps, seed) => {
        const time = clock()
        let state = seed
        const random = () => (state = (Math.imul(state, 48271) >>> 0) % 2147483647) / 2147483647
        const scheduler = new Scheduler({ now: time.now, random, assumedHashcatSpeed: 30_000, hashcatChunkSeconds: 10, hashcatMinChunkSeconds: 1, assumedSpeedPerThread: 1_000, hashcatMinRun: 500 })
        // A chunk with words holds at most 300 of them, as a byte bound would make it.
        const perWord = spec.rules ? 7n : spec.hybrid ? 110n : 1n
        const capLength = (offset: bigint) => Number(300n * perWord - offset % perWord)
        const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: spec, wordsFile: FILE, capLength })
        let seq = 0
        const join = () => {
          const id = `w${seq++}`
          // Hashcat workers, some holding the file from the start (HELLO), others fetching it later.
          scheduler.addWorker({ ...worker(id), backend: seq % 3 === 0 ? { kind: 'wasm' } : GPU, files: seq % 3 === 1 ? [FILE.sha256] : [] })
          give(id)
        }
        const give = (id: string) => {
          plantCanaries(scheduler, job, random)
          const holder = scheduler.workers.get(id)!
          for (const chunk of scheduler.assign(id)) {
            expect(chunk.length).toBeGreaterThan(0)
            reportCanaries(scheduler, job, id, chunk)
            if (chunk.fromFile) {
              fromFile++
              // Whole words, to a hashcat worker that holds the file, however long.
              expect(holder.backend?.kind === 'hashcat' && holder.holds.has(FILE.sha256)).toBe(true)
              expect([chunk.offset % perWord, BigInt(chunk.length) % perWord]).toEqual([0n, 0n])
            } else {
              expect(chunk.length).toBeLessThanOrEqual(capLength(chunk.offset))
            }
          }
        }
        driveToTheEnd(scheduler, job, time, steps, join, give, (kind, id) => {
          if (kind !== 'hold') return false
          scheduler.holding(id, FILE.sha256)
          return true
        })
      }
    ), { numRuns: 100 })
    expect(fromFile).toBeGreaterThan(100)
  })

  it('gives a hashcat worker whole words of a file only once it holds it, and only when they outweigh hashcat\'s start-up', () => {
    const FILE = { sha256: 'ef'.repeat(32), bytes: 9_000_000, ascii: true, crEnds: false, longest: 9 }
    const spec: WordlistSpec = { type: 'wordlist', name: '/w', size: '1000000000', rules: [{ name: '/best64', sha256: '01'.repeat(32), count: 77 }] }
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: spec, wordsFile: FILE, capLength: () => 77 * 1024 })
    scheduler.addWorker({ ...worker('gpu'), backend: GPU }).verified = 1
    const before = scheduler.assign('gpu')
    expect(before.map((c) => [c.fromFile, c.length])).toEqual([[false, 77 * 1024], [false, 77 * 1024]])
    // The chunk of words it had queued comes back; the one it runs stays.
    expect(scheduler.holding('gpu', FILE.sha256)).toEqual([{ type: 'cancel', workerId: 'gpu', jobId: job.id, chunkId: before[1].id }])
    expect(scheduler.holding('gpu', FILE.sha256)).toBeNull()
    scheduler.done('gpu', before[0].id, before[0].length)
    // 60 s at the assumed 100 M/s, in whole words of 77 candidates each.
    const [first, second] = scheduler.assign('gpu')
    expect([first.fromFile, first.offset, first.length]).toEqual([true, 77n * 1024n, Math.floor(6e9 / 77) * 77])
    expect([second.fromFile, second.offset, second.length]).toEqual([true, first.offset + BigInt(first.length), first.length])
    // The job's last words, too few for a run worth hashcat's start-up, go with their words.
    job.unassigned.splice(0, job.unassigned.length, { offset: 77_000_000_000n - 77n * 100n, end: 77_000_000_000n })
    scheduler.done('gpu', first.id, first.length)
    const [tail] = scheduler.assign('gpu')
    expect([tail.fromFile, tail.offset]).toEqual([false, 77_000_000_000n - 77n * 100n])
    // A job whose file is not hashcat's to search (NTLM with bytes above 0x7f) never goes from its file.
    const ntlm = scheduler.addJob({ algorithm: 'ntlm', targets: [md5('never')], keyspace: spec, wordsFile: { ...FILE, ascii: false, crEnds: false, longest: 9 }, capLength: () => 77 }).job
    expect(ntlm.hashcat).toBe(false)
    // Nor one with a word ending in a carriage return, which hashcat would strip, or a hybrid whose
    // mask names a path, which hashcat would read as a mask file.
    expect(scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: spec, wordsFile: { ...FILE, crEnds: true }, capLength: () => 77 }).job.hashcat).toBe(false)
    const hybrid = (mask: string): WordlistSpec => ({ type: 'wordlist', name: '/w', size: '10', hybrid: { side: 'append', mask: maskSpec(mask, []) } })
    expect(scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: hybrid('-?d'), wordsFile: FILE }).job.hashcat).toBe(true)
    expect(scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: hybrid('/etc/x'), wordsFile: FILE }).job.hashcat).toBe(false)
  })

  it('sizes a hashcat worker\'s chunks in tens of seconds, keeps one queued, and lets no WASM worker twin one too big for it', () => {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now })
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: maskSpec('?d'.repeat(12), []) })
    scheduler.addWorker({ ...worker('gpu'), backend: GPU }).verified = 1 // it passed a check: its chunks are unbounded
    const [first, second, third] = scheduler.assign('gpu')
    expect(third).toBeUndefined()
    // 60 s at the assumed 100 M/s is 6e9: 6 blocks of 1e9 from 0, then the 4 left under the first digit.
    expect([first.length, second.length]).toEqual([6e9, 4e9])
    expect(first.length).toBeGreaterThan(MAX_WASM_CHUNK_CANDIDATES)
    scheduler.addWorker(worker('cpu'))
    time.advance(SCHEDULER_DEFAULTS.silentMs + 1) // the hashcat worker looks silent: its chunks may be twinned
    const taken = scheduler.assign('cpu')
    expect(taken.every((c) => c.length <= MAX_WASM_CHUNK_CANDIDATES && !c.twin)).toBe(true)
    expect(job.active.size).toBe(5)
    // A heartbeat (an unchanged count) keeps it from looking silent; a FAILED hands the chunk out again.
    expect(scheduler.progress('gpu', first.id, 0)).toBe(false)
    expect(scheduler.workers.get('gpu')!.lastReportAt).toBe(time.now())
    expect(scheduler.failed('gpu', first.id)).toBe(true)
    expect(scheduler.failed('gpu', first.id)).toBe('unknown')
    expect(job.unassigned[0]).toEqual({ offset: 0n, end: 6_000_000_000n })
  })

  it('gives a hashcat worker the long digit counts of a range first, leaving the short ones', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: rangeSpec(0, 10n ** 10n) })
    scheduler.addWorker({ ...worker('gpu'), backend: GPU }).verified = 1
    const [first] = scheduler.assign('gpu')
    expect([first.offset, first.length]).toEqual([1_000_000_000n, 6e9]) // ten digits, first digit 1-6
    expect(job.unassigned[0]).toEqual({ offset: 0n, end: 1_000_000_000n })
  })

  it('puts a lost worker\'s chunks back at the front of the queue', () => {
    const scheduler = new Scheduler()
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const lost = scheduler.assign('a')
    scheduler.assign('b')
    expect(scheduler.removeWorker('a')).toBe(lost.length)
    scheduler.addWorker(worker('c'))
    // Taken back as one range (the three were adjacent) and cut anew, lowest offset first.
    expect(scheduler.assign('c')[0].offset).toBe(lost[0].offset)
  })

  it('rejects a DONE whose count differs from the chunk length, and reports from strangers', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 5000) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const [chunk] = scheduler.assign('a')
    expect(scheduler.done('a', chunk.id, chunk.length - 1)).toBe('miscounted')
    expect(scheduler.done('a', chunk.id, chunk.length + 1)).toBe('miscounted')
    expect(scheduler.done('b', chunk.id, chunk.length)).toBe('unknown')
    expect(scheduler.progress('b', chunk.id, 1)).toBe(false)
    expect(scheduler.progress('a', chunk.id, chunk.length + 1)).toBe(false)
    expect(job.hashed).toBe(0n)
    expect(scheduler.done('a', chunk.id, chunk.length)).toContainEqual({ type: 'completed', job, offset: chunk.offset, length: chunk.length })
    expect(scheduler.done('a', chunk.id, chunk.length)).toBe('unknown') // never counted twice
    expect(job.hashed).toBe(BigInt(chunk.length))
  })

  it('records a find once, for a live job\'s remaining target only, and says why it ignores the rest', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('42'), md5('43')], keyspace: rangeSpec(0, 100000) })
    expect(scheduler.found(job.id, hex('41'), Buffer.from('41'))).toBe('not-a-target')
    expect(scheduler.found('nope', hex('42'), Buffer.from('42'))).toBe('unknown')
    expect(scheduler.found(job.id, hex('42'), Buffer.from('42'))).toEqual([{ type: 'found', job, result: { hash: hex('42'), plaintext: Buffer.from('42') } }])
    expect(scheduler.found(job.id, hex('42'), Buffer.from('42'))).toBe('duplicate')
    expect(job.status).toBe('running')
    scheduler.cancel(job.id)
    expect(scheduler.found(job.id, hex('43'), Buffer.from('43'))).toBe('ended')
    expect(job.found).toHaveLength(1)
  })

  it('ends a job when its last target is found and cancels every chunk still out', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('7')], keyspace: rangeSpec(0, 10n ** 10n) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const held = [...scheduler.assign('a'), ...scheduler.assign('b')]
    const outcome = scheduler.found(job.id, hex('7'), Buffer.from('7'))
    if (typeof outcome === 'string') throw new Error(outcome)
    expect(cancels(outcome).map((c) => c.type === 'cancel' && c.chunkId).sort()).toEqual(held.map((c) => c.id).sort())
    expect(job.status).toBe('found')
    // Persisted in this order: the find, then the end.
    expect(outcome.filter((e) => e.type !== 'cancel').map((e) => e.type)).toEqual(['found', 'ended'])
    expect(scheduler.assign('a')).toEqual([])
    expect(scheduler.workers.get('a')!.chunks.size).toBe(0)
  })

  it('counts what the chunks still out had reported when a job ends mid-chunk', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('7')], keyspace: rangeSpec(0, 10n ** 9n) })
    scheduler.addWorker(worker('a'))
    const [chunk] = scheduler.assign('a')
    scheduler.progress('a', chunk.id, 1234)
    scheduler.found(job.id, hex('7'), Buffer.from('7'))
    expect(job.status).toBe('found')
    expect(job.hashed).toBe(1234n) // not 0: the summary says how far the search got
  })

  it('a job of higher priority takes back the queued, unstarted chunks of lower ones', () => {
    const scheduler = new Scheduler()
    const { job: low } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('a'))
    const [running, started, queued] = scheduler.assign('a')
    scheduler.progress('a', started.id, 10) // reported progress: kept, it may be running
    const { job: high } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n), priority: 5 })
    expect(scheduler.preemptFor(high.id)).toEqual([{ type: 'cancel', workerId: 'a', jobId: low.id, chunkId: queued.id }])
    expect(low.unassigned[0]).toEqual({ offset: queued.offset, end: 10n ** 12n }) // back in front of the rest
    expect([...low.active.keys()]).toEqual([running.id, started.id])
    expect(scheduler.assign('a').map((c) => c.job.id)).toEqual([high.id])
    // The taken-back chunk's late DONE is not counted; the requeued copy will be, once.
    expect(scheduler.done('a', queued.id, queued.length)).toBe('unknown')
    expect(low.hashed).toBe(0n)
    expect(scheduler.preemptFor(low.id)).toEqual([]) // nothing outranked by a lower job
  })

  it('hands out higher priority jobs first, then in arrival order; paused jobs get nothing new', () => {
    const scheduler = new Scheduler()
    const { job: low } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    const { job: high } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n), priority: 5 })
    scheduler.addWorker(worker('a'))
    expect(scheduler.assign('a').map((c) => c.job.id)).toEqual([high.id, high.id, high.id])
    scheduler.setPaused(high.id, true)
    scheduler.addWorker(worker('b'))
    expect(scheduler.assign('b').map((c) => c.job.id)).toEqual([low.id, low.id, low.id])
  })

  it('serves a job whose priority was raised first from its next chunk, and leaves an ended one alone', () => {
    const scheduler = new Scheduler()
    const { job: first } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n), priority: 1 })
    const { job: second } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('a'))
    expect(scheduler.assign('a').map((c) => c.job.id)).toEqual([first.id, first.id, first.id])
    expect(scheduler.setPriority(second.id, 2)).toBe(true)
    expect(second.priority).toBe(2)
    scheduler.addWorker(worker('b'))
    expect(scheduler.assign('b').map((c) => c.job.id)).toEqual([second.id, second.id, second.id])
    scheduler.cancel(second.id)
    expect(scheduler.setPriority(second.id, 9)).toBe(false)
    expect(second.priority).toBe(2)
  })

  it('sizes chunks by threads first, then by measured speed, and shrinks them near the end', () => {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now })
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('small', 1))
    scheduler.addWorker(worker('big', 1024))
    const [small] = scheduler.assign('small')
    const [big] = scheduler.assign('big')
    // Unmeasured, a worker's first chunk is small whatever threads it claims.
    expect(big.length).toBe(small.length)
    expect(small.length).toBe(SCHEDULER_DEFAULTS.assumedSpeedPerThread * SCHEDULER_DEFAULTS.targetChunkSeconds)
    // Measured at 10 M/s on this algorithm and length, the big worker's chunks follow its speed...
    scheduler.progress('big', big.id, 1_000_000)
    time.advance(500)
    scheduler.progress('big', big.id, 6_000_000)
    const bigWorker = scheduler.workers.get('big')!
    expect(scheduler.chunkSize(bigWorker, 10n ** 12n, big.speedKey)).toBe(30_000_000)
    // ...but not on another algorithm or candidate length, which it has not been measured at.
    expect(scheduler.chunkSize(bigWorker, 10n ** 12n, 'sha512:9')).toBe(small.length)
    // Near the end each worker gets a fraction of its share of what is left, never below the floor.
    const tail = scheduler.chunkSize(scheduler.workers.get('small')!, 1_000_000n, big.speedKey)
    expect(tail).toBeLessThan(1_000_000 / 4)
    expect(scheduler.chunkSize(scheduler.workers.get('small')!, 10n, big.speedKey)).toBe(SCHEDULER_DEFAULTS.minChunkCandidates)
    // A report that changes nothing is ignored.
    expect(scheduler.progress('big', big.id, 6_000_000)).toBe(false)
  })

  it('refuses bad jobs with a clear error', () => {
    const scheduler = new Scheduler()
    expect(() => scheduler.addJob({ algorithm: 'md5', targets: [], keyspace: rangeSpec(0, 10) })).toThrow(/at least one target/)
    expect(() => scheduler.addJob({ algorithm: 'sha1', targets: [md5('x')], keyspace: rangeSpec(0, 10) })).toThrow(InvalidInputError)
    expect(() => scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(9, 9) })).toThrow(/empty/)
  })

  it('gives new jobs ids above those it was told are taken (jobs that ended before a restore)', () => {
    const scheduler = new Scheduler()
    scheduler.reserveJobIds(7)
    expect(scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 9) }).job.id).toBe('8')
    scheduler.restoreJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 9) }, '12', [])
    expect(scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 9) }).job.id).toBe('13')
  })

  it('announces the results a job knows from the start, and ends it at once when that is all of them', () => {
    const scheduler = new Scheduler()
    const known = [{ hash: hex('1'), plaintext: Buffer.from('1') }, { hash: hex('not a target'), plaintext: Buffer.from('?') }]
    const some = scheduler.addJob({ algorithm: 'md5', targets: [md5('1'), md5('2')], keyspace: rangeSpec(0, 9), known })
    expect(some.effects).toEqual([{ type: 'found', job: some.job, result: known[0] }])
    expect([...some.job.remaining.texts()]).toEqual([hex('2')])
    const all = scheduler.addJob({ algorithm: 'md5', targets: [md5('1')], keyspace: rangeSpec(0, 9), known })
    expect(all.effects.map((e) => e.type)).toEqual(['found', 'ended'])
    expect(all.job.status).toBe('found')
  })

  it('does not let a slow machine hold the end of a job: its chunks are run again by idle workers', () => {
    // A simulated fleet on the scheduler's clock: the fast worker hashes 10 M/s; the straggler as fast
    // but only 1 s in every 10 (a paused VM, a busy laptop), answering heartbeats all the while.
    const fastOnly = simulate(false)
    const withStraggler = simulate(true)
    // Deterministic: 63.1 s alone, 65.7 s with the straggler; 80.3 s (1.27x) before chunks of a silent
    // worker were run again by idle ones. The bar is 1.5x; this holds a tighter one.
    expect(withStraggler.seconds).toBeLessThanOrEqual(1.15 * fastOnly.seconds)
    expect(withStraggler.hashed).toBe(SIZE) // counted exactly once, twins and all
  })

  it('hands the chunks of a worker that stops reporting to the others', () => {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now })
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('hung'))
    const held = scheduler.assign('hung')
    // Before its first report a worker may still be starting its threads: it gets three times longer.
    time.advance(3 * SCHEDULER_DEFAULTS.stallMs - 1)
    expect(scheduler.tick()).toEqual([])
    scheduler.progress('hung', held[0].id, 10) // it works... then hangs
    time.advance(SCHEDULER_DEFAULTS.stallMs - 1)
    expect(scheduler.tick()).toEqual([])
    time.advance(2)
    expect(scheduler.tick().map((e) => e.type === 'cancel' && e.chunkId)).toEqual(held.map((c) => c.id))
    scheduler.addWorker(worker('fresh'))
    expect(scheduler.assign('fresh')[0].offset).toBe(0n)
    // Its late DONE counts nothing.
    expect(scheduler.done('hung', held[0].id, held[0].length)).toBe('unknown')
  })

  it('takes the chunks back from a worker that repeats an unchanged count, and gives an unverified hashcat worker no chunk a WASM worker cannot copy', () => {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now })
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: maskSpec('?l'.repeat(8), []) })
    scheduler.addWorker({ ...worker('liar'), backend: GPU })
    const held = scheduler.assign('liar')
    expect(held.every((c) => c.length <= MAX_WASM_CHUNK_CANDIDATES)).toBe(true)
    // "Still starting" every half second, for ever: within hashcat's start-up grace its chunks may be
    // copied by an idle worker once it has not advanced for stallMs...
    for (let ms = 0; ms < SCHEDULER_DEFAULTS.stallMs; ms += 500) {
      time.advance(500)
      for (const chunk of held) scheduler.progress('liar', chunk.id, 0)
    }
    scheduler.addWorker(worker('honest'))
    expect(scheduler.assign('honest').filter((c) => c.twin).map((c) => c.offset)).toContain(held[0].offset)
    // ...and after the grace they go back to the job, whatever the reports say.
    for (let ms = SCHEDULER_DEFAULTS.stallMs; ms < SCHEDULER_DEFAULTS.hashcatStartupMs; ms += 500) {
      time.advance(500)
      for (const chunk of held) scheduler.progress('liar', chunk.id, 0)
      for (const chunk of scheduler.workers.get('honest')!.chunks.values()) scheduler.progress('honest', chunk.id, chunk.hashed + 1)
      if (ms + 500 < SCHEDULER_DEFAULTS.hashcatStartupMs) expect(scheduler.tick()).toEqual([])
    }
    time.advance(1)
    expect(scheduler.tick().filter((e) => e.type === 'cancel' && e.workerId === 'liar')).toHaveLength(held.length)
    expect(job.active.size).toBeGreaterThan(0) // the honest worker's copies run on
  })

  it('believes no speed beyond what a worker\'s threads could make', () => {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now })
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: maskSpec('?a'.repeat(8), []) })
    scheduler.addWorker(worker('instant', 1))
    for (let round = 0; round < 20; round++) {
      time.advance(10)
      for (const chunk of scheduler.assign('instant')) scheduler.done('instant', chunk.id, chunk.length) // "done" at once
    }
    const [next] = scheduler.assign('instant')
    expect(next.length).toBeLessThanOrEqual(SCHEDULER_DEFAULTS.maxSpeedPerThread * SCHEDULER_DEFAULTS.targetChunkSeconds)
  })
})

describe('work verification', () => {
  // A job whose canary sits at `at`, planted as server/verification.ts would.
  function planted (at: bigint, size = 10n ** 9n) {
    const time = clock()
    const scheduler = new Scheduler({ now: time.now, random: () => 0.5 })
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('real')], keyspace: rangeSpec(0, size) })
    const room = scheduler.canaryRoom(job.id)!
    expect(room.count).toBe(3) // one target: three canaries keep the kernels' direct comparison
    const canary = scheduler.plantCanary(job.id, at, md5(String(at)), Buffer.from(String(at)))!
    return { time, scheduler, job, canary }
  }

  it('cuts a new worker\'s first chunk around a canary, and counts it once the worker reports the canary', () => {
    const { scheduler, job, canary } = planted(50_000_000n)
    scheduler.addWorker(worker('honest'))
    const [first] = scheduler.assign('honest')
    canary.sentTo.add('honest') // as the links do when the job is announced
    expect(first.offset <= canary.index && canary.index < first.offset + BigInt(first.length)).toBe(true)
    expect(scheduler.expects(job.id, canary.target)).toBe('canary')
    expect(scheduler.canaryReported(job.id, 'honest', canary.target, Buffer.from('wrong'), () => false)).toBe(false)
    // Another plaintext of the same target (NTLM's two forms of a byte string) counts.
    expect(scheduler.canaryReported(job.id, 'other', canary.target, Buffer.from('same hash'), () => true)).toBe(true)
    expect(scheduler.canaryReported(job.id, 'honest', canary.target, canary.plaintext, () => false)).toBe(true)
    const effects = scheduler.done('honest', first.id, first.length) as Effect[]
    expect(effects.map((e) => e.type)).toEqual(['completed', 'retired'])
    // The finder is not told: a SOLVED for its own find would say "that was a canary".
    expect(effects[1]).toMatchObject({ type: 'retired', workerIds: [] })
    expect(scheduler.workers.get('honest')!.verified).toBe(1)
    expect(job.hashed).toBe(BigInt(first.length))
    expect(scheduler.expects(job.id, canary.target)).toBe('duplicate') // a late report of it is no lie
    expect(job.canaries.size).toBe(0) // nothing in results, counts or found
    expect(job.found).toEqual([])
  })

  it('catches a worker that reports DONE without searching: quarantined, its chunks back, every range it completed searched again', () => {
    const { scheduler, job, canary } = planted(900_000_000n)
    scheduler.addWorker(worker('liar'))
    // It completes two chunks before the one holding the canary (no check was due: pretend it passed one).
    const liar = scheduler.workers.get('liar')!
    liar.verified = 1
    const early = scheduler.assign('liar')
    for (const chunk of early.slice(0, 2)) scheduler.done('liar', chunk.id, chunk.length)
    const searched = early.slice(0, 2).reduce((n, c) => n + BigInt(c.length), 0n)
    expect(job.hashed).toBe(searched)
    liar.sinceCheck = SCHEDULER_DEFAULTS.canaryCheckEvery // a check is due
    const steered = scheduler.assign('liar').find((c) => c.offset <= canary.index && canary.index < c.offset + BigInt(c.length))!
    canary.sentTo.add('liar')
    const effects = scheduler.done('liar', steered.id, steered.length) as Effect[]
    expect(effects[0]).toMatchObject({ type: 'caught', worker: liar, job, canary, chunkId: steered.id })
    // Its two chunks were adjacent: one range goes back.
    expect(effects.filter((e) => e.type === 'reopened').map((e) => e.type === 'reopened' && [e.offset, e.length])).toEqual([[0n, searched]])
    expect(job.hashed).toBe(0n)
    expect(liar.quarantined).toBe(true)
    expect(liar.chunks.size).toBe(0)
    expect(scheduler.assign('liar')).toEqual([])
    // An honest worker now searches everything, the canary's chunk included, and the job is exhausted
    // with every index counted once.
    scheduler.addWorker(worker('honest'))
    let ended = false
    for (let round = 0; round < 10_000 && !ended; round++) {
      for (const chunk of scheduler.assign('honest')) {
        if (chunk.offset <= canary.index && canary.index < chunk.offset + BigInt(chunk.length)) {
          canary.sentTo.add('honest')
          scheduler.canaryReported(job.id, 'honest', canary.target, canary.plaintext, () => true)
        }
        const done = scheduler.done('honest', chunk.id, chunk.length) as Effect[]
        ended ||= done.some((e) => e.type === 'ended')
      }
    }
    expect(job.status).toBe('exhausted')
    expect(job.hashed).toBe(job.keyspace.size)
  })

  it('does not check a chunk against a canary its worker never had', () => {
    const { scheduler, job, canary } = planted(10n)
    scheduler.addWorker(worker('w'))
    const [first] = scheduler.assign('w')
    expect(first.offset).toBe(0n)
    expect((scheduler.done('w', first.id, first.length) as Effect[]).map((e) => e.type)).toEqual(['completed', 'retired'])
    expect(job.canaries.has(canary.key)).toBe(false)
  })
})

const SIZE = 600_000_000n

// Steps of 100 ms: each worker runs its first chunk at its speed, reports progress every 500 ms while
// it runs, and DONE when the chunk is through; idle capacity is filled, the scheduler ticks each second.
function simulate (straggler: boolean): { seconds: number, hashed: bigint } {
  const time = clock()
  const scheduler = new Scheduler({ now: time.now })
  const { job } = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: rangeSpec(0, SIZE) })
  const speeds: Record<string, (t: number) => number> = { fast: () => 10_000_000 }
  if (straggler) speeds.slow = (t) => (Math.floor(t / 1000) % 10 === 0 ? 10_000_000 : 0)
  for (const id of Object.keys(speeds)) scheduler.addWorker(worker(id, 2))
  const done = new Map<string, number>() // chunk id -> candidates through
  for (let step = 0; job.status === 'running' && step < 100_000; step++) {
    const t = step * 100
    for (const id of Object.keys(speeds)) {
      scheduler.assign(id)
      const w = scheduler.workers.get(id)!
      const [chunk] = w.chunks.values()
      const speed = speeds[id](t)
      if (!chunk || speed === 0) continue
      const through = Math.min(chunk.length, (done.get(chunk.id) ?? 0) + speed / 10)
      done.set(chunk.id, through)
      if (through === chunk.length) scheduler.done(id, chunk.id, chunk.length)
      else if (t % 500 === 0) scheduler.progress(id, chunk.id, through)
    }
    time.advance(100)
    if (t % 1000 === 0) scheduler.tick()
  }
  expect(job.status).toBe('exhausted')
  return { seconds: (time.now() - job.createdAt) / 1000, hashed: job.hashed }
}
