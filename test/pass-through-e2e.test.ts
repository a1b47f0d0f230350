// A mode we have no kernel for (descrypt, -m 1500), passed through to hashcat workers: its list is
// read by a worker's hashcat before the job starts (a bad line named with hashcat's reason), its
// chunks go to hashcat workers only, and each find counts once another worker's hashcat has
// confirmed it, or, with one hashcat worker left, its own, marked as such. The hashes were made with
// crypt(3) (Python's crypt module) and are committed, so the test needs hashcat alone.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest'
import { Orchestrator } from '../server/index.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { COMMON_ARGS } from '../worker/hashcat/plan.ts'
import { cli, tempDir, TOKEN, within, workerArgs, type Run, HASHCAT } from './helpers.ts'

const execFileAsync = promisify(execFile)

// crypt(3) of each password (descrypt: two characters of salt, then eleven of digest).
const DESCRYPT = { ab12: 'LfJEW9xcJdBnk', zq07: 'ZPut4Qj2aPpqM', mx99: 'jNr8HxqE3vv/s', notinmask: 'TM8ZJQt4g2A8o' }
const MASK = { type: 'mask', mask: '?l?l?d?d' } as const
const MASK_SIZE = 26n * 26n * 100n

describe.skipIf(!HASHCAT)(`a mode we have no kernel for, on hashcat ${HASHCAT ?? '(skipped: hashcat is not installed)'}`, () => {
  let orch: Orchestrator
  const log: string[] = []
  const workers: Run[] = []
  beforeAll(async () => {
    // hashcat compiles descrypt's kernels on their first use (a mask for the search, a word for a
    // confirmation): done here, so the test's deadlines measure the fleet.
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-descrypt-warm-'))
    writeFileSync(join(dir, 'hashes'), `${DESCRYPT.notinmask}\n`)
    writeFileSync(join(dir, 'words'), 'a\n')
    for (const [i, run] of [['-a', '3', 'hashes', '?d'], ['-a', '0', 'hashes', 'words']].entries()) {
      await execFileAsync('hashcat', [...COMMON_ARGS, '--session', `taskorch-warm-${process.pid}-${i}`, '-m', '1500', ...run], { cwd: dir }).catch((error: { code?: number }) => {
        if (error.code !== 1) throw error // 1: exhausted
      })
    }
    rmSync(dir, { recursive: true, force: true })
    orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, scheduler: { hashcatChunkSeconds: 2, hashcatMinChunkSeconds: 1 } })
    orch.on('log', (_, line) => log.push(line))
    await orch.start()
  }, 600_000)
  afterAll(() => orch?.stop())
  beforeEach(() => { onTestFailed(() => { console.error([...log.slice(-200), ...workers.map((w) => w.stderr.slice(-5_000))].join('\n')) }) })

  function joinWorker (name: string, backend: 'hashcat' | 'wasm'): Promise<Run> {
    const joined = new Promise<void>((resolve) => {
      const on = (worker: { name: string }) => { if (worker.name === name) { orch.off('worker-joined', on); resolve() } }
      orch.on('worker-joined', on)
    })
    const [script, ...args] = workerArgs(orch.port, name)
    const run = cli(script, args, { TASKORCH_BACKEND: backend })
    workers.push(run)
    return within(60_000, joined, `worker ${name} joining`).then(() => run)
  }

  it('-m 1500: a bad line is named with hashcat\'s reason; the job runs on hashcat workers only, each find confirmed by the other one, or marked as its own when it is alone', async () => {
    // Without a hashcat worker, a submission that may not wait is refused, saying why.
    await expect(orch.addTasks({ algorithm: 'hashcat-1500', targets: [DESCRYPT.ab12], keyspace: MASK }, { waitForHashcat: false })).rejects.toThrow(/hashcat workers run it, and none is connected/)
    const wasm = await joinWorker('wasm', 'wasm')
    const first = await joinWorker('first', 'hashcat')
    const refused = await orch.addTasks({ algorithm: 'hashcat-1500', targets: [DESCRYPT.ab12, 'not a descrypt!', DESCRYPT.zq07], keyspace: MASK }).catch((error) => error)
    expect(refused).toBeInstanceOf(InvalidInputError)
    expect(refused.message).toMatch(/hashcat -m 1500 refused 1 of the 3 hash\(es\); remove them and submit again: "not a descrypt!" \(the 2nd distinct hash\): Token length exception/)

    const second = await joinWorker('second', 'hashcat')
    const job = await orch.addTasks({ algorithm: 'hashcat-1500', targets: [DESCRYPT.ab12, DESCRYPT.zq07, DESCRYPT.mx99, DESCRYPT.notinmask], keyspace: MASK })
    const outcome = await within(600_000, job.done, 'the descrypt job') // a hung job, not a slow one
    expect([outcome.status, job.hashed]).toEqual(['exhausted', MASK_SIZE])
    expect(outcome.found.map((f) => f.plaintext).sort()).toEqual(['ab12', 'mx99', 'zq07'])
    for (const found of outcome.found) {
      const finder = new RegExp(`^worker (\\S+) found ${found.hash.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(confirmed by worker (\\S+)'s hashcat\\)$`)
      const line = log.map((l) => finder.exec(l)).find(Boolean)
      expect(line, found.hash).toBeTruthy()
      expect(line![1]).not.toBe(line![2]) // another worker's hashcat confirmed it
      expect(found.confirmation).toEqual({ by: line![2], byFinder: false })
    }
    // From a wordlist: both hashcat workers fetch its words file before any chunk of it.
    const words = join(tempDir('taskorch-descrypt-'), 'words.txt')
    writeFileSync(words, ['zz00', 'ab12', 'qq11', ...Array.from({ length: 2_000 }, (_, i) => `w${i}`), 'zq07'].join('\n') + '\n')
    const fromList = await orch.addTasks({ algorithm: 'hashcat-1500', targets: [DESCRYPT.ab12, DESCRYPT.zq07, DESCRYPT.notinmask], keyspace: { type: 'wordlist', path: words } })
    const listed = await within(600_000, fromList.done, 'the descrypt wordlist job')
    expect([listed.status, fromList.hashed, listed.found.map((f) => f.plaintext).sort()]).toEqual(['exhausted', 2_004n, ['ab12', 'zq07']])
    expect(listed.found.every((f) => f.confirmation?.byFinder === false)).toBe(true)

    // The WASM worker, which cannot search it, was never handed a chunk of it.
    expect(log.filter((l) => l.startsWith('worker wasm ') && /chunk/.test(l))).toEqual([])
    expect(wasm.stderr).not.toMatch(/runs on hashcat only|failed, handed back/)

    // One hashcat worker left: it confirms its own find, and the result says so.
    const left = new Promise((resolve) => orch.once('worker-left', resolve))
    second.child.kill('SIGKILL')
    await within(30_000, left, 'the second worker gone')
    const alone = await orch.addTasks({ algorithm: 'hashcat-1500', targets: [DESCRYPT.mx99], keyspace: MASK })
    const aloneOutcome = await within(600_000, alone.done, 'the job of one hashcat worker')
    expect(aloneOutcome.found.map((f) => [f.plaintext, f.confirmation])).toEqual([['mx99', { by: 'first', byFinder: true }]])
    expect(log).toContain(`worker first found ${DESCRYPT.mx99} (confirmed by first's own hashcat only: no other hashcat worker was connected)`)
    expect(first.stderr).not.toMatch(/failed, handed back/)
  }, 900_000)
})
