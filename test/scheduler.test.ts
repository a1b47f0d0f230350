import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { InvalidInputError } from '../shared/errors.ts'
import { rangeSpec } from '../shared/keyspace/keyspace.ts'
import { MIN_CHUNK_CANDIDATES } from '../shared/protocol/limits.ts'
import { Scheduler, type Chunk } from '../server/scheduler/scheduler.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const worker = (id: string, threads = 2) => ({ id, name: id, address: '127.0.0.1', cores: threads, threads })

function clock () {
  let now = 0
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

describe('scheduler', () => {
  it('counts every index exactly once through random joins, losses and completions (property)', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 200_000n }),
      fc.array(fc.tuple(fc.constantFrom('done', 'done', 'done', 'lose', 'join', 'progress'), fc.nat(5)), { maxLength: 400 }),
      (size, steps) => {
        const time = clock()
        const scheduler = new Scheduler(time.now)
        const job = scheduler.addJob({ algorithm: 'md5', targets: [md5('never')], keyspace: rangeSpec(0, size) })
        const completed: Chunk[] = []
        let seq = 0
        const join = () => { const id = `w${seq++}`; scheduler.addWorker(worker(id, 1 + (seq % 4))); scheduler.assign(id) }
        join(); join()
        const act = (kind: string, pick: number) => {
          const ids = [...scheduler.workers.keys()]
          if (ids.length === 0 || kind === 'join') return join()
          const id = ids[pick % ids.length]
          const held = [...scheduler.workers.get(id)!.chunks.values()]
          if (kind === 'lose') { scheduler.removeWorker(id); return }
          if (held.length === 0) { scheduler.assign(id); return }
          const chunk = held[pick % held.length]
          time.advance(300)
          if (kind === 'progress') expect(scheduler.progress(id, chunk.id, chunk.length >> 1)).toBe(true)
          else {
            expect(scheduler.done(id, chunk.id, chunk.length)).toBe('accepted')
            completed.push({ ...chunk })
          }
          scheduler.assign(id)
        }
        for (const [kind, pick] of steps) act(kind, pick)
        // Drain: whoever is left (or a fresh worker) finishes the job.
        for (let round = 0; job.status === 'running'; round++) act('done', round)
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

  it('puts a lost worker\'s chunks back at the front of the queue', () => {
    const scheduler = new Scheduler()
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const lost = scheduler.assign('a')
    scheduler.assign('b')
    expect(scheduler.removeWorker('a').map((c) => c.id)).toEqual(lost.map((c) => c.id))
    scheduler.addWorker(worker('c'))
    expect(scheduler.assign('c').map((c) => c.offset)).toEqual(lost.map((c) => c.offset))
  })

  it('rejects a DONE whose count differs from the chunk length, and reports from strangers', () => {
    const scheduler = new Scheduler()
    const job = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 5000) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const [chunk] = scheduler.assign('a')
    expect(scheduler.done('a', chunk.id, chunk.length - 1)).toBe('miscounted')
    expect(scheduler.done('a', chunk.id, chunk.length + 1)).toBe('miscounted')
    expect(scheduler.done('b', chunk.id, chunk.length)).toBe('unknown')
    expect(scheduler.progress('b', chunk.id, 1)).toBe(false)
    expect(scheduler.progress('a', chunk.id, chunk.length + 1)).toBe(false)
    expect(job.hashed).toBe(0n)
    expect(scheduler.done('a', chunk.id, chunk.length)).toBe('accepted')
    expect(scheduler.done('a', chunk.id, chunk.length)).toBe('unknown') // never counted twice
    expect(job.hashed).toBe(BigInt(chunk.length))
  })

  it('re-hashes claimed plaintexts: false and duplicate FOUNDs change nothing', () => {
    const scheduler = new Scheduler()
    const job = scheduler.addJob({ algorithm: 'md5', targets: [md5('42'), md5('43')], keyspace: rangeSpec(0, 100000) })
    scheduler.addWorker(worker('a'))
    expect(scheduler.found('a', job.id, md5('42'), Buffer.from('41'))).toBe('false')
    expect(scheduler.found('a', job.id, md5('41'), Buffer.from('41'))).toBe('false')
    expect(scheduler.found('a', 'nope', md5('42'), Buffer.from('42'))).toBe('unknown')
    expect(scheduler.found('a', job.id, md5('42'), Buffer.from('42'))).toMatchObject({ result: { hash: md5('42').toString('hex') } })
    expect(scheduler.found('a', job.id, md5('42'), Buffer.from('42'))).toBe('duplicate')
    expect(job.status).toBe('running')
  })

  it('ends a job when its last target is found and cancels every chunk still out', () => {
    const scheduler = new Scheduler()
    const ended: string[] = []
    scheduler.on('end', (j) => ended.push(j.status))
    const job = scheduler.addJob({ algorithm: 'md5', targets: [md5('7')], keyspace: rangeSpec(0, 10n ** 10n) })
    scheduler.addWorker(worker('a'))
    scheduler.addWorker(worker('b'))
    const held = [...scheduler.assign('a'), ...scheduler.assign('b')]
    const outcome = scheduler.found('b', job.id, md5('7'), Buffer.from('7'))
    if (typeof outcome === 'string') throw new Error(outcome)
    expect(outcome.cancellations.map((c) => c.chunkId).sort()).toEqual(held.map((c) => c.id).sort())
    expect(job.status).toBe('found')
    expect(ended).toEqual(['found'])
    expect(scheduler.assign('a')).toEqual([])
    expect(scheduler.workers.get('a')!.chunks.size).toBe(0)
  })

  it('a job of higher priority takes back the queued, unstarted chunks of lower ones', () => {
    const scheduler = new Scheduler()
    const low = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('a'))
    const [running, started, queued] = scheduler.assign('a')
    scheduler.progress('a', started.id, 10) // reported progress: kept, it may be running
    const high = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n), priority: 5 })
    expect(scheduler.preemptFor(high.id)).toEqual([{ workerId: 'a', jobId: low.id, chunkId: queued.id }])
    expect(low.requeued).toEqual([queued])
    expect([...low.active.keys()]).toEqual([running.id, started.id])
    expect(scheduler.assign('a').map((c) => c.job.id)).toEqual([high.id])
    // The taken-back chunk's late DONE is not counted; the requeued copy will be, once.
    expect(scheduler.done('a', queued.id, queued.length)).toBe('unknown')
    expect(low.hashed).toBe(0n)
    expect(scheduler.preemptFor(low.id)).toEqual([]) // nothing outranked by a lower job
  })

  it('hands out higher priority jobs first, then in arrival order; paused jobs get nothing new', () => {
    const scheduler = new Scheduler()
    const low = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    const high = scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n), priority: 5 })
    scheduler.addWorker(worker('a'))
    expect(scheduler.assign('a').map((c) => c.job.id)).toEqual([high.id, high.id, high.id])
    scheduler.setPaused(high.id, true)
    scheduler.addWorker(worker('b'))
    expect(scheduler.assign('b').map((c) => c.job.id)).toEqual([low.id, low.id, low.id])
  })

  it('sizes chunks by threads first, then by measured speed, and shrinks them near the end', () => {
    const time = clock()
    const scheduler = new Scheduler(time.now)
    scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(0, 10n ** 12n) })
    scheduler.addWorker(worker('small', 1))
    scheduler.addWorker(worker('big', 8))
    const [small] = scheduler.assign('small')
    const [big] = scheduler.assign('big')
    expect(big.length).toBe(small.length * 8)
    // Measured at 10 M/s, the big worker's chunks follow its speed.
    scheduler.progress('big', big.id, 0)
    time.advance(1000)
    scheduler.progress('big', big.id, 10_000_000)
    expect(scheduler.chunkSize(scheduler.workers.get('big')!, 10n ** 12n)).toBe(30_000_000)
    // Near the end each worker gets a fraction of its share of what is left, never below the floor.
    const tail = scheduler.chunkSize(scheduler.workers.get('small')!, 1_000_000n)
    expect(tail).toBeLessThan(1_000_000 / 4)
    expect(scheduler.chunkSize(scheduler.workers.get('small')!, 10n)).toBe(MIN_CHUNK_CANDIDATES)
  })

  it('refuses bad jobs with a clear error', () => {
    const scheduler = new Scheduler()
    expect(() => scheduler.addJob({ algorithm: 'md5', targets: [], keyspace: rangeSpec(0, 10) })).toThrow(/at least one target/)
    expect(() => scheduler.addJob({ algorithm: 'sha1', targets: [md5('x')], keyspace: rangeSpec(0, 10) })).toThrow(InvalidInputError)
    expect(() => scheduler.addJob({ algorithm: 'md5', targets: [md5('x')], keyspace: rangeSpec(9, 9) })).toThrow(/empty/)
  })
})
