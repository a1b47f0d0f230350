// Nothing found is ever lost: a disk that fills up (an injected writer throwing ENOSPC) pauses the
// jobs, keeps every result in memory and announces it, blames no worker, and writes it all, in
// order, once the disk accepts writes again. Plus the other ways the data path used to lose things.
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { spawnSync } from 'node:child_process'
import { InvalidInputError, StoreError } from '../shared/errors.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { AppendFile, type FileIO } from '../server/store/append-file.ts'
import { Journal, replayJournal } from '../server/store/journal.ts'
import { Potfile } from '../server/store/potfile.ts'
import { SessionLock } from '../server/store/session-lock.ts'
import { TOKEN, eventually, scriptedWorker, tempDir, within, WAIT_MS } from './helpers.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const hex = (text: string) => md5(text).toString('hex')

// A disk that can be filled and emptied at will.
function disk () {
  const state = { full: false, refused: 0 }
  const io: FileIO = {
    writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
      if (state.full) {
        state.refused++
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      }
      return (fs.writeSync as (...a: unknown[]) => number)(...args)
    }) as typeof fs.writeSync,
    fsyncSync: fs.fsyncSync,
    ftruncateSync: fs.ftruncateSync
  }
  return { state, io }
}

const cleanup: (() => unknown)[] = []
afterEach(async () => { for (const step of cleanup.splice(0).reverse()) await step() })

async function server (io: FileIO) {
  const dir = tempDir('taskorch-faults-')
  const potfile = await Potfile.open(join(dir, 'pot'), { io })
  const session = await Journal.open(join(dir, 'session'), false, io)
  // Its scripted workers answer DONE without searching: work verification would rightly catch them.
  const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0, potfile, journal: { journal: session.journal, lastJobId: 0 }, storeRetryMs: 20, verifyWork: false })
  await orch.start()
  cleanup.push(() => { potfile.close(); session.journal.close() })
  cleanup.push(() => orch.stop())
  const left: string[] = []
  orch.on('worker-left', (w, why) => left.push(`${w.name}: ${why}`))
  return { orch, potfile: join(dir, 'pot'), journal: join(dir, 'session'), left }
}

describe('a full disk', () => {
  it('pauses jobs, keeps and announces the result, blames no worker, and writes it all when space returns', async () => {
    const { state, io } = disk()
    const { orch, potfile, journal, left } = await server(io)
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('5'), md5('never')], keyspace: { type: 'range', start: 0, end: 10n ** 12n } })
    const worker = await scriptedWorker(orch.port, 'steady')
    const task = await worker.take('task')
    const announced: string[] = []
    orch.on('found', (_job, f) => announced.push(`${f.hash}:${f.plaintext}`))

    state.full = true
    const failed = once(orch, 'store-failed')
    worker.session.send({ type: 'found', jobId: job.id, hash: md5('5'), plaintext: Buffer.from('5') })
    const [error] = await within(WAIT_MS, failed, 'store-failed')
    expect(error.message).toMatch(/cannot write .*pot: ENOSPC/)
    expect(job.status).toBe('paused')
    expect(announced).toEqual([`${hex('5')}:5`]) // reported all the same: the user has it
    expect(job.state.found.map((f) => f.hash)).toEqual([hex('5')])
    // A DONE while the journal cannot take it: counted, and the worker is not blamed.
    worker.session.send({ type: 'done', chunkId: task.chunkId, hashed: task.length })
    await eventually(() => job.hashed === BigInt(task.length), WAIT_MS, 'the DONE counted')
    expect(worker.session.closed).toBe(false)
    expect(left).toEqual([])
    expect(fs.readFileSync(potfile, 'utf8')).toBe('')

    state.full = false
    await within(WAIT_MS, once(orch, 'store-recovered'), 'store-recovered')
    expect(job.status).toBe('running')
    expect(fs.readFileSync(potfile, 'utf8')).toBe(`${hex('5')}:5\n`)
    const replay = await replayJournal(journal)
    expect(replay.jobs[0].known.map((k) => k.hash)).toEqual([hex('5')])
    expect(replay.jobs[0].completed).toEqual([{ offset: BigInt(task.offset), end: BigInt(task.offset) + BigInt(task.length) }])
    expect(state.refused).toBeGreaterThan(0)
    job.cancel()
  })

  // A find on a full disk used to end the job at once, and a server with --exit-when-done exited 0
  // with the result unwritten.
  it('keeps a job whose last result is not written yet open until it is', async () => {
    const { state, io } = disk()
    const { orch, potfile } = await server(io)
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('5')], keyspace: { type: 'range', start: 0, end: 10n ** 12n } })
    const worker = await scriptedWorker(orch.port, 'finder')
    await worker.take('task')
    let ended = false
    void job.done.then(() => { ended = true })
    state.full = true
    const failed = once(orch, 'store-failed')
    const found = once(orch, 'found')
    worker.session.send({ type: 'found', jobId: job.id, hash: md5('5'), plaintext: Buffer.from('5') })
    await within(WAIT_MS, Promise.all([failed, found]), 'the find, and the disk refusing it')
    await new Promise((resolve) => setImmediate(resolve))
    expect(ended).toBe(false)
    expect(orch.unwrittenResults).toBe(1)
    state.full = false
    expect((await within(WAIT_MS, job.done, 'the job ending once the result is written')).status).toBe('found')
    expect(fs.readFileSync(potfile, 'utf8')).toBe(`${hex('5')}:5\n`)
    expect(orch.unwrittenResults).toBe(0)
  })

  it('still ends a job on its last DONE, and records the end once the journal can take it', async () => {
    const { state, io } = disk()
    const { orch, journal, left } = await server(io)
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('absent')], keyspace: { type: 'range', start: 0, end: 500 } })
    const worker = await scriptedWorker(orch.port, 'last')
    const task = await worker.take('task')
    expect(task.length).toBe(500)
    state.full = true
    worker.session.send({ type: 'done', chunkId: task.chunkId, hashed: 500 })
    expect((await within(WAIT_MS, job.done, 'job end')).status).toBe('exhausted')
    expect(left).toEqual([])
    state.full = false
    await within(WAIT_MS, once(orch, 'store-recovered'), 'store-recovered')
    expect((await replayJournal(journal)).jobs[0]).toMatchObject({ ended: 'exhausted', completed: [{ offset: 0n, end: 500n }] })
  })
})

describe('a disk that writes a few bytes at a time', () => {
  it('still gets every byte of every record: short writes are continued', async () => {
    const dir = tempDir('taskorch-short-')
    const io: FileIO = {
      writeSync: ((fd: number, buffer: Uint8Array, offset: number, length: number) => fs.writeSync(fd, buffer, offset, Math.min(length, 5))) as typeof fs.writeSync,
      fsyncSync: fs.fsyncSync,
      ftruncateSync: fs.ftruncateSync
    }
    const potfile = await Potfile.open(join(dir, 'pot'), { io })
    potfile.append(hex('a long enough plaintext'), Buffer.from('a long enough plaintext'))
    potfile.close()
    expect(fs.readFileSync(join(dir, 'pot'), 'utf8')).toBe(`${hex('a long enough plaintext')}:a long enough plaintext\n`)
    const { journal } = await Journal.open(join(dir, 'session'), false, io)
    journal.close()
    expect((await replayJournal(join(dir, 'session'))).jobs).toEqual([]) // the header arrived whole
  })
})

describe('an append in pieces', () => {
  it('is written whole or not at all: a disk filling up in its last piece leaves the file as it was', () => {
    const path = join(tempDir('taskorch-pieces-'), 'file')
    let writes = 0
    let failAt = 3
    const io: FileIO = {
      writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
        if (++writes === failAt) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' })
        return (fs.writeSync as (...a: unknown[]) => number)(...args)
      }) as typeof fs.writeSync,
      fsyncSync: fs.fsyncSync,
      ftruncateSync: fs.ftruncateSync
    }
    const file = new AppendFile(path, io)
    file.append('first\n')
    expect(() => file.append(['a\n', 'b\n', 'c\n'])).toThrow(StoreError)
    expect(fs.readFileSync(path, 'utf8')).toBe('first\n')
    failAt = 0
    file.append(['a\n', 'b\n', 'c\n'])
    file.append('last\n')
    file.close()
    expect(fs.readFileSync(path, 'utf8')).toBe('first\na\nb\nc\nlast\n')
  })
})

describe('sessions and jobs', () => {
  it('gives a job added after a restore a new id, not that of a job that had ended', async () => {
    const path = join(tempDir('taskorch-ids-'), 'session')
    const first = await Journal.open(path, false)
    const before = new Orchestrator({ token: TOKEN, journal: { journal: first.journal, lastJobId: 0 } })
    const ended = before.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'range', start: 0, end: 1000 } })
    ended.cancel()
    await ended.done
    first.journal.close()

    const second = await Journal.open(path, true)
    const after = new Orchestrator({ token: TOKEN, journal: { journal: second.journal, lastJobId: second.replay.lastJobId } })
    const fresh = after.addTasks({ algorithm: 'md5', targets: [md5('y')], keyspace: { type: 'range', start: 0, end: 10 } })
    expect(fresh.id).toBe('2')
    fresh.cancel()
    await fresh.done
    second.journal.close()
    const { jobs } = await replayJournal(path)
    expect(jobs.map((j) => [j.id, j.targets.map((t) => Buffer.from(t).toString('hex')), j.ended])).toEqual([['1', [hex('x')], 'cancelled'], ['2', [hex('y')], 'cancelled']])
  })

  it('leaves the jobs of a stopped server to --restore: stopping is not cancelling', async () => {
    const path = join(tempDir('taskorch-stop-'), 'session')
    const { journal } = await Journal.open(path, false)
    const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0, journal: { journal, lastJobId: 0 } })
    await orch.start()
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'range', start: 0, end: 1000 } })
    const cancelled = orch.addTasks({ algorithm: 'md5', targets: [md5('y')], keyspace: { type: 'range', start: 0, end: 1000 } })
    cancelled.cancel() // by the user: recorded
    await orch.stop()
    expect((await job.done).status).toBe('cancelled') // for the library, the job is over
    journal.close()
    expect((await replayJournal(path)).jobs.map((j) => [j.id, j.ended])).toEqual([['1', null], ['2', 'cancelled']])
  })

  it('refuses a priority its own journal could not restore', () => {
    const orch = new Orchestrator({ token: TOKEN })
    for (const priority of [1.5, -1, 2_000_000, '10', ' 7 ', [5]]) {
      expect(() => orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'range', start: 0, end: 10 }, priority: priority as number }), String(priority)).toThrow(InvalidInputError)
    }
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('x')], keyspace: { type: 'range', start: 0, end: 10 }, priority: 7 })
    expect(job.state.priority).toBe(7)
    job.cancel()
  })
})

describe('potfile parsing (fuzz)', () => {
  it('loads any bytes without crashing, and reads every result line at its colons', async () => {
    const dir = tempDir('taskorch-potfuzz-')
    let n = 0
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.constantFrom(`${hex('a')}:a\n`, `${hex('b')}:$HEX[62]\n`, 'x:y\n', ':\n', '$HEX[zz]\n')), async (noise, lines) => {
      const path = join(dir, `pot${n++}`)
      fs.writeFileSync(path, Buffer.concat([Buffer.from(lines.join('')), Buffer.from(noise)]))
      const potfile = await Potfile.open(path)
      for (const line of lines) {
        if (line.startsWith(hex('a'))) expect(potfile.plaintexts(hex('a')).map((p) => Buffer.from(p).toString())).toContain('a')
        if (line.startsWith(hex('b'))) expect(potfile.plaintexts(hex('b')).map((p) => Buffer.from(p).toString())).toContain('b')
      }
      // Any tool's line is read (a lookup verifies before it trusts), a line without a hash is not.
      expect(potfile.plaintexts('x').map((p) => Buffer.from(p).toString())).toEqual(lines.includes('x:y\n') ? expect.arrayContaining(['y']) : expect.anything())
      expect(potfile.plaintexts('')).toEqual([])
      potfile.close()
    }), { numRuns: 100 })
  })
})

// In a directory others can write to, a link planted where the server writes must not make it write
// targets and plaintexts somewhere else.
describe('symbolic links', () => {
  it('a --restore does not write its compacted journal through a link planted at the temporary name', async () => {
    const dir = tempDir('taskorch-links-')
    const path = join(dir, 's.journal')
    const created = await Journal.open(path, false)
    created.journal.close()
    const loot = join(dir, 'loot')
    fs.writeFileSync(loot, 'mine\n')
    fs.symlinkSync(loot, `${path}.rewrite`)
    const restored = await Journal.open(path, true)
    restored.journal.close()
    expect(fs.readFileSync(loot, 'utf8')).toBe('mine\n')
    expect(fs.lstatSync(path).isSymbolicLink()).toBe(false)
  })

  it('refuses a session journal or a potfile that is a link, naming it', async () => {
    const dir = tempDir('taskorch-links-')
    const loot = join(dir, 'loot')
    fs.writeFileSync(loot, '')
    const journal = join(dir, 's.journal')
    const potfile = join(dir, 'pot')
    fs.symlinkSync(loot, journal)
    fs.symlinkSync(loot, potfile)
    await expect(Journal.open(journal, true)).rejects.toThrow(new RegExp(`session file ${journal}: it is a symbolic link`))
    await expect(Potfile.open(potfile)).rejects.toThrow(new RegExp(`potfile ${potfile}: it is a symbolic link`))
    expect(fs.readFileSync(loot, 'utf8')).toBe('')
  })
})

describe('the session lock', () => {
  it('refuses a live holder and another machine\'s, takes over a dead process\'s, and is gone once released', () => {
    const dir = tempDir('taskorch-lock-')
    const journal = join(dir, 's.journal')
    const lock = SessionLock.acquire(journal, () => {})
    expect(() => SessionLock.acquire(journal, () => {})).toThrow(new RegExp(`in use by process ${process.pid} on ${hostname()}`))
    lock.release()
    expect(fs.existsSync(`${journal}.lock`)).toBe(false)

    fs.writeFileSync(`${journal}.lock`, JSON.stringify({ pid: process.pid, host: 'elsewhere', since: 'then' }))
    expect(() => SessionLock.acquire(journal, () => {})).toThrow(/in use by process \d+ on elsewhere \(since then\).*If no server runs there, remove the lock/)
    fs.writeFileSync(`${journal}.lock`, 'half a line')
    expect(() => SessionLock.acquire(journal, () => {})).toThrow(/is there but unreadable/)

    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    fs.writeFileSync(`${journal}.lock`, JSON.stringify({ pid: dead, host: hostname(), since: 'then' }))
    const warnings: string[] = []
    SessionLock.acquire(journal, (w) => warnings.push(w)).release()
    expect(warnings).toEqual([`session lock ${journal}.lock: process ${dead}, which held it, is gone; taking it over`])
  })
})
