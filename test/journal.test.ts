// Sessions: the scheduler restores a job from its completed ranges (gaps searched again, overlaps
// counted once), and the journal replays what it wrote, tolerating only a torn last line.
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { rangeSpec } from '../shared/keyspace/keyspace.ts'
import { Journal } from '../server/store/journal.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import { TOKEN, tempDir } from './helpers.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const tempFile = () => join(tempDir('taskorch-journal-'), 'session.jsonl')

describe('Scheduler.restoreJob', () => {
  const spec = { algorithm: 'md5' as const, targets: [md5('x')], keyspace: rangeSpec(0, 100_000_000) }

  it('counts completed ranges once, requeues the gaps first, and goes on from the highest', () => {
    const scheduler = new Scheduler()
    const job = scheduler.restoreJob(spec, '7', [
      { offset: 0n, length: 1000 }, { offset: 5000n, length: 1000 }, { offset: 500n, length: 1000 } // overlapping 500..1000
    ])
    expect(job.id).toBe('7')
    expect(job.hashed).toBe(2500n) // 0..1500 and 5000..6000
    expect(job.restoredHashed).toBe(2500n)
    expect(job.frontier).toBe(6000n)
    expect(job.requeued.map((c) => [c.offset, c.length])).toEqual([[1500n, 3500]])
    // New jobs take ids after the restored ones.
    expect(scheduler.addJob(spec).id).toBe('8')
    scheduler.addWorker({ id: 'w', name: 'w', address: 'a', cores: 1, threads: 1 })
    const [gap, fresh] = scheduler.assign('w')
    expect([gap.offset, gap.length, fresh.offset]).toEqual([1500n, 3500, 6000n])
  })

  it('splits a long gap into chunks a few seconds long, and ends a fully searched job at once', () => {
    const scheduler = new Scheduler()
    const job = scheduler.restoreJob(spec, '1', [{ offset: 90_000_000n, length: 10_000_000 }])
    expect(job.requeued.length).toBeGreaterThan(1)
    expect(job.requeued.reduce((sum, c) => sum + c.length, 0)).toBe(90_000_000)
    const done = scheduler.restoreJob(spec, '2', [{ offset: 0n, length: 60_000_000 }, { offset: 60_000_000n, length: 40_000_000 }])
    expect(done.status).toBe('exhausted')
  })

  it('rejects ranges outside the keyspace and duplicate ids', () => {
    const scheduler = new Scheduler()
    expect(() => scheduler.restoreJob(spec, '1', [{ offset: 99_999_999n, length: 2 }])).toThrow(/outside its keyspace/)
    scheduler.restoreJob(spec, '2', [])
    expect(() => scheduler.restoreJob(spec, '2', [])).toThrow(/duplicate id/)
  })
})

describe('Journal', () => {
  it('refuses to overwrite a session, and to restore one that does not exist', () => {
    const path = tempFile()
    expect(() => Journal.open(path, true)).toThrow(/--restore: session file .* does not exist/)
    Journal.open(path, false).journal.close()
    expect(() => Journal.open(path, false)).toThrow(/exists: add --restore to continue it/)
  })

  it('records jobs, completed chunks, results and ends, and replays the unfinished jobs', async () => {
    const path = tempFile()
    const { journal } = Journal.open(path, false)
    const orch = new Orchestrator({ token: TOKEN })
    journal.attach(orch)
    const open = orch.addTasks({ algorithm: 'md5', targets: [md5('3'), md5('nope')], keyspace: { type: 'range', start: 0, end: 1_000_000 }, priority: 2 })
    const ended = orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'mask', mask: '?d' } })
    orch.scheduler.addWorker({ id: 'w', name: 'w', address: 'a', cores: 1, threads: 1 })
    const chunks = orch.scheduler.assign('w')
    orch.scheduler.found('w', open.id, md5('3'), Buffer.from('3'))
    const first = chunks.find((c) => c.job.id === open.id)!
    expect(orch.scheduler.done('w', first.id, first.length)).toBe('accepted')
    ended.cancel()
    await ended.done
    journal.close()

    const { jobs } = Journal.open(path, true)
    expect(jobs.map((j) => j.id)).toEqual([open.id])
    const [job] = jobs
    expect(job.spec).toMatchObject({ algorithm: 'md5', keyspace: { type: 'range', start: '0', end: '1000000' }, priority: 2 })
    expect(job.spec.known!.map((k) => Buffer.from(k.plaintext).toString())).toEqual(['3'])
    expect(job.completed).toEqual([{ offset: first.offset, length: first.length }])
  })

  it('ignores a torn last line but names a damaged line in the middle', () => {
    const path = tempFile()
    writeFileSync(path, JSON.stringify({ t: 'job', id: '1', algorithm: 'md5', targets: [md5('a').toString('hex')], keyspace: { type: 'range', start: '0', end: '10' }, priority: 0 }) + '\n')
    appendFileSync(path, '{"t":"chunk","job":"1","offs')
    expect(Journal.open(path, true).jobs).toHaveLength(1)
    writeFileSync(path, readFileSync(path, 'utf8').replace('{"t":"chunk","job":"1","offs', '{"t":"chunk","job":"1","offset":"0","length":0}\n{"t":"end","job":"1"}\n'))
    expect(() => Journal.open(path, true)).toThrow(/session\.jsonl:2: malformed chunk record/)
    writeFileSync(path, 'garbage\n{"t":"end","job":"1"}\n')
    expect(() => Journal.open(path, true)).toThrow(/session\.jsonl:1: not a JSON record/)
  })
})
