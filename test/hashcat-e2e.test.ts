// A mixed fleet on loopback: one worker process searching through the real hashcat, one on the WASM
// kernels, sharing a mask job and a decimal-range job; hashcat killed (kill -9) mid-chunk. Skipped,
// saying so, where hashcat is not installed (.ci/run installs it when it can).
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed, onTestFinished } from 'vitest'
import { Orchestrator } from '../server/index.ts'
import { candidateAt, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { COMMON_ARGS } from '../worker/hashcat/plan.ts'
import { formatTarget } from '../shared/algorithms.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import { cli, eventually, hex, referenceDigest, seededRandom, TOKEN, within, workerArgs, type Run, WAIT_MS, HASHCAT } from './helpers.ts'

// A sha512crypt target (digest, rounds, salt) and its line, from the scalar reference.
function cryptTarget (plaintext: string, salt: string): Uint8Array {
  return Buffer.concat([digestOf('sha512crypt', Buffer.from(plaintext), Buffer.from(salt), 5000), Buffer.from([0, 0, 0x13, 0x88]), Buffer.from(salt)])
}
const sha512crypt = (plaintext: string, salt: string) => formatTarget('sha512crypt', cryptTarget(plaintext, salt))

const execFileAsync = promisify(execFile)

function startWorker (port: number, name: string, env: Record<string, string>): Run {
  const [script, ...args] = workerArgs(port, name)
  const run = cli(script, args, env)
  return run
}

// The hashcat processes a worker process started (their session names carry its pid).
function hashcatPids (worker: Run): number[] {
  try {
    return execFileSync('pgrep', ['-f', `session taskorch-${worker.child.pid}-`]).toString().trim().split('\n').map(Number)
  } catch {
    return []
  }
}

describe.skipIf(!HASHCAT)(`a mixed fleet with hashcat ${HASHCAT ?? '(skipped: hashcat is not installed)'}`, () => {
  let orch: Orchestrator
  // The workers seen searching while jobs ran (an idle worker's speed is 0).
  function searchers (): Set<string> {
    const seen = new Set<string>()
    const look = () => { for (const worker of orch.workers) if (worker.speed > 0) seen.add(worker.name) }
    orch.on('job-progress', look)
    onTestFinished(() => { orch.off('job-progress', look) })
    return seen
  }
  const log: string[] = []
  beforeAll(async () => {
    // hashcat compiles its MD5 mask kernel on its first run on a machine (half a minute on this CPU
    // idle, minutes when busy) and caches it: do that here, with time to spare, so the test's own
    // deadlines measure the fleet, not the compiler.
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-hashcat-warm-'))
    // One hash and two: hashcat has a single-hash kernel and a multi-hash one (work verification's
    // canaries make most runs multi-hash).
    writeFileSync(join(dir, 'h1'), hex('md5', 'not in the mask') + '\n')
    writeFileSync(join(dir, 'h2'), hex('md5', 'not in the mask') + '\n' + hex('md5', 'nor this') + '\n')
    // And the salted and crypt kernels the last test uses (pure kernels, salts in hex).
    writeFileSync(join(dir, 's1'), `${hex('md5', 'x')}:3a0a\n`)
    writeFileSync(join(dir, 's2'), `${hex('md5', 'x')}:3a0a\n${hex('md5', 'y')}:ff\n`)
    writeFileSync(join(dir, 'c2'), [sha512crypt('x', 'warmA'), sha512crypt('y', 'warmB')].join('\n') + '\n')
    const runs = [['h1', '-m', '0', '-O'], ['h2', '-m', '0', '-O'], ['s1', '-m', '10', '--hex-salt'], ['s2', '-m', '10', '--hex-salt'], ['c2', '-m', '1800']]
    for (const [file, ...mode] of runs) {
      await execFileAsync('hashcat', [...COMMON_ARGS, '--session', `taskorch-warm-${process.pid}-${file}`, ...mode, '-a', '3', join(dir, file), '?d'], { cwd: dir })
        .catch((error: { code?: number }) => { if (error.code !== 1) throw error }) // 1: exhausted
    }
    rmSync(dir, { recursive: true, force: true })
    // Short hashcat chunks, so both workers get a share of small jobs and hashcat starts several times.
    orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, scheduler: { hashcatChunkSeconds: 3, hashcatMinChunkSeconds: 1, assumedHashcatSpeed: 50_000_000 } })
    orch.on('log', (_, line) => log.push(line))
    await orch.start()
  }, 600_000)
  afterAll(() => orch.stop())
  // The server's log says what the fleet did: shown when a test here fails.
  beforeEach(() => { onTestFailed(() => { console.error(log.slice(-200).join('\n')) }) })

  it('shares a mask job and a range job, finds every planted target, counts exactly, and requeues a killed hashcat\'s chunk', async () => {
    const searched = searchers()
    const joined = new Promise<void>((resolve) => { let n = 0; orch.on('worker-joined', () => { if (++n === 3) resolve() }) })
    const gpu = startWorker(orch.port, 'hashcat', { TASKORCH_BACKEND: 'hashcat' })
    startWorker(orch.port, 'wasm', { TASKORCH_BACKEND: 'wasm' })
    const fallback = startWorker(orch.port, 'fallback', { TASKORCH_BACKEND: 'auto', TASKORCH_HASHCAT: '/nonexistent/hashcat' })
    await within(60_000, joined, 'three workers joining')
    expect(fallback.stderr.match(/no usable hashcat \(cannot run \/nonexistent\/hashcat --version: not found\): searching with the WASM kernels/g)).toHaveLength(1)
    fallback.child.kill('SIGKILL') // a third worker would leave the other two little to share
    expect(log.some((l) => /worker hashcat joined .*hashcat v6\.\d+\.\d+ on /.test(l))).toBe(true)

    const random = seededRandom()
    // Long enough (1e9 candidates) that hashcat is still running when it is killed.
    const spec = maskSpec('?1' + '?d'.repeat(8), ['0123456789'])
    const mask = keyspaceFrom(spec)
    const planted = Array.from({ length: 4 }, () => Buffer.from(candidateAt(mask, BigInt(Math.floor(random() * Number(mask.size))))).toString())
    // One target outside the keyspace keeps the job going to its end, so its count is checked whole.
    const maskJob = orch.addTasks({ algorithm: 'md5', targets: [...planted, 'not a digit'].map((p) => hex('md5', p)), keyspace: spec })

    // kill -9 the hashcat process once the hashcat worker has reported progress.
    await eventually(() => orch.workers.find((w) => w.name === 'hashcat' && w.speed > 0), 120_000, 'hashcat progress')
    const pids = await eventually(() => { const running = hashcatPids(gpu); return running.length > 0 ? running : null }, 30_000, 'a running hashcat')
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    await eventually(() => log.find((l) => /worker hashcat could not finish chunk \S+(, handed out again)?: hashcat was killed by SIGKILL/.test(l)), WAIT_MS, 'the killed chunk handed back')

    const maskOutcome = await within(120_000, maskJob.done, 'the mask job')
    expect(maskOutcome.status).toBe('exhausted')
    expect(maskJob.hashed).toBe(1_000_000_000n)
    expect(maskOutcome.found.map((f) => f.plaintext).sort()).toEqual([...planted].sort())

    const numbers = [99_999_999, 100_000_000, 250_000_000, 300_000_016].map(String)
    const rangeJob = orch.addTasks({ algorithm: 'md5', targets: [...numbers, 'x'].map((p) => hex('md5', p)), keyspace: { type: 'range', start: 99_999_999, end: 300_000_017 } })
    const rangeOutcome = await within(120_000, rangeJob.done, 'the range job')
    expect(rangeOutcome.status).toBe('exhausted')
    expect(rangeJob.hashed).toBe(300_000_017n - 99_999_999n)
    expect(rangeOutcome.found.map((f) => f.plaintext).sort()).toEqual([...numbers].sort())
    for (const name of ['hashcat', 'wasm']) expect(searched, `${name} searched`).toContain(name)
  }, 600_000)

  // Salted and crypt targets go to hashcat as its own modes: salts in hex (--hex-salt), so a colon,
  // a newline or any byte is written exactly; sha512crypt runs at hashcat's speed, not WASM's 1/100.
  it('searches a salted job (salts holding a colon, a newline, 0xff) and a sha512crypt job on hashcat beside WASM: exact counts, all found', async () => {
    const searched = searchers()
    const joined = new Promise<void>((resolve) => { let n = 0; orch.on('worker-joined', () => { if (++n === 2) resolve() }) })
    const gpu = startWorker(orch.port, 'hashcat', { TASKORCH_BACKEND: 'hashcat' })
    startWorker(orch.port, 'wasm', { TASKORCH_BACKEND: 'wasm' })
    await within(60_000, joined, 'two workers joining')
    const random = seededRandom()
    const spec = maskSpec('?d'.repeat(8), [])
    const mask = keyspaceFrom(spec)
    const salts = [':', '\n', '\xff', 'a:b\n'].map((s) => Buffer.from(s, 'latin1'))
    const planted = salts.map(() => Buffer.from(candidateAt(mask, BigInt(Math.floor(random() * Number(mask.size))))))
    const salted = (plaintext: Buffer, salt: Buffer) => Buffer.concat([referenceDigest('md5', Buffer.concat([plaintext, salt])), salt])
    const saltedJob = orch.addTasks({ algorithm: 'md5-pass-salt', targets: [...planted.map((p, i) => salted(p, salts[i])), salted(Buffer.from('not a digit'), salts[0])], keyspace: spec })
    const saltedOutcome = await within(300_000, saltedJob.done, 'the salted job')
    expect(saltedOutcome.status).toBe('exhausted')
    expect(saltedJob.hashed).toBe(100_000_000n)
    expect(saltedOutcome.found.map((f) => f.plaintext).sort()).toEqual(planted.map(String).sort())

    // 1,000 candidates at 4 salts: seconds on hashcat, a minute and more on one WASM thread.
    const digits = maskSpec('?d'.repeat(3), [])
    const words = ['042', '739', '999'].map((w, i) => ({ w, target: cryptTarget(w, `salt${i}`) }))
    const cryptJob = orch.addTasks({ algorithm: 'sha512crypt', targets: [...words.map((w) => w.target), cryptTarget('none', 'saltZ')], keyspace: digits })
    const cryptOutcome = await within(300_000, cryptJob.done, 'the sha512crypt job')
    expect(cryptOutcome.status).toBe('exhausted')
    expect(cryptJob.hashed).toBe(1_000n)
    expect(cryptOutcome.found.map((f) => f.plaintext).sort()).toEqual(words.map((w) => w.w).sort())
    // Both modes ran on hashcat there, not on its WASM fallback.
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels/)
    for (const name of ['hashcat', 'wasm']) expect(searched, `${name} searched`).toContain(name)
  }, 900_000)

  it('catches a worker whose hashcat searches but never reports a crack, at its first chunk; others search the job exactly', async () => {
    // A wrapper that hands hashcat a hash file of its own, as a broken device would behave: every run
    // ends well, with the right count of candidates and of hashes, and finds nothing.
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-wrapper-'))
    const wrapper = join(dir, 'hashcat')
    writeFileSync(wrapper, `#!/bin/bash
args=()
for a in "$@"; do case "$a" in
  *.hashes) n=$(wc -l < "$a"); for i in $(seq "$n"); do printf 'in no keyspace %s' "$i" | md5sum | cut -c1-32; done > "${dir}/dummy-$$.hashes"; args+=("${dir}/dummy-$$.hashes");;
  *) args+=("$a");;
esac; done
exec hashcat "\${args[@]}"
`, { mode: 0o755 })
    const caught = new Promise<string>((resolve) => orch.once('worker-caught', (worker) => resolve(worker.name)))
    try {
      // Alone at first: its first chunk, a check, goes through hashcat.
      const joined = new Promise<void>((resolve) => orch.once('worker-joined', () => resolve()))
      startWorker(orch.port, 'wrapped', { TASKORCH_BACKEND: 'hashcat', TASKORCH_HASHCAT: wrapper })
      await within(60_000, joined, 'the wrapped worker joining')
      const job = orch.addTasks({ algorithm: 'md5', targets: ['123456789', 'not a digit'].map((p) => hex('md5', p)), keyspace: { type: 'mask', mask: '?d'.repeat(9) } })
      expect(await within(300_000, caught, 'the wrapped worker caught')).toBe('wrapped')
      expect(log.find((l) => /worker wrapped .* did not find the check candidate planted in it/.test(l))).toBeDefined()
      startWorker(orch.port, 'wasm', { TASKORCH_BACKEND: 'wasm' })
      const outcome = await within(300_000, job.done, 'the job')
      expect(outcome.status).toBe('exhausted')
      expect(job.hashed).toBe(1_000_000_000n)
      expect(outcome.found.map((f) => f.plaintext)).toEqual(['123456789'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})
