// The whole product on loopback: an in-process Orchestrator, real worker processes, real kills.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import net from 'node:net'
import { once } from 'node:events'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Orchestrator, outcomeJson } from '../server/index.ts'
import type { ServerMessage } from '../shared/protocol/worker-protocol.ts'
import { cli, connectTestSession, eventually, killedAfterTest, expectChunksTile, HELLO, hex, journalRecords, killAfterChunks, listeningPort, ROOT, TOKEN, within, workerArgs, type Run, WAIT_MS } from './helpers.ts'

// A hash list with a comment, a blank line and CRLF endings, whose fourth line is not a digest.
const BAD_LIST = join(mkdtempSync(join(tmpdir(), 'taskorch-list-')), 'bad-list.txt')
writeFileSync(BAD_LIST, `# targets\r\n${hex('md5', 'a')}\r\n\r\nxyz\r\n`)
// A rule file whose one rule, on its third line, has an unknown function.
const BAD_RULES = join(mkdtempSync(join(tmpdir(), 'taskorch-rules-')), 'bad.rule')
writeFileSync(BAD_RULES, '# nothing\n# fine so far\n$1 ~\n')

function startWorker (port: number, name: string, extra: string[] = []): Run {
  const [script, ...args] = workerArgs(port, name)
  const run = cli(script, [...args, ...extra])
  return run
}

describe('end to end on loopback', () => {
  let orch: Orchestrator
  beforeAll(async () => {
    orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN })
    await orch.start()
  })
  afterAll(() => orch.stop())

  it('two worker processes find MD5, SHA-1, SHA-256, SHA-512 and NTLM targets', async () => {
    const joined = new Promise<void>((resolve) => { let n = 0; orch.on('worker-joined', () => { if (++n === 2) resolve() }) })
    startWorker(orch.port, 'one')
    startWorker(orch.port, 'two')
    await within(WAIT_MS, joined, 'two workers joining')
    const jobs = (['md5', 'sha1', 'sha256', 'sha512', 'ntlm'] as const).map((algorithm, i) => orch.addTasks({
      algorithm, targets: [hex(algorithm, String(150_000 + i * 7)), hex(algorithm, '3')], keyspace: { type: 'range', start: 0, end: 400_000 }
    }))
    const outcomes = await within(60_000, Promise.all(jobs.map((j) => j.done)), 'five jobs')
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.status).toBe('found')
      expect(outcome.found.map((f) => f.plaintext).sort()).toEqual([String(150_000 + i * 7), '3'])
    }
  })

  // A find in the first chunk, before its first progress report, still counts what was searched.
  it('counts what a job found in its first chunk had searched', async () => {
    const joined = once(orch, 'worker-joined')
    startWorker(orch.port, 'first-chunk')
    await within(WAIT_MS, joined, 'a worker joining')
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', '700000')], keyspace: { type: 'range', start: 0, end: 10n ** 12n } })
    expect((await within(WAIT_MS, job.done, 'the job')).status).toBe('found')
    expect(job.hashed).toBeGreaterThan(150_000n) // more than the chunks done before it
  })

  it('ships a hash list larger than one message and finds every target in it', async () => {
    startWorker(orch.port, 'lists')
    // 5000 targets: three batches of at most 2048 (JOB, then TARGETS messages).
    const plaintexts = Array.from({ length: 5000 }, (_, i) => String(i * 2 + 1))
    const job = orch.addTasks({ algorithm: 'sha1', targets: plaintexts.map((p) => hex('sha1', p)), keyspace: { type: 'range', start: 0, end: 10_000 } })
    const outcome = await within(60_000, job.done, 'hash-list job')
    expect(outcome.status).toBe('found')
    expect(outcome.found.map((f) => f.plaintext).sort()).toEqual([...plaintexts].sort())
  })

  it('finds every candidate of a keyspace when each one is a target (46,656 finds) in seconds', async () => {
    const joined = once(orch, 'worker-joined')
    const worker = startWorker(orch.port, 'finder', ['--threads', '2'])
    await within(WAIT_MS, joined, 'the worker joining')
    const charset = 'abcdefghijklmnopqrstuvwxyz0123456789'
    const all = [...charset].flatMap((a) => [...charset].flatMap((b) => [...charset].map((c) => a + b + c)))
    const started = performance.now()
    const job = orch.addTasks({ algorithm: 'md5', targets: all.map((w) => hex('md5', w)), keyspace: { type: 'mask', mask: '?1?1?1', charsets: ['?l?d'] } })
    const outcome = await within(120_000, job.done, 'every find')
    expect(outcome.status).toBe('found')
    expect(outcome.found.length).toBe(46_656)
    // About 5 s on an idle 2-core machine, 30 under two busy loops; bookkeeping quadratic in the
    // finds took minutes.
    expect(performance.now() - started).toBeLessThan(60_000)
    expect(worker.stderr).not.toMatch(/disconnected/)
  })

  it('runs a local worker of its own when asked (localWorker), and gives an outcome JSON can hold', async () => {
    const solo = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, localWorker: { threads: 1 } })
    const lines: string[] = []
    solo.on('log', (_level, message) => lines.push(message))
    await solo.start()
    try {
      const job = solo.addTasks({ algorithm: 'sha1', targets: [hex('sha1', 'a:b')], keyspace: { type: 'mask', mask: 'a?sb' } })
      const outcome = await within(30_000, job.done, 'the job')
      expect(JSON.parse(JSON.stringify(outcomeJson(outcome)))).toEqual({ status: 'found', hashed: expect.stringMatching(/^\d+$/), found: [{ hash: hex('sha1', 'a:b'), plaintext: '$HEX[613a62]' }] })
      expect(lines.some((l) => l.startsWith('[local worker] connected to 127.0.0.1:'))).toBe(true)
    } finally {
      await solo.stop()
    }
  })

  it('loses nothing when a worker process is killed mid-chunk', async () => {
    const victim = startWorker(orch.port, 'victim')
    startWorker(orch.port, 'survivor')
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'not a number')], keyspace: { type: 'range', start: 0, end: 300_000_000 } })
    // Kill the victim once it has reported progress on a chunk it has not finished.
    await within(30_000, new Promise<void>((resolve) => {
      const check = () => {
        const victimId = orch.workers.find((w) => w.name === 'victim')?.id
        if ([...job.state.active.values()].some((c) => c.workerId === victimId && c.hashed > 0 && c.hashed < c.length)) {
          orch.off('job-progress', check)
          resolve()
        }
      }
      orch.on('job-progress', check)
    }), 'victim mid-chunk')
    victim.child.kill('SIGKILL')
    const outcome = await within(60_000, job.done, 'job after the kill')
    expect(outcome.status).toBe('exhausted')
    expect(outcome.hashed).toBe(300_000_000n)
  })

  it('a worker stopped with SIGTERM says goodbye, its chunks go back, and it exits 0', async () => {
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'x')], keyspace: { type: 'range', start: 0, end: 10n ** 12n } })
    try {
      const worker = startWorker(orch.port, 'leaving')
      await within(WAIT_MS, once(orch, 'job-progress'), 'first progress')
      const left = once(orch, 'worker-left')
      worker.child.kill('SIGTERM')
      expect(await within(WAIT_MS, worker.exit, 'worker exit')).toBe(0)
      const [state, why] = await within(WAIT_MS, left, 'worker-left')
      expect(state.name).toBe('leaving')
      expect(why).toBe('said goodbye')
      // Nothing is held any more: every candidate is either searched and counted, or up for grabs.
      expect(job.state.active.size).toBe(0)
      expect(job.state.unassigned.reduce((n, r) => n + r.end - r.offset, 0n) + job.state.hashed).toBe(10n ** 12n)
    } finally {
      job.cancel() // a job left running would take the next test's worker
    }
  })

  it('cancels every outstanding chunk once all targets are found', async () => {
    const job = orch.addTasks({ algorithm: 'sha1', targets: [hex('sha1', '5')], keyspace: { type: 'range', start: 0, end: 10n ** 15n } })
    // A scripted worker that holds its chunks and, when it has three, reports the preimage.
    const socket = net.connect({ port: orch.port, host: '127.0.0.1' })
    await once(socket, 'connect')
    const session = await connectTestSession(socket)
    const tasks: string[] = []
    const cancelled: string[] = []
    session.on('message', (m: ServerMessage) => {
      if (m.type === 'task' && m.jobId === job.id) tasks.push(m.chunkId)
      if (m.type === 'cancel' && m.jobId === job.id) cancelled.push(m.chunkId)
      if (m.type === 'task' && tasks.length === 3) session.send({ type: 'found', jobId: job.id, hash: Buffer.from(hex('sha1', '5'), 'hex'), plaintext: Buffer.from('5') })
    })
    session.start()
    session.send({ ...HELLO, name: 'scripted' })
    expect((await within(WAIT_MS, job.done, 'job')).status).toBe('found')
    await eventually(() => cancelled.length === 3, WAIT_MS, 'cancellations')
    expect(cancelled.sort()).toEqual(tasks.sort())
    session.close('test over')
  })

  // Found in review: 1.5 MiB of rules or a combinator's list beside 2,048 targets with long salts
  // made a JOB larger than a frame, which could not be sent.
  it('sends a JOB beside rule files with at most 256 targets, the rest in TARGETS messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-job-frame-'))
    const words = join(dir, 'words.txt')
    writeFileSync(words, 'alpha\nbeta\n')
    const rules = join(dir, 'big.rule')
    writeFileSync(rules, Array.from({ length: 120_000 }, (_, i) => `$${String.fromCharCode(0x21 + i % 90)} ^${String.fromCharCode(0x21 + (i >> 7) % 90)} T${i % 10}`).join('\n') + '\n') // 1.4 MB
    const salt = (i: number) => Buffer.from(`${i}`.padStart(250, 's'))
    const targets = Array.from({ length: 3_000 }, (_, i) => Buffer.concat([createHash('md5').update(Buffer.concat([Buffer.from(`no${i}`), salt(i)])).digest(), salt(i)]))
    const job = await orch.addTasks({ algorithm: 'md5-pass-salt', targets, keyspace: { type: 'wordlist', path: words, rules: [rules] } })
    const socket = net.connect({ port: orch.port, host: '127.0.0.1' })
    await once(socket, 'connect')
    const session = await connectTestSession(socket)
    let announced = -1
    let total = 0
    session.on('message', (m: ServerMessage) => {
      if (m.type === 'job' && m.jobId === job.id) { announced = m.targets.length; total += m.targets.length }
      if (m.type === 'targets' && m.jobId === job.id) total += m.targets.length
    })
    session.start()
    session.send({ ...HELLO, name: 'frames' })
    await eventually(() => total >= 3_000, WAIT_MS, 'the job and its targets')
    expect(announced).toBeGreaterThan(0)
    expect(announced).toBeLessThanOrEqual(256)
    session.close('test over')
    job.cancel()
  })

  it('drops a worker that lies about a FOUND and keeps the job running', async () => {
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', '5')], keyspace: { type: 'range', start: 0, end: 10n ** 15n } })
    const socket = net.connect({ port: orch.port, host: '127.0.0.1' })
    await once(socket, 'connect')
    const session = await connectTestSession(socket)
    session.on('message', (m: ServerMessage) => {
      if (m.type === 'task') session.send({ type: 'found', jobId: job.id, hash: Buffer.from(hex('md5', '5'), 'hex'), plaintext: Buffer.from('6') })
    })
    const closed = once(session, 'close')
    session.start()
    session.send({ ...HELLO, name: 'liar' })
    await within(WAIT_MS, closed, 'liar dropped')
    expect(job.status).toBe('running')
    job.cancel()
    expect((await job.done).status).toBe('cancelled')
  })
})

describe('command lines', () => {

  it('server --exit-when-done prints hash:plaintext and exits 0 when all are found, 1 when exhausted', async () => {
    for (const [target, code] of [['12345', 0], ['999999', 1]] as const) {
      const server = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--algo', 'sha256', '--target', hex('sha256', target), '--range', '0-200000', '--headless', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
      startWorker(await listeningPort(server), 'cli')
      expect(await within(60_000, server.exit, 'server exit')).toBe(code)
      expect(server.stdout).toBe(code === 0 ? `${hex('sha256', target)}:${target}\n` : '')
    }
  })

  it('server --local-worker searches a hashcat mask with a custom charset and --increment', async () => {
    const server = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--exit-when-done', '--local-worker',
      '--mask', '?u?l?1?d', '-1', 'xyz', '--increment', '--increment-min', '2', '--target', hex('md5', 'Qy'), '--target', hex('md5', 'Zzz9')])
    expect(await within(60_000, server.exit, 'server exit')).toBe(0)
    expect(server.stdout.split('\n').filter(Boolean).sort()).toEqual([`${hex('md5', 'Qy')}:Qy`, `${hex('md5', 'Zzz9')}:Zzz9`])
    expect(server.stderr).toMatch(/job 1: md5, 2 target\(s\), mask \?u\?l\?1\?d -1 xyz --increment 2-4/)
    expect(server.stderr).toMatch(/job 1 found: 2\/2 found, \d+\/22984 candidates in/) // 26*26 + 26*26*3 + 26*26*3*10
  })

  it('a server killed with SIGKILL restores its session and ends with every candidate counted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-session-'))
    const journal = join(dir, 'session.journal')
    const size = 100_000_000
    // The same key file for both runs: the worker pinned the first run's key.
    const common = ['--host', '127.0.0.1', '--headless', '--potfile-disable', '--no-download', '--session', journal, '--key', join(dir, 'server.key')]
    const first = cli('server/cli/main.ts', [...common, '--port', '0', '--algo', 'sha256', '--target', hex('sha256', 'none'), '--target', hex('sha256', '5'), '--range', `0-${size}`], { TASKORCH_TOKEN: TOKEN })
    const port = await listeningPort(first)
    startWorker(port, 'survivor')
    await killAfterChunks(first, journal)

    // The same port: the worker reconnects by itself.
    const second = cli('server/cli/main.ts', [...common, '--port', String(port), '--restore', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
    expect(await within(60_000, second.exit, 'restored server exit')).toBe(1) // exhausted: the digest is not in the range
    const restored = /restored job 1: (\d+)\/100000000 already searched/.exec(second.stderr)
    expect(restored, second.stderr).not.toBeNull()
    expect(Number(restored![1])).toBeGreaterThan(0)
    expect(second.stderr).toMatch(/job 1 exhausted: 1\/2 found, 100000000\/100000000 candidates/)
    expect(second.stdout).toBe(`${hex('sha256', '5')}:5\n`) // found before the kill, reported again, not searched again
    expectChunksTile(journal, size)

    // Restoring a session whose jobs have all ended says so and exits, instead of serving forever.
    const third = cli('server/cli/main.ts', [...common, '--port', '0', '--restore', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
    expect(await within(WAIT_MS, third.exit, 'third run exit')).toBe(1)
    expect(third.stderr).toMatch(/session .*session\.journal: 1 job\(s\), all ended \(1 exhausted\); nothing left to do/)
  })

  // Two servers on one journal corrupt it: the second's compaction renamed a file over the one the
  // first kept appending to, and the first's later work was lost to every --restore.
  it('one server per session: a second refuses while the first runs, naming the lock, and the first\'s work restores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-lock-'))
    const journal = join(dir, 'session.journal')
    const common = ['--host', '127.0.0.1', '--headless', '--potfile-disable', '--no-download', '--session', journal, '--key', join(dir, 'server.key')]
    const job = ['--target', hex('md5', 'none'), '--range', '0-100000000']
    const first = cli('server/cli/main.ts', [...common, '--port', '0', ...job], { TASKORCH_TOKEN: TOKEN })
    const port = await listeningPort(first)
    await eventually(() => /job 1: md5, 1 target\(s\)/.test(first.stderr), WAIT_MS, 'the first server adding its job') // journaled
    const before = readFileSync(journal)
    for (const restore of [[], ['--restore']]) {
      const second = cli('server/cli/main.ts', [...common, '--port', '0', ...restore, ...(restore.length ? [] : job)], { TASKORCH_TOKEN: TOKEN })
      expect(await within(WAIT_MS, second.exit, 'second server exit'), second.stderr).toBe(2)
      expect(second.stderr).toMatch(new RegExp(`session ${journal} is in use by process ${first.child.pid} on ${hostname()} \\(since .*\\); its lock is ${journal}\\.lock`))
    }
    expect(readFileSync(journal)).toEqual(before) // the refusals touched nothing
    // The first server's work after the refusals is kept: a worker searches, the server is killed,
    // and its stale lock is taken over by the restore.
    startWorker(port, 'w')
    await killAfterChunks(first, journal, 1)
    const searched = journalRecords(journal).filter((r) => r.t === 'done').length
    const restored = cli('server/cli/main.ts', [...common, '--port', '0', '--restore'], { TASKORCH_TOKEN: TOKEN })
    await eventually(() => /restored job 1: \d+\/100000000 already searched/.test(restored.stderr), WAIT_MS, 'the job restored')
    expect(restored.stderr).toMatch(new RegExp(`session lock ${journal}\\.lock: process ${first.child.pid}, which held it, is gone; taking it over`))
    expect(Number(/restored job 1: (\d+)\//.exec(restored.stderr)![1])).toBeGreaterThanOrEqual(searched)
  })

  // A find on a full disk used to end the job, and --exit-when-done exited 0 with an empty potfile.
  // Now the job stays open until the result is written; stopped meanwhile, the server prints it and
  // exits 5. The disk is a 64 KiB tmpfs, filled, in a private mount namespace.
  it('on a full disk keeps the job open, and stopped prints the unwritten result and exits 5', async (context) => {
    const disk = mkdtempSync(join(tmpdir(), 'taskorch-full-'))
    if (spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k none "$0"', disk]).status !== 0) {
      return context.skip('unshare -rm cannot mount a tmpfs here (no private mount namespace), so no disk can be filled')
    }
    const fill = 'mount -t tmpfs -o size=64k none "$1" && : > "$1/pot" && (head -c 1048576 /dev/zero > "$1/filler" 2>/dev/null; true) && shift && exec "$0" "$@"'
    const args = ['--import', 'tsx', 'server/cli/main.ts', '--headless', '--host', '127.0.0.1', '--port', '0', '--no-download', '--potfile', join(disk, 'pot'),
      '--target', hex('md5', '7'), '--range', '0-100', '--local-worker', '--exit-when-done']
    const child = killedAfterTest(spawn('unshare', ['-rm', 'sh', '-c', fill, process.execPath, disk, ...args], {
      cwd: ROOT, env: { ...process.env, TASKORCH_TOKEN: TOKEN, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'taskorch-config-')), TASKORCH_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe']
    }))
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => { stdout += d })
    child.stderr!.on('data', (d) => { stderr += d })
    const exit = once(child, 'exit')
    await eventually(() => /cannot write .*pot: ENOSPC.*jobs paused/.test(stderr) && stdout.includes(`${hex('md5', '7')}:7`), 60_000, 'the find, and the disk refusing it')
    // It does not end the job, nor exit, while the result is unwritten (the disk is retried every 5 s).
    await eventually(() => /job 1 has ended \(found\), but stays open until its results are written/.test(stderr), WAIT_MS, 'the end held')
    expect(child.exitCode).toBeNull()
    child.kill('SIGTERM')
    const [code] = await within(WAIT_MS, exit, 'the server exit')
    expect(code, stderr).toBe(5)
    expect(stdout).toBe(`${hex('md5', '7')}:7\n`)
    expect(stderr).toMatch(/1 result\(s\) or record\(s\) could not be written/)
  })

  it('server --local-worker searches a wordlist the server streams to the worker in chunks', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'taskorch-words-')), 'words.txt')
    // 400k words (about 4 MB: several 1 MiB chunks), CRLF and LF mixed, a blank line, no final newline.
    const words = Array.from({ length: 400_000 }, (_, i) => `w${(i * 7919).toString(36)}`)
    writeFileSync(path, words.map((w, i) => w + (i % 2 ? '\r\n' : '\n')).join('').replace('\n', '\n\n').slice(0, -2))
    const server = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--exit-when-done', '--local-worker',
      '--algo', 'sha1', '--wordlist', path, '--target', hex('sha1', words[0]), '--target', hex('sha1', words[399_999]), '--target', hex('sha1', 'absent')])
    expect(await within(60_000, server.exit, 'server exit')).toBe(1) // one target is not in the list
    expect(server.stdout.split('\n').filter(Boolean).sort()).toEqual([`${hex('sha1', words[0])}:${words[0]}`, `${hex('sha1', words[399_999])}:${words[399_999]}`].sort())
    expect(server.stderr).toMatch(/job 1 exhausted: 2\/3 found, 400000\/400000 candidates/)
  })

  it('exits 2 with a clear message on bad input', async () => {
    const cases = [
      [['--algo', 'md4', '--target', 'ab', '--range', '0-10'], /md4/],
      [['--target', hex('md5', 'a'), '--mask', '?d?q'], /"\?q" at position 2 is not a charset/],
      [['--target', hex('md5', 'a'), '--mask', '?d?1'], /no custom charset -1/],
      [['--target', hex('md5', 'a'), '--range', '0-9', '--increment'], /--increment needs --mask/],
      [['--targets', BAD_LIST, '--range', '0-9', '--strict'], /bad-list\.txt:4: "xyz" is not an md5 hash: expected 32 hex digits/],
      [['--targets', '/nonexistent/list.txt', '--range', '0-9'], /--targets \/nonexistent\/list.txt: cannot read it \(ENOENT\)/],
      [['--target', hex('md5', 'a'), '--wordlist', '/nonexistent/words.txt'], /--wordlist \/nonexistent\/words.txt: cannot read it \(ENOENT\)/],
      [['--target', hex('md5', 'a'), '--wordlist', BAD_LIST, '--mask', '?d'], /--wordlist with --mask is a hybrid attack: add -a 6 .* or -a 7/],
      [['--target', hex('md5', 'a'), '--range', '0-9', '--mask', '?d'], /give one keyspace, not --mask and --range/],
      [['--target', hex('md5', 'a'), '-a', '6', '--wordlist', BAD_LIST], /-a 6 takes --wordlist and --mask, not --wordlist/],
      [['--target', hex('md5', 'a'), '-a', '3', '--mask', '?d', '-r', BAD_LIST], /--rules applies to wordlist attacks \(-a 0\), not -a 3/],
      [['--target', hex('md5', 'a'), '-a', '5', '--mask', '?d'], /--attack-mode 5: use 0 \(wordlist\), 1 \(two wordlists\), 3/],
      [['--target', hex('md5', 'a'), '--wordlist', BAD_LIST, '-r', BAD_RULES], /bad\.rule: no rules in it .*; skipped 1 rule\(s\) that cannot be applied, as hashcat does: .*bad\.rule:3: unknown function "~" at column 4 in rule "\$1 ~"/],
      [['-m', '10', '--targets', BAD_LIST, '--range', '0-9'], /bad-list\.txt:2: ".*" is not an md5\(\$pass\.\$salt\) hash: expected digest:salt/],
      [['-m', '1800', '--target', '$6$salt$short', '--range', '0-9'], /is not a sha512crypt \(\$6\$\) hash: expected 86 characters/],
      [['--algo', 'md5', '--target', 'xyz', '--range', '0-10'], /xyz/],
      [['--algo', 'md5', '--target', hex('md5', '1'), '--range', '10-2'], /empty/],
      [['--port', '99999'], /port/],
      [['--bogus'], /bogus/],
      [['--token', 'correcthorsebatterystaple'], /the token is too weak \(guessed in about 10\^14 tries by an estimator that knows common passwords, words and patterns; 10\^16 are needed\)/],
      [['--target', hex('md5', 'a'), '--mask', '?1', '-1', ''], /custom charset -1 is empty/],
      [['--potfile', '/nonexistent/dir/pot', '--target', hex('md5', 'a'), '--range', '0-9'], /potfile \/nonexistent\/dir\/pot: its directory \/nonexistent\/dir does not exist/]
    ] as const
    // All at once: each is a process that starts, refuses and exits.
    await Promise.all(cases.map(async ([args, message]) => {
      const run = cli('server/cli/main.ts', ['--headless', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN, ...args])
      expect(await within(120_000, run.exit, `server exit for ${args.join(' ')}`), run.stderr).toBe(2)
      expect(run.stderr).toMatch(message)
      expect(run.stderr).not.toMatch(/listening on/) // checked before the port is opened
    }))
  })

  // npm runs a script in the package's directory and says in INIT_CWD where the user typed it.
  it('resolves relative paths where the command was typed (npm\'s INIT_CWD), and names the path it tried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-cwd-'))
    writeFileSync(join(dir, 'hashes.txt'), hex('md5', 'hello') + '\n')
    writeFileSync(join(dir, 'pot.txt'), `${hex('md5', 'hello')}:hello\n`)
    const shown = cli('server/cli/main.ts', ['--targets', 'hashes.txt', '--potfile', 'pot.txt', '--show'], { INIT_CWD: dir })
    expect(await within(WAIT_MS, shown.exit, 'server --show'), shown.stderr).toBe(0)
    expect(shown.stdout).toBe(`${hex('md5', 'hello')}:hello\n`)
    const missing = cli('server/cli/main.ts', ['--target', hex('md5', 'a'), '--wordlist', 'missing.txt'], { INIT_CWD: dir })
    expect(await within(WAIT_MS, missing.exit, 'server with a missing list')).toBe(2)
    expect(missing.stderr).toContain(`--wordlist ${join(dir, 'missing.txt')}: cannot read it (ENOENT)`)
    // As the README says to run it from another directory: npm run -s, whose stdout holds the results
    // alone (without -s npm prints its banner there first).
    const npm = killedAfterTest(spawn('npm', ['--prefix', ROOT, 'run', '-s', 'server', '--', '--targets', 'hashes.txt', '--potfile', 'pot.txt', '--show'], { cwd: dir, env: { ...process.env, INIT_CWD: '', XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    npm.stdout!.on('data', (d) => { stdout += d })
    expect(await within(WAIT_MS, once(npm, 'exit'), 'npm run -s server --show')).toEqual([0, null])
    expect(stdout).toBe(`${hex('md5', 'hello')}:hello\n`)
  })

  it('says a port in use is in use (exit 2), prints --help without raw control characters, and keeps --json pure', async () => {
    const busy = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN })
    await busy.start()
    try {
      const run = cli('server/cli/main.ts', ['--headless', '--host', '127.0.0.1', '--port', String(busy.port), '--token', TOKEN])
      expect(await within(WAIT_MS, run.exit, 'server exit')).toBe(2)
      expect(run.stderr).toContain(`port ${busy.port} is already in use on 127.0.0.1; choose another --port`)
      expect(run.stderr).not.toMatch(/FATAL|at .*\.ts:\d+/) // no stack trace
    } finally {
      await busy.stop()
    }
    const help = cli('server/cli/main.ts', ['--help'])
    expect(await within(WAIT_MS, help.exit, 'help exit')).toBe(0)
    expect(help.stdout).toMatch(/--wordlist FILE {5}the lines of FILE \(LF or CRLF endings/)
    expect(help.stdout).not.toMatch(/[\r\u0000-\u0008\u000b-\u001f]/)
    const json = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--json', '--exit-when-done', '--local-worker', '--potfile-disable',
      '--mask', '?d?d?d', '--target', hex('md5', '123')], { TASKORCH_TOKEN: TOKEN })
    expect(await within(60_000, json.exit, 'json server exit')).toBe(0)
    const lines = json.stderr.split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(3)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(lines.some((l) => JSON.parse(l).message.startsWith('[local worker]'))).toBe(true)
  })

  it('npm run worker stops the worker itself on SIGTERM (npm passes the signal on) and exits 0', async () => {
    const isolated = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'taskorch-config-')) }
    const child = spawn('npm', ['run', '--silent', 'worker', '--', '--host', '127.0.0.1', '--port', '1', '--token', TOKEN, '--threads', '1'], { cwd: ROOT, env: isolated, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (d) => { stderr += d })
    const exit = once(child, 'exit')
    await eventually(() => stderr.includes('next try in'), WAIT_MS, 'the worker running')
    child.kill('SIGTERM')
    expect((await within(WAIT_MS, exit, 'npm exit'))[0]).toBe(0)
    expect(stderr).toContain('SIGTERM: handing work back to the server and stopping')
  })

  it('a worker with the wrong token keeps trying, with a hint, and exits 3 only when told to give up', async () => {
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: 'the-real-token-0123456789abcdefghij' })
    await orch.start()
    try {
      const worker = startWorker(orch.port, 'wrong-token', ['--give-up-after', '2'])
      expect(await within(30_000, worker.exit, 'worker exit')).toBe(3)
      expect(worker.stderr).toMatch(/closed the connection on reading message 1: it holds another token, or the clocks differ by minutes \(compare the token fingerprints this worker and the server print\)/)
      expect(worker.stderr).toMatch(/2 handshake\(s\) with 127\.0\.0\.1:\d+ failed in a row; giving up \(--give-up-after 2\)/)
      expect(orch.workers).toEqual([])
    } finally {
      await orch.stop()
    }
  })
})
