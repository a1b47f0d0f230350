// Sessions: the scheduler restores a job from its completed ranges (everything else searched again,
// overlaps counted once), and the journal replays what it wrote: checksummed lines, a torn last line
// dropped, a damaged line named, results re-hashed, the file compacted on restore.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidInputError } from '../shared/errors.ts'
import { maskSpec, rangeSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import type { JobState } from '../server/scheduler/state.ts'
import { Journal, replayJournal, type JournaledJob } from '../server/store/journal.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { readRuleFiles } from '../server/inputs/rules.ts'
import { Wordlist } from '../server/inputs/wordlist.ts'
import { TOKEN, tempDir } from './helpers.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const hex = (text: string) => md5(text).toString('hex')
const tempFile = () => join(tempDir('taskorch-journal-'), 'session.journal')
const spec = { algorithm: 'md5' as const, targets: [md5('x')], keyspace: rangeSpec(0, 100_000_000) }

// A line as the journal writes it, for forging records with a valid checksum.
function record (value: object): string {
  const json = JSON.stringify(value)
  return `${createHash('sha256').update(json).digest('hex').slice(0, 8)} ${json}\n`
}

// A journal with two jobs: job 1 (5000 targets, two found, chunks done, running), job 2 ended.
async function writeSession (path: string): Promise<{ first: JobState, second: JobState }> {
  const { journal } = await Journal.open(path, false)
  const scheduler = new Scheduler()
  const targets = Array.from({ length: 5000 }, (_, i) => md5(String(i)))
  const first = scheduler.addJob({ algorithm: 'md5', targets, keyspace: rangeSpec(0, 1_000_000), priority: 2 }).job
  const second = scheduler.addJob({ algorithm: 'md5', targets: [md5('y')], keyspace: maskSpec('?d?d', []) }).job
  journal.recordJob(first, null)
  journal.recordJob(second, null)
  journal.recordCompleted('1', 0n, 1000)
  journal.recordCompleted('1', 1000n, 500)
  journal.recordCompleted('1', 5000n, 1000)
  journal.recordFound('1', { hash: hex('7'), plaintext: Buffer.from('7') })
  journal.recordFound('1', { hash: hex('4999'), plaintext: Buffer.from('4999') })
  journal.recordEnd('2', 'cancelled')
  journal.close()
  return { first, second }
}

describe('Scheduler.restoreJob', () => {
  it('counts completed ranges once, hands out what was never completed lowest first, and goes on', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.restoreJob(spec, '7', [
      { offset: 0n, end: 1000n }, { offset: 5000n, end: 6000n }, { offset: 500n, end: 1500n } // overlapping 500..1000
    ])
    expect(job.id).toBe('7')
    expect(job.hashed).toBe(2500n) // 0..1500 and 5000..6000
    expect(job.restoredHashed).toBe(2500n)
    expect(job.unassigned).toEqual([{ offset: 1500n, end: 5000n }, { offset: 6000n, end: 100_000_000n }])
    // New jobs take ids after the restored ones.
    expect(scheduler.addJob(spec).job.id).toBe('8')
    scheduler.addWorker({ id: 'w', name: 'w', address: 'a', cores: 1, threads: 1 })
    const [gap, fresh] = scheduler.assign('w')
    expect([gap.offset, gap.length, fresh.offset]).toEqual([1500n, 3500, 6000n])
  })

  it('cuts chunks from a gap only as they are handed out, however large the gap', () => {
    const scheduler = new Scheduler()
    // ?a x 9 is 6.3e17 candidates; a completed range far into it leaves two gaps, not 5e10 chunks.
    const huge = { ...spec, keyspace: maskSpec('?a?a?a?a?a?a?a?a?a', []) }
    const { job } = scheduler.restoreJob(huge, '1', [{ offset: 10n ** 17n, end: 10n ** 17n + 10n }])
    expect(job.unassigned).toHaveLength(2)
    scheduler.addWorker({ id: 'w', name: 'w', address: 'a', cores: 1, threads: 1 })
    expect(scheduler.assign('w')).toHaveLength(3)
    expect(job.active.size).toBe(3)
  })

  it('ends a fully searched job at once, and rejects ranges outside the keyspace and duplicate ids', () => {
    const scheduler = new Scheduler()
    const done = scheduler.restoreJob(spec, '2', [{ offset: 0n, end: 60_000_000n }, { offset: 60_000_000n, end: 100_000_000n }])
    expect(done.job.status).toBe('exhausted')
    expect(done.effects.map((e) => e.type)).toEqual(['ended'])
    expect(() => scheduler.restoreJob(spec, '1', [{ offset: 99_999_999n, end: 100_000_001n }])).toThrow(/outside its keyspace/)
    expect(() => scheduler.restoreJob(spec, '2', [])).toThrow(/duplicate id/)
  })
})

describe('Journal', () => {
  it('refuses to overwrite a session, and to restore one that does not exist', async () => {
    const path = tempFile()
    await expect(Journal.open(path, true)).rejects.toThrow(/--restore: session file .* does not exist/)
    ;(await Journal.open(path, false)).journal.close()
    await expect(Journal.open(path, false)).rejects.toThrow(/exists: add --restore to continue it/)
  })

  it('replays jobs with all their targets, merged completed ranges, results and ends', async () => {
    const path = tempFile()
    const { first } = await writeSession(path)
    const { journal, replay } = await Journal.open(path, true)
    journal.close()
    expect(replay.lastJobId).toBe(2)
    expect(replay.warnings).toEqual([])
    const [one, two] = replay.jobs
    expect(one).toMatchObject({ id: '1', algorithm: 'md5', keyspace: { type: 'range', start: '0', end: '1000000' }, priority: 2, ended: null })
    expect(one.targets.map((t) => Buffer.from(t).toString('hex'))).toEqual([...first.targets.texts()])
    expect(one.completed).toEqual([{ offset: 0n, end: 1500n }, { offset: 5000n, end: 6000n }])
    expect(one.known.map((k) => Buffer.from(k.plaintext).toString())).toEqual(['7', '4999'])
    expect(two).toMatchObject({ id: '2', ended: 'cancelled' })
  })

  it('keeps a priority changed while the job ran, through a restore and its compaction', async () => {
    const path = tempFile()
    const { journal } = await Journal.open(path, false)
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, journal: { journal, lastJobId: 0 } })
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'range', start: 0, end: 10 ** 9 }, priority: 1 })
    job.setPriority(7)
    expect(job.state.priority).toBe(7)
    expect(() => job.setPriority(-1)).toThrow(InvalidInputError)
    await orch.stop()
    journal.close()
    for (let restore = 0; restore < 2; restore++) {
      const { journal: again, replay } = await Journal.open(path, true)
      again.close()
      expect(replay.jobs.map((j) => j.priority)).toEqual([7])
    }
    appendFileSync(path, record({ t: 'priority', job: '1', priority: 10 ** 7 }))
    await expect(Journal.open(path, true)).rejects.toThrow(/session\.journal:\d+: malformed priority/)
  })

  it('compacts the file on restore: one record per merged range, the same replay', async () => {
    const path = tempFile()
    await writeSession(path)
    const before = await replayJournal(path)
    ;(await Journal.open(path, true)).journal.close()
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean)
    expect(lines.filter((l) => l.includes('"t":"done"'))).toHaveLength(2)
    expect(await replayJournal(path)).toEqual(before)
  })

  it('drops a torn last line, and a restore -> append -> restore keeps everything after it', async () => {
    const path = tempFile()
    await writeSession(path)
    appendFileSync(path, record({ t: 'done', job: '1', offset: '9000', length: '100' }).slice(0, 30)) // a kill mid-write
    const second = await Journal.open(path, true)
    expect(second.replay.warnings).toEqual([expect.stringMatching(/dropped an unfinished last record/)])
    const scheduler = new Scheduler()
    scheduler.reserveJobIds(second.replay.lastJobId)
    const third = scheduler.addJob({ algorithm: 'md5', targets: [md5('z')], keyspace: rangeSpec(0, 10) }).job
    second.journal.recordJob(third, null)
    second.journal.recordCompleted('1', 7000n, 100)
    second.journal.close()
    const { replay } = await Journal.open(path, true)
    expect(replay.jobs.map((j) => j.id)).toEqual(['1', '2', '3'])
    expect(replay.jobs[0].completed).toContainEqual({ offset: 7000n, end: 7100n })
    expect(replay.warnings).toEqual([])
  })

  it('names a damaged line (checksum) or a bad record by file and line', async () => {
    const path = tempFile()
    await writeSession(path)
    const lines = readFileSync(path, 'utf8').split('\n')
    const at = lines.findIndex((l) => l.includes('"offset":"0"'))
    const damaged = [...lines]
    damaged[at] = damaged[at].replace('"offset":"0"', '"offset":"9"')
    writeFileSync(path, damaged.join('\n'))
    await expect(Journal.open(path, true)).rejects.toThrow(`session.journal:${at + 1}: damaged record (its checksum does not match)`)
    writeFileSync(path, [...lines.slice(0, at), record({ t: 'done', job: '1', offset: '999999', length: '2' }).trimEnd(), ...lines.slice(at)].join('\n'))
    await expect(Journal.open(path, true)).rejects.toThrow(`session.journal:${at + 1}: range 999999-1000001 is outside job 1's keyspace of 1000000`)
    writeFileSync(path, 'garbage\n')
    await expect(Journal.open(path, true)).rejects.toThrow(/session\.journal:1: damaged record/)
    writeFileSync(path, record({ t: 'session', version: 1 }))
    await expect(Journal.open(path, true)).rejects.toThrow(/:1: not a TaskOrchestrator session journal of version 2 or 3/)
  })

  it('keeps a hash list\'s user names, in batches, and drops a job whose users a crash cut short', async () => {
    const path = tempFile()
    const { journal } = await Journal.open(path, false)
    const targets = Array.from({ length: 3000 }, (_, i) => md5(String(i)))
    const users = Object.fromEntries(targets.map((t, i) => [t.toString('hex'), i % 2 ? [`user${i}`] : [`user${i}`, `twin${i}`]]))
    const job = new Scheduler().addJob({ algorithm: 'md5', targets, keyspace: rangeSpec(0, 1_000_000) }).job
    journal.recordJob(job, null, users)
    journal.close()
    expect(readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('"t":"users"'))).toHaveLength(3) // 4500 pairs
    const { replay } = await Journal.open(path, true)
    expect(replay.jobs[0].users).toEqual(users)
    // The same records, cut off inside the users: the job was never wholly recorded.
    const lines = readFileSync(path, 'utf8').split('\n')
    writeFileSync(path, lines.slice(0, lines.findIndex((l) => l.includes('"t":"users"')) + 1).join('\n') + '\n')
    const cut = await Journal.open(path, true)
    expect(cut.replay.jobs).toEqual([])
    expect(cut.replay.warnings.join()).toMatch(/dropped job 1, whose creation a crash cut short/)
  })

  it('reads a version 2 journal (no users)', async () => {
    const path = tempFile()
    writeFileSync(path, record({ t: 'session', version: 2 }) + record({ t: 'job', id: '1', algorithm: 'md5', keyspace: rangeSpec(0, 100), priority: 0, count: 1, targets: [hex('a')] }))
    const { replay } = await Journal.open(path, true)
    expect(replay.jobs.map((j) => [j.id, j.users])).toEqual([['1', {}]])
  })

  it('re-hashes results: one whose plaintext does not hash to its target is dropped, with a warning', async () => {
    const path = tempFile()
    await writeSession(path)
    appendFileSync(path, record({ t: 'found', job: '1', hash: hex('8'), plaintext: Buffer.from('9').toString('hex') }))
    const { journal, replay } = await Journal.open(path, true)
    journal.close()
    expect(replay.jobs[0].known.map((k) => k.hash)).not.toContain(hex('8'))
    expect(replay.warnings).toEqual([expect.stringMatching(/dropped a result for .* whose plaintext does not hash to it/)])
  })

  it('drops a job whose creation a crash cut short (a job record without all its targets)', async () => {
    const path = tempFile()
    await writeSession(path)
    const lines = readFileSync(path, 'utf8').split('\n')
    const jobLine = lines.findIndex((l) => l.includes('"t":"job","id":"1"'))
    // Keep job 1's first record and only its first targets record: the append was cut off there.
    writeFileSync(path, [lines[0], lines[jobLine], lines[jobLine + 1], ''].join('\n'))
    const { journal, replay } = await Journal.open(path, true)
    journal.close()
    expect(replay.jobs).toEqual([])
    expect(replay.warnings).toEqual([expect.stringMatching(/dropped job 1, whose creation a crash cut short/)])
  })

  it('never believes more than was written, whatever one flipped byte or a truncation does (fuzz)', async () => {
    const path = tempFile()
    await writeSession(path)
    const original = readFileSync(path)
    const truth = await replayJournal(path)
    const covered = (ranges: { offset: bigint, end: bigint }[], r: { offset: bigint, end: bigint }) => ranges.some((o) => o.offset <= r.offset && r.end <= o.end)
    await fc.assert(fc.asyncProperty(
      fc.nat(original.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(),
      async (at, flip, truncate) => {
        const bytes = Buffer.from(original)
        writeFileSync(path, truncate ? bytes.subarray(0, at) : (bytes[at] ^= flip, bytes))
        let replay
        try {
          replay = await replayJournal(path)
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError) // a clear error naming the line
          expect((error as Error).message).toMatch(/session file .*session\.journal/)
          return
        }
        // Or a safe recovery: a subset of what was written, nothing changed, nothing invented.
        for (const job of replay.jobs) {
          const real = truth.jobs.find((j) => j.id === job.id)!
          expect(real).toBeDefined()
          expect(job.targets).toEqual(real.targets)
          for (const r of job.completed) expect(covered(real.completed, r)).toBe(true)
          for (const k of job.known) expect(real.known).toContainEqual(k)
          if (job.ended) expect(job.ended).toBe(real.ended)
        }
      }
    ), { numRuns: 300 })
  })

  it('knows a wordlist job by its file\'s size and SHA-256', async () => {
    const path = tempFile()
    const words = { type: 'wordlist' as const, name: '/tmp/words.txt', size: '3' }
    writeFileSync(path, record({ t: 'session', version: 2 }) + record({ t: 'job', id: '1', algorithm: 'md5', keyspace: words, priority: 0, count: 1, targets: [hex('a')] }))
    await expect(Journal.open(path, true)).rejects.toThrow(/:2: a wordlist job without the size and SHA-256 of its file/)
    const source = { bytes: '6', sha256: 'ab'.repeat(32) }
    writeFileSync(path, record({ t: 'session', version: 2 }) + record({ t: 'job', id: '1', algorithm: 'md5', keyspace: words, priority: 0, count: 1, targets: [hex('a')], source }))
    const { journal, replay } = await Journal.open(path, true)
    journal.close()
    expect(replay.jobs[0].source).toEqual(source)
  })
})

describe('restoring a wordlist job', () => {
  it('goes on with the same wordlist and rule files, and refuses either once it has changed', async () => {
    const dir = tempDir('taskorch-restore-words-')
    const words = join(dir, 'words.txt')
    const rules = join(dir, 'my.rule')
    writeFileSync(words, 'alpha\nbeta\n')
    writeFileSync(rules, ':\n$1\n')
    const list = await Wordlist.open(words)
    const { specs } = await readRuleFiles([rules])
    const journaled: JournaledJob = {
      id: '1', algorithm: 'md5', targets: [md5('beta1')], priority: 0, source: list.source, users: {}, known: [], completed: [], ended: null,
      keyspace: { ...list.spec, rules: specs }
    }
    const orch = new Orchestrator({ token: TOKEN })
    const job = await orch.restoreTasks(journaled)
    expect(job.keyspaceSize).toBe(4n)
    job.cancel()
    writeFileSync(rules, ':\n$2\n')
    await expect(new Orchestrator({ token: TOKEN }).restoreTasks({ ...journaled, id: '2' })).rejects.toThrow(/cannot restore job 2: rule file .*my\.rule has changed since the session began/)
    writeFileSync(rules, ':\n$1\n')
    writeFileSync(words, 'alpha\ngamma\n')
    await expect(new Orchestrator({ token: TOKEN }).restoreTasks({ ...journaled, id: '3' })).rejects.toThrow(/cannot restore job 3: wordlist .*words\.txt has changed since the session began/)
  })

  it('goes on with a combinator\'s two lists, and refuses once its other list has changed', async () => {
    const dir = tempDir('taskorch-restore-combinator-')
    const [left, right] = [join(dir, 'left.txt'), join(dir, 'right.txt')]
    writeFileSync(left, 'alpha\nbeta\ngamma\n')
    writeFileSync(right, '1\n2\n')
    const orch = new Orchestrator({ token: TOKEN })
    const first = await orch.addTasks({ algorithm: 'md5', targets: [md5('gamma2')], keyspace: { type: 'wordlist', path: left, combinator: { path: right, right: '$!' } } })
    expect([first.keyspaceSize, first.keyspaceText]).toEqual([6n, `${left} + ${right} -k $!`])
    first.cancel()
    const base = await Wordlist.open(left)
    const other = await Wordlist.open(right)
    const journaled: JournaledJob = {
      id: '1', algorithm: 'md5', targets: [md5('beta1!')], priority: 0, source: base.source, users: {}, known: [], completed: [], ended: null,
      keyspace: { ...base.spec, combinator: { base: 'left', other: { name: other.path, size: other.words, file: other.file }, right: '$!' } }
    }
    const job = await new Orchestrator({ token: TOKEN }).restoreTasks(journaled)
    expect(job.keyspaceSize).toBe(6n)
    job.cancel()
    writeFileSync(right, '1\n3\n')
    await expect(new Orchestrator({ token: TOKEN }).restoreTasks({ ...journaled, id: '2' })).rejects.toThrow(/cannot restore job 2: wordlist .*right\.txt has changed since the session began/)
    // The smaller list by words travels with the job, unless only the other fits a message.
    writeFileSync(left, Array.from({ length: 7_000 }, (_, i) => `${i}`.padStart(240, 'x')).join('\n'))
    writeFileSync(right, Array.from({ length: 8_000 }, (_, i) => String(i)).join('\n'))
    const swapped = await orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'wordlist', path: left, combinator: { path: right } } })
    expect((swapped.state.keyspace.spec as WordlistSpec).combinator?.base).toBe('left')
    swapped.cancel()
    writeFileSync(right, Array.from({ length: 8_000 }, (_, i) => String(i).padStart(240, 'y')).join('\n'))
    await expect(orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'wordlist', path: left, combinator: { path: right } } })).rejects.toThrow(/-a 1: the smaller list, .*left\.txt, holds 7000 words \(1687000 bytes\); it travels with the job, so it may hold at most 1572864 bytes/)
  })
})
