import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../shared/algorithms.ts'
import { HashcatError } from '../shared/errors.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskRunAt } from '../shared/keyspace/runs.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { packTargets } from '../worker/search/salts.ts'
import { maskArgs } from '../worker/hashcat/plan.ts'
import { FileCache } from '../worker/files/cache.ts'
import { Orchestrator } from '../server/index.ts'
import { HashcatBackend, detectHashcat, type HashcatHit, type HashcatTimings } from '../worker/hashcat/backend.ts'
import { HASHCAT_FAILURES_TO_GIVE_UP, WorkerClient } from '../worker/client.ts'
import { eventually, hex, tempDir, TOKEN, within, WAIT_MS } from './helpers.ts'

const FAKE = fileURLToPath(new URL('./fake-hashcat.mjs', import.meta.url))
const TARGET = Uint8Array.from(Buffer.from('202cb962ac59075b964b07152d234b70', 'hex')) // md5("123")
const JOB = { id: '1', algorithm: 'md5' as const, targets: packTargets([TARGET], true) }
const KEYSPACE = keyspaceFrom(maskSpec('?d?d?d', []))
const RUN = [maskArgs('md5', maskRunAt(KEYSPACE, 0n, 1000n)!, 1000)!]

let backend: HashcatBackend | null = null
afterEach(() => {
  backend?.close()
  backend = null
  for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_HASHCAT')) delete process.env[key]
})

async function fake (mode: string, env: Record<string, string> = {}, timings: Partial<HashcatTimings> = {}) {
  Object.assign(process.env, { FAKE_HASHCAT: mode, FAKE_HASHCAT_TOTAL: '1000', ...env })
  backend = new HashcatBackend(await detectHashcat(FAKE), timings)
  const hits: HashcatHit[] = []
  return { hits, chunk: backend.run(JOB, async () => RUN, 1000, (hit) => hits.push(hit), RUN[0].kernel) }
}

describe('the hashcat backend, against a hashcat that misbehaves on request', () => {
  it('reads the version and devices, and says why a hashcat cannot be used', async () => {
    const info = await detectHashcat(FAKE)
    expect(info.version.text).toBe('v6.2.6')
    expect(info.devices[0]).toMatchObject({ type: 'CPU' })
    await expect(detectHashcat('/nonexistent/hashcat')).rejects.toThrow(HashcatError)
    await expect(detectHashcat('/nonexistent/hashcat')).rejects.toThrow(/not found/)
  })

  it('counts a chunk done at hashcat\'s exact count, after reporting its cracks', async () => {
    const { hits, chunk } = await fake('ok', { FAKE_HASHCAT_CRACK: `${toHex(TARGET)}:313233` })
    expect(await chunk.done).toEqual({ hashed: 1000, cancelled: false })
    expect(hits.map((h) => [toHex(h.hash), Buffer.from(h.plaintext).toString()])).toEqual([[toHex(TARGET), '123']])
  })

  it('fails a chunk, with the reason, on a crash, a short or different count, unreadable output or a crack that does not verify', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['crash', {}, /exited with code 255: clEnqueueNDRangeKernel\(\): CL_OUT_OF_RESOURCES/],
      ['short', {}, /ended at 999 of 1000 candidates/],
      ['ok', { FAKE_HASHCAT_TOTAL: '1001' }, /hashcat counts 1001 candidates in this run \(1 salt\(s\)\), we count 1000/],
      ['garbage', {}, /--status-json output: not a JSON object: "Watchdog/],
      ['ok', { FAKE_HASHCAT_CRACK: `${'00'.repeat(16)}:313233` }, /reported "0{32}:313233", which does not verify/]
    ]
    for (const [mode, env, why] of cases) {
      const { chunk } = await fake(mode, env)
      const outcome = await chunk.done
      expect(outcome.cancelled).toBe(false)
      expect(`${mode} ${JSON.stringify(env)}: ${outcome.failure}`).toMatch(why)
      backend!.close()
    }
  })

  it('fails a chunk whose hashcat stops printing status lines, and kills it', async () => {
    const pidFile = join(tempDir('taskorch-fake-'), 'pid')
    const { chunk } = await fake('hang', { FAKE_HASHCAT_PIDFILE: pidFile }, { statusMs: 300 })
    expect((await chunk.done).failure).toMatch(/printed no status for 0.3 s/)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await eventually(() => !alive(pid), WAIT_MS, 'the hung hashcat to be killed')
  })

  it('fails a chunk whose hashcat is killed (kill -9), and cancels one promptly', async () => {
    const pidFile = join(tempDir('taskorch-fake-'), 'pid')
    const killed = await fake('stream', { FAKE_HASHCAT_PIDFILE: pidFile })
    await eventually(() => killed.chunk.hashed() > 0, WAIT_MS, 'progress')
    process.kill(Number(readFileSync(pidFile, 'utf8').trim().split('\n').at(-1)), 'SIGKILL')
    expect((await killed.chunk.done).failure).toMatch(/killed by SIGKILL/)
    backend!.close()

    const cancelled = await fake('stream', { FAKE_HASHCAT_PIDFILE: pidFile })
    await eventually(() => cancelled.chunk.hashed() > 0, WAIT_MS, 'progress')
    const pid = Number(readFileSync(pidFile, 'utf8').trim().split('\n').at(-1))
    const started = Date.now()
    cancelled.chunk.cancel()
    expect((await cancelled.chunk.done).cancelled).toBe(true)
    // The fake streams for ever: stopping at all proves the cancel; the bound leaves room for a busy machine.
    await eventually(() => !alive(pid), 5_000, 'hashcat to stop')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('runs a second chunk beside the first once hashcat has started, never a third, and removes its files on close', async () => {
    const pidFile = join(tempDir('taskorch-fake-'), 'pids')
    const first = await fake('stream', { FAKE_HASHCAT_PIDFILE: pidFile })
    const second = backend!.run(JOB, async () => RUN, 1000, () => {}, RUN[0].kernel)
    const third = backend!.run(JOB, async () => RUN, 1000, () => {}, RUN[0].kernel)
    await eventually(() => first.chunk.hashed() > 0 && second.hashed() > 0, WAIT_MS, 'two chunks running at once')
    expect(readFileSync(pidFile, 'utf8').trim().split('\n')).toHaveLength(2)
    first.chunk.cancel()
    await eventually(() => third.hashed() > 0, WAIT_MS, 'the third chunk starting when the first ends')
    second.cancel()
    third.cancel()
    for (const chunk of [first.chunk, second, third]) expect((await chunk.done).cancelled).toBe(true)
    const dir = backend!.dir
    expect(existsSync(join(dir, `targets-${JOB.targets.id}.hashes`))).toBe(true)
    backend!.close()
    expect(existsSync(dir)).toBe(false)
  })

  it('names its files by nothing the server sends: a job id that climbs out of its directory writes nothing there', async () => {
    const victim = join(tempDir('taskorch-victim-'), 'victim')
    const first = await fake('stream')
    await eventually(() => first.chunk.hashed() > 0, WAIT_MS, 'the first chunk running')
    const targets = packTargets([TARGET], true)
    const chunk = backend!.run({ ...JOB, id: `/../../../../../../../..${victim}`, targets }, async () => RUN, 1000, () => {}, RUN[0].kernel)
    await eventually(() => chunk.hashed() > 0, WAIT_MS, 'the second chunk running')
    first.chunk.cancel()
    chunk.cancel()
    expect(existsSync(`${victim}.hashes`)).toBe(false)
    expect(readdirSync(backend!.dir).filter((f) => f.endsWith('.hashes')).sort()).toEqual([`targets-${JOB.targets.id}.hashes`, `targets-${targets.id}.hashes`].sort())
  })
})

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('a worker whose hashcat keeps failing', () => {
  it('hands each chunk back with the reason, then goes on with the WASM kernels; the job still ends exactly', async () => {
    Object.assign(process.env, { FAKE_HASHCAT: 'crash' })
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, scheduler: { assumedHashcatSpeed: 100_000_000, hashcatChunkSeconds: 1 } })
    await orch.start()
    const serverLog: string[] = []
    orch.on('log', (_, line) => serverLog.push(line))
    const client = new WorkerClient({ host: '127.0.0.1', port: orch.port, token: TOKEN, name: 'flaky', cores: 1, threads: 1, reconnectInitialMs: 20, hashcat: new HashcatBackend(await detectHashcat(FAKE)) })
    const workerLog: string[] = []
    client.on('log', (_, line) => workerLog.push(line))
    void client.start()
    try {
      const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', '12345678'), hex('md5', 'none')], keyspace: { type: 'mask', mask: '?d'.repeat(8) } })
      const outcome = await within(60_000, job.done, 'the job')
      expect(outcome.status).toBe('exhausted')
      expect(job.hashed).toBe(100_000_000n)
      expect(outcome.found.map((f) => f.plaintext)).toEqual(['12345678'])
      // The first failure is logged; the next ones within the minute are counted, not logged, and
      // each makes the worker wait longer before its next chunk.
      expect(serverLog.filter((l) => /worker flaky could not finish chunk \S+, handed out again: hashcat exited with code 255: clEnqueueNDRangeKernel.*; it gets no work for 1 s/.test(l))).toHaveLength(1)
      expect(workerLog).toContainEqual(expect.stringMatching(new RegExp(`hashcat failed ${HASHCAT_FAILURES_TO_GIVE_UP} chunks in a row \\(the last: hashcat exited with code 255.*\\); going on with the WASM kernels only`)))
      expect(serverLog).toContainEqual(expect.stringMatching(/worker flaky joined .*, wasm\)/))
    } finally {
      await client.stop()
      await orch.stop()
    }
  }, 90_000)
})

// A wordlist job's words reach a hashcat worker once, as a file in its cache: fetched over the
// session, resumed where an earlier download stopped, checked, and used again by a restarted worker
// without a byte sent. The fake hashcat counts as -a 0 over the cached file does (-s/-l words).
describe('a hashcat worker\'s words files', () => {
  it('fetches a list once, resuming a partial download, and searches whole words of it; restarted, it starts on the cached list at once', async () => {
    Object.assign(process.env, { FAKE_HASHCAT: 'words', FAKE_HASHCAT_PER_WORD: '2' })
    const dir = tempDir('taskorch-words-cache-')
    const words = Array.from({ length: 30_000 }, (_, i) => `w${i}`)
    const list = join(dir, 'words.txt')
    writeFileSync(list, words.join('\r\n') + '\r\n\r\n') // CRLF and an empty line: the file is the words alone
    const rules = join(dir, 'two.rule')
    writeFileSync(rules, ':\nu\n')
    const cacheDir = join(dir, 'cache')
    const normal = Buffer.from(words.join('\n') + '\n')
    const sha256 = createHash('sha256').update(normal).digest('hex')
    // An earlier download stopped in the middle of a word.
    new FileCache(cacheDir)
    writeFileSync(join(cacheDir, `${sha256}.part`), normal.subarray(0, 40_000))
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, verifyWork: false, scheduler: { hashcatMinRun: 1, assumedHashcatSpeed: 20_000, hashcatChunkSeconds: 1, hashcatMinChunkSeconds: 1 } })
    await orch.start()
    const start = (log: string[]) => {
      const client = new WorkerClient({ host: '127.0.0.1', port: orch.port, token: TOKEN, name: 'gpu', cores: 1, threads: 1, hashcat: new HashcatBackend(info), cache: new FileCache(cacheDir) })
      client.on('log', (_, line) => log.push(line))
      void client.start()
      return client
    }
    const info = await detectHashcat(FAKE)
    const pids = join(dir, 'pids')
    process.env.FAKE_HASHCAT_PIDFILE = pids
    try {
      const firstLog: string[] = []
      const first = start(firstLog)
      const job = await orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'not a word')], keyspace: { type: 'wordlist', path: list, rules: [rules] } })
      const outcome = await within(60_000, job.done, 'the first job')
      expect([outcome.status, job.hashed]).toEqual(['exhausted', 60_000n])
      const resumed = Buffer.from(normal.subarray(0, 40_000)).toString('latin1').split('\n').length - 1
      expect(firstLog).toContainEqual(`fetching the words of job 1 (30000 words, ${normal.length} bytes, resuming at word ${resumed}) for hashcat`)
      expect(readFileSync(join(cacheDir, sha256))).toEqual(normal)
      await eventually(() => existsSync(pids), WAIT_MS, 'hashcat to search words of the file')
      await first.stop()

      const secondLog: string[] = []
      const second = start(secondLog)
      const runsBefore = readFileSync(pids, 'utf8').split('\n').length
      const again = await orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'not a word')], keyspace: { type: 'wordlist', path: list, rules: [rules] } })
      expect((await within(60_000, again.done, 'the second job')).status).toBe('exhausted')
      expect(again.hashed).toBe(60_000n)
      // All of it from the cached file: no fetch, and hashcat ran.
      expect(secondLog.filter((l) => /fetching the words/.test(l))).toEqual([])
      expect(readFileSync(pids, 'utf8').split('\n').length).toBeGreaterThan(runsBefore)
      await second.stop()
    } finally {
      await orch.stop()
    }
  }, 120_000)

  it('searches a job whose rules hashcat does not all take on its WASM kernels, from the cached file, exactly', async () => {
    // hashcat that applies one rule of the job's two (as it skips those its device cannot run).
    Object.assign(process.env, { FAKE_HASHCAT: 'words', FAKE_HASHCAT_PER_WORD: '1' })
    const dir = tempDir('taskorch-words-cache-')
    const list = join(dir, 'words.txt')
    writeFileSync(list, Array.from({ length: 3000 }, (_, i) => `w${i}`).join('\n'))
    const rules = join(dir, 'two.rule')
    writeFileSync(rules, ':\nu\n')
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, verifyWork: false, scheduler: { hashcatMinRun: 1, assumedHashcatSpeed: 2_000, hashcatChunkSeconds: 1, hashcatMinChunkSeconds: 1 } })
    await orch.start()
    const client = new WorkerClient({ host: '127.0.0.1', port: orch.port, token: TOKEN, name: 'gpu', cores: 1, threads: 1, hashcat: new HashcatBackend(await detectHashcat(FAKE)), cache: new FileCache(join(dir, 'cache')) })
    const log: string[] = []
    client.on('log', (_, line) => log.push(line))
    void client.start()
    try {
      const job = await orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'W2999'), hex('md5', 'not a word')], keyspace: { type: 'wordlist', path: list, rules: [rules] } })
      const outcome = await within(60_000, job.done, 'the job')
      expect([outcome.status, job.hashed]).toEqual(['exhausted', 6_000n])
      expect(outcome.found.map((f) => f.plaintext)).toEqual(['W2999'])
      expect(log).toContainEqual('job 1: hashcat applies 1 of its 2 rules (it skips those its device cannot run); its words are searched on the WASM kernels')
      expect(log.filter((l) => /hashcat searches whole words/.test(l))).toEqual([])
    } finally {
      await client.stop()
      await orch.stop()
    }
  }, 120_000)
})
