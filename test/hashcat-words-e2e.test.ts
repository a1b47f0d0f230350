// Wordlist attacks on a mixed fleet with the real hashcat: a hashcat worker fetches a job's words once
// into its cache and searches whole words of them (-a 0 with rules, -a 1 with -j/-k, -a 6 and -a 7
// per mask length)
// beside a WASM worker searching the words its tasks carry; salted modes with --hex-salt and
// sha512crypt; hashcat and then the server killed (kill -9) on a cached list, the session restored.
// Targets are planted all along the list, so both workers' shares hold some. Skipped, saying so,
// where hashcat is not installed (.ci/run installs it when it can).
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest'
import { Orchestrator } from '../server/index.ts'
import { formatTarget, parseTarget, targetParts, type Algorithm } from '../shared/algorithms.ts'
import { canaryTarget, digestOf } from '../shared/hashing/modes.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec, type CombinatorSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import { wordParts, wordVariant, type WordParts } from '../shared/keyspace/word-variant.ts'
import { parseRules, RULE_BUFFER_BYTES } from '../shared/rules/rules.ts'
import { COMMON_ARGS } from '../worker/hashcat/plan.ts'
import {
  cli, eventually, expectChunksTile, hex, journalRecords, killAfterChunks, listeningPort, referenceDigest, seededRandom, tempDir, TOKEN, within, workerArgs, type Run, WAIT_MS, HASHCAT } from './helpers.ts'

const execFileAsync = promisify(execFile)
const BEST64 = '/usr/share/hashcat/rules/best64.rule'

// Deterministic words of 5 to 10 lower-case letters and digits, numbered so none repeats.
function writeWords (dir: string, count: number, random: () => number): { path: string, words: string[] } {
  const words = Array.from({ length: count }, (_, i) => Array.from({ length: 4 + Math.floor(random() * 6) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)]).join('') + i)
  const path = join(dir, 'words.txt')
  writeFileSync(path, words.join('\n') + '\n')
  return { path, words }
}

// A seeded list of `count` words in a directory of its own.
function newList (count: number) {
  const random = seededRandom()
  const dir = tempDir('taskorch-words-')
  return { random, dir, ...writeWords(dir, count, random) }
}

// `count` candidates of a wordlist keyspace, one in each of `count` equal parts of the list, at a
// random word and variant (never one a rule rejects).
function plant (spec: WordlistSpec, words: string[], parts: WordParts, count: number, random: () => number): string[] {
  const keyspace = keyspaceFrom(spec)
  const buf = new Uint8Array(RULE_BUFFER_BYTES)
  const planted: string[] = []
  for (let part = 0; planted.length < count; part++) {
    const word = Buffer.from(words[Math.floor((part % count + random()) * words.length / count)])
    const length = wordVariant(keyspace, parts, word, 0, word.length, BigInt(Math.floor(random() * Number(keyspace.perWord))), buf)
    if (length > 0) planted.push(Buffer.from(buf.subarray(0, length)).toString('latin1'))
  }
  return planted
}

// A worker cache that holds the list's words file already, as a worker that met the list before
// would: the hashcat worker gets whole words from the job's start, so its share is sure to hold
// planted targets however fast the WASM worker is (fetching is tested below, and with a fake hashcat).
function warmCache (dir: string, words: string[]): string {
  const cache = join(dir, 'cache')
  mkdirSync(cache, { mode: 0o700 })
  const file = Buffer.from(words.join('\n') + '\n')
  writeFileSync(join(cache, createHash('sha256').update(file).digest('hex')), file)
  return cache
}

const ruled = (rules: ReturnType<typeof parseRules>[] | null): WordParts => ({ rules, combination: null })

function wordlistSpec (path: string, words: number, extra: Partial<WordlistSpec>): WordlistSpec {
  return { type: 'wordlist', name: path, size: String(words), ...extra }
}

function startWorker (port: number, name: string, env: Record<string, string>, extra: string[] = []): Run {
  const [script, ...args] = workerArgs(port, name)
  return cli(script, [...args, ...extra], env)
}

// The hashcat processes a worker process started (their session names carry its pid).
function hashcatPids (worker: Run): number[] {
  try {
    return execFileSync('pgrep', ['-f', `session taskorch-${worker.child.pid}-`]).toString().trim().split('\n').map(Number)
  } catch {
    return []
  }
}

describe.skipIf(!HASHCAT)(`wordlist attacks on hashcat ${HASHCAT ?? '(skipped: hashcat is not installed)'}`, () => {
  let orch: Orchestrator
  const log: string[] = []
  beforeAll(async () => {
    // hashcat compiles each attack's kernel on its first run on a machine (half a minute on this CPU,
    // minutes when busy) and caches it: done here, so the tests' deadlines measure the fleet.
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-hashcat-warm-'))
    writeFileSync(join(dir, 'words'), 'a\n')
    writeFileSync(join(dir, 'md5'), hex('md5', 'not a word') + '\n' + hex('md5', 'nor this') + '\n')
    writeFileSync(join(dir, 'salted'), `${hex('md5', 'x')}:${Buffer.from('s').toString('hex')}\n${hex('md5', 'y')}:${Buffer.from('t').toString('hex')}\n`)
    writeFileSync(join(dir, 'crypt'), `${formatTarget('sha512crypt', cryptTarget('not a word', 'salt'))}\n`)
    const runs = [['-m', '0', '-a', '0', 'md5', 'words', '-r', BEST64], ['-m', '0', '-a', '0', '-O', 'md5', 'words', '-r', BEST64], ['-m', '0', '-a', '6', '-O', 'md5', 'words', '?d'], ['-m', '0', '-a', '7', '-O', 'md5', '?d', 'words'],
      ['-m', '10', '--hex-salt', '-a', '0', 'salted', 'words', '-r', BEST64], ['-m', '1800', '-a', '0', 'crypt', 'words'], ['-m', '0', '-a', '1', 'md5', 'words', 'words'],
      ['-m', '5600', '-a', '0', 'netntlmv2', 'words', '-r', BEST64], ['-m', '13100', '-a', '0', 'krb5tgs', 'words', '-r', BEST64], ['-m', '22000', '-a', '3', 'wpa', 'passwor?d']]
    writeFileSync(join(dir, 'krb5tgs'), formatTarget('krb5tgs', ticket('not a word', 0)) + '\n')
    writeFileSync(join(dir, 'netntlmv2'), schemeHash('netntlmv2', `u::d:${'11'.repeat(8)}:${'0'.repeat(32)}:0101${'22'.repeat(30)}`, 'not a word') + '\n')
    writeFileSync(join(dir, 'wpa'), schemeHash('wpa', `WPA*01*${'0'.repeat(32)}*${'33'.repeat(6)}*${'44'.repeat(6)}*${Buffer.from('net').toString('hex')}***`, 'not a word') + '\n')
    for (const [i, run] of runs.entries()) {
      await execFileAsync('hashcat', [...COMMON_ARGS, '--session', `taskorch-warm-${process.pid}-${i}`, ...run], { cwd: dir }).catch((error: { code?: number }) => {
        if (error.code !== 1) throw error // 1: exhausted
      })
    }
    // Short hashcat chunks, so both workers share every job; runs worth hashcat's start-up from
    // tens of thousands of candidates, so small lists reach it too.
    orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, scheduler: { hashcatChunkSeconds: 2, hashcatMinChunkSeconds: 1, assumedHashcatSpeed: 3_000_000, hashcatMinRun: 20_000 } })
    orch.on('log', (_, line) => log.push(line))
    await orch.start()
  }, 600_000)
  afterAll(() => orch?.stop())
  beforeEach(() => { onTestFailed(() => { console.error(log.slice(-400).join('\n')) }) })

  // A hashcat worker (`gpu`) and a WASM worker.
  async function fleet (cacheDir: string): Promise<{ gpu: Run, wasm: Run }> {
    const joined = new Promise<void>((resolve) => { let n = 0; const on = () => { if (++n === 2) { orch.off('worker-joined', on); resolve() } }; orch.on('worker-joined', on) })
    const gpu = startWorker(orch.port, 'hashcat', { TASKORCH_BACKEND: 'hashcat' }, ['--cache-dir', cacheDir])
    const wasm = startWorker(orch.port, 'wasm', { TASKORCH_BACKEND: 'wasm' })
    await within(60_000, joined, 'two workers joining')
    return { gpu, wasm }
  }

  // Runs a job to its end: exhausted, every candidate counted once, every planted target found.
  // Returns the workers that found them.
  async function expectJob (algorithm: Algorithm, targets: Uint8Array[], keyspace: Parameters<Orchestrator['addTasks']>[0]['keyspace'], planted: string[], size: bigint): Promise<Set<string>> {
    const from = log.length
    const job = await orch.addTasks({ algorithm, targets, keyspace })
    // A bound for a hung job, not a speed: beside two busy loops and another test file, a job that
    // takes 30 s on a quiet machine took over 300.
    // Every 10 s, what the fleet holds: printed with the log if the test fails.
    const started = Date.now()
    const sampler = setInterval(() => {
      const chunks = [...job.state.active.values()].map((c) => `${c.id}@${c.offset}+${c.length} ${c.workerId} ${c.hashed} done${c.starting ? ' starting' : ''} ${Date.now() - c.assignedAt} ms`)
      const workers = orch.workers.map((w) => `${w.name} ${Math.round(w.speed)}/s ${w.inFlight} held ${w.verified} verified${w.quarantined ? ' QUARANTINED' : ''}`)
      log.push(`[${Date.now() - started} ms] job ${job.id}: ${job.hashed}/${job.keyspaceSize}; chunks: ${chunks.join('; ') || 'none'}; workers: ${workers.join('; ')}`)
    }, 10_000)
    const outcome = await within(600_000, job.done, `the ${algorithm} job`).finally(() => clearInterval(sampler))
    expect(outcome.status).toBe('exhausted')
    expect(job.hashed).toBe(size)
    expect(outcome.found.map((f) => f.plaintext).sort()).toEqual([...planted].sort())
    return new Set(log.slice(from).flatMap((l) => /^worker (\S+) found /.exec(l)?.[1] ?? []))
  }

  it('searches words x best64, and hybrids both ways with --increment, across a hashcat worker and a WASM worker: exact counts, all found, by both', async () => {
    const { random, dir, path, words } = newList(200_000)
    const { gpu, wasm } = await fleet(warmCache(dir, words))
    const rules = parseRules(readFileSync(BEST64), BEST64)
    const md5 = (plaintext: string) => referenceDigest('md5', Buffer.from(plaintext, 'latin1'))

    const withRules = wordlistSpec(path, words.length, { rules: [{ name: BEST64, sha256: '', count: rules.count }] })
    const planted = plant(withRules, words, ruled([rules]), 24, random)
    // Who found what depends on the machine's load; between the three jobs, both workers find some.
    const finders = await expectJob('md5', [...planted.map(md5), md5('in no list')], { type: 'wordlist', path, rules: [BEST64] }, planted, BigInt(words.length * rules.count))
    expect(gpu.stderr).toMatch(/job \d+: searching whole words of its words file with hashcat \(-m 0 -a 0\)/)

    for (const side of ['append', 'prepend'] as const) {
      const mask = maskSpec('?d?d', [], { min: 1, max: 2 })
      const hybrid = wordlistSpec(path, words.length, { hybrid: { side, mask } })
      const plantedHybrid = plant(hybrid, words, ruled(null), 16, random)
      const found = await expectJob('md5', [...plantedHybrid.map(md5), md5('in no list')], { type: 'wordlist', path, hybrid: { side, mask: { type: 'mask', mask: '?d?d', increment: true } } }, plantedHybrid, BigInt(words.length * 110))
      for (const name of found) finders.add(name)
      expect(gpu.stderr).toMatch(new RegExp(`job \\d+: searching whole words of its words file with hashcat \\(-m 0 -a ${side === 'append' ? 6 : 7} -O\\)`))
    }
    // Rules whose results stay within -O's 31 bytes for these words (of up to 15): the optimised
    // kernels. On the hashcat worker alone: a loaded machine's WASM worker would take so small a job
    // whole while hashcat counts its rules.
    const left = new Promise((resolve) => orch.once('worker-left', resolve))
    wasm.child.kill('SIGKILL')
    await within(WAIT_MS, left, 'the WASM worker gone')
    const short = join(dir, 'short.rule')
    writeFileSync(short, 'u\nc\n$1\n')
    const shortRules = parseRules(readFileSync(short), short)
    const plantedShort = plant(wordlistSpec(path, words.length, { rules: [{ name: short, sha256: '', count: 3 }] }), words, ruled([shortRules]), 8, random)
    expect(await expectJob('md5', [...plantedShort.map(md5), md5('in no list')], { type: 'wordlist', path, rules: [short] }, plantedShort, BigInt(words.length * 3))).toEqual(new Set(['hashcat']))
    expect(gpu.stderr).toMatch(/job \d+: searching whole words of its words file with hashcat \(-m 0 -a 0 -O\)/)
    expect([...finders].sort(), 'the workers that found targets').toEqual(['hashcat', 'wasm'])
    // One list, three jobs, and the worker had it: never sent.
    expect(gpu.stderr).not.toMatch(/fetching the words of job/)
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels|failed, handed back/)
  }, 900_000)

  it('searches a salted mode (salts with a colon, a newline, 0xff) with best64 and sha512crypt from lists on hashcat beside WASM: exact counts, all found', async () => {
    const { random, dir, path, words } = newList(40_000)
    const { gpu } = await fleet(warmCache(dir, words))
    const rules = parseRules(readFileSync(BEST64), BEST64)
    const spec = wordlistSpec(path, words.length, { rules: [{ name: BEST64, sha256: '', count: rules.count }] })
    const planted = plant(spec, words, ruled([rules]), 8, random)
    const salts = [':', '\n', '\xff', 'a:b\n'].map((s) => Buffer.from(s, 'latin1'))
    const salted = (plaintext: string, salt: Buffer) => Buffer.concat([referenceDigest('md5', Buffer.concat([Buffer.from(plaintext, 'latin1'), salt])), salt])
    await expectJob('md5-pass-salt', [...planted.map((p, i) => salted(p, salts[i % salts.length])), salted('in no list', salts[0])], { type: 'wordlist', path, rules: [BEST64] }, planted, BigInt(words.length * rules.count))
    expect(gpu.stderr).toMatch(/searching whole words of its words file with hashcat \(-m 10 -a 0\)/)

    // 3,000 words at 4 salts: seconds on hashcat, many minutes on one WASM thread, which takes a
    // first chunk of a few candidates and may find nothing.
    const crypt = writeWords(tempDir('taskorch-words-'), 3_000, random)
    const cryptWords = [0.1, 0.5, 0.9].map((at) => crypt.words[Math.floor(at * crypt.words.length)])
    const job = await orch.addTasks({ algorithm: 'sha512crypt', targets: [...cryptWords.map((w, i) => cryptTarget(w, `salt${i}`)), cryptTarget('in no list', 'saltZ')], keyspace: { type: 'wordlist', path: crypt.path } })
    const outcome = await within(300_000, job.done, 'the sha512crypt job')
    expect([outcome.status, job.hashed]).toEqual(['exhausted', 3_000n])
    expect(outcome.found.map((f) => f.plaintext).sort()).toEqual([...cryptWords].sort())
    expect(gpu.stderr).toMatch(/searching whole words of its words file with hashcat \(-m 1800 -a 0\)/)
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels|failed, handed back/)
  }, 900_000)

  // The larger list is our base, as hashcat's: where it is the right list, hashcat's base (always the
  // left on its pure kernels) is the smaller, and the chunk's words its right list.
  it('searches -a 1 with either list the larger, and -j/-k, across a hashcat worker and a WASM worker: exact counts, all found', async () => {
    const { random, dir, path, words } = newList(30_000)
    const large = { path, words }
    const small = writeWords(tempDir('taskorch-words-'), 40, random)
    const { gpu } = await fleet(warmCache(dir, words))
    const md5 = (plaintext: string) => referenceDigest('md5', Buffer.from(plaintext, 'latin1'))
    const cases: [typeof large, typeof large, Partial<CombinatorSpec>][] = [[large, small, {}], [small, large, { left: 'c', right: '$!' }]]
    const finders = new Set<string>()
    for (const [left, right, rules] of cases) {
      const baseLeft = left.words.length >= right.words.length
      const [base, other] = baseLeft ? [left, right] : [right, left]
      const otherWords = Buffer.from(other.words.join('\n') + '\n')
      const file = { sha256: '', bytes: otherWords.length, ascii: true, crEnds: false, longest: 16 }
      const spec = wordlistSpec(base.path, base.words.length, { combinator: { base: baseLeft ? 'left' : 'right', other: { name: other.path, size: other.words.length, file }, ...rules } })
      const planted = plant(spec, base.words, wordParts(spec, { other: otherWords }), 12, random)
      const found = await expectJob('md5', [...planted.map(md5), md5('in no list')], { type: 'wordlist', path: left.path, combinator: { path: right.path, ...rules } }, planted, BigInt(left.words.length * right.words.length))
      for (const name of found) finders.add(name)
    }
    expect(finders, 'the workers that found targets').toContain('hashcat')
    expect(gpu.stderr.match(/searching whole words of its words file with hashcat \(-m 0 -a 1\)/g)).toHaveLength(2)
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels|failed, handed back|fetching the words of job/)
  }, 900_000)

  // Scheme modes go to hashcat with our parameters in its format, and come back from its outfile:
  // NetNTLMv2 lines of several users and Kerberoast tickets through best64, and WPA (whose outfile
  // names a crack as MIC:AP:STA:ESSID) over a mask, since hashcat leaves words outside 8-63 bytes
  // out of its count. Work verification's canaries go to the hashcat worker too: a Kerberos canary
  // is a real ticket, since hashcat checks the decrypted ticket's first bytes.
  it('searches NetNTLMv2 and Kerberoast tickets from a list with best64 and WPA over a mask on hashcat beside WASM: exact counts, all found, canaries too', async () => {
    const { random, dir, path, words } = newList(20_000)
    const { gpu, wasm } = await fleet(warmCache(dir, words))
    const rules = parseRules(readFileSync(BEST64), BEST64)
    const spec = wordlistSpec(path, words.length, { rules: [{ name: BEST64, sha256: '', count: rules.count }] })
    const planted = plant(spec, words, ruled([rules]), 6, random)
    const responses = [...planted, 'in no list'].map((p, i) => parseTarget('netntlmv2', schemeHash('netntlmv2', `User${i}::CORP:${hex('md5', `c${i}`).slice(0, 16)}:${'0'.repeat(32)}:0101000000000000${hex('md5', `b${i}`)}`, p)))
    await expectJob('netntlmv2', responses, { type: 'wordlist', path, rules: [BEST64] }, planted, BigInt(words.length * rules.count))
    expect(gpu.stderr).toMatch(/searching whole words of its words file with hashcat \(-m 5600 -a 0\)/)

    const roasted = plant(spec, words, ruled([rules]), 4, random)
    await expectJob('krb5tgs', [...roasted, 'in no list'].map((p, i) => ticket(p, i)), { type: 'wordlist', path, rules: [BEST64] }, roasted, BigInt(words.length * rules.count))
    expect(gpu.stderr).toMatch(/searching whole words of its words file with hashcat \(-m 13100 -a 0\)/)
    expect(log.join('\n')).not.toMatch(/did not find the check candidate/)

    // On the hashcat worker alone, so its outfile's form of a WPA crack is read whatever the load.
    const left = new Promise((resolve) => orch.once('worker-left', resolve))
    wasm.child.kill('SIGKILL')
    await within(WAIT_MS, left, 'the WASM worker gone')
    const passphrases = ['pass1234', 'pass9876']
    const essid = Buffer.from('CafeNet').toString('hex')
    const captures = [...passphrases, 'in no mask'].map((p, i) => parseTarget('wpa', schemeHash('wpa', `WPA*01*${'0'.repeat(32)}*0a0b0c0d0e0${i}*10203040506${i}*${essid}***`, p)))
    expect(await expectJob('wpa', captures, { type: 'mask', mask: 'pass?d?d?d?d' }, passphrases, 10_000n)).toEqual(new Set(['hashcat']))
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels|failed, handed back|does not verify/)
  }, 900_000)

  // A list's $HEX[..] line stands for the bytes it encodes, for hashcat as for our kernels.
  it('takes a $HEX[..] word for the bytes it encodes on hashcat, as on WASM', async () => {
    const { random, dir, path, words } = newList(30_000)
    const secret = 'hex word:1'
    words[Math.floor(random() * words.length)] = `$HEX[${Buffer.from(secret).toString('hex')}]`
    writeFileSync(path, words.join('\n') + '\n')
    const gpu = startWorker(orch.port, 'hashcat', { TASKORCH_BACKEND: 'hashcat' }, ['--cache-dir', warmCache(dir, words)])
    const rules = parseRules(readFileSync(BEST64), BEST64)
    const md5 = (plaintext: string) => referenceDigest('md5', Buffer.from(plaintext))
    expect(await expectJob('md5', [md5(secret), md5(secret.toUpperCase()), md5('in no list')], { type: 'wordlist', path, rules: [BEST64] }, [secret, secret.toUpperCase()], BigInt(words.length * rules.count))).toEqual(new Set(['hashcat']))
    expect(gpu.stderr).toMatch(/job \d+: searching whole words of its words file with hashcat/)
    expect(gpu.stderr).not.toMatch(/runs on the WASM kernels|failed, handed back/)
    gpu.child.kill('SIGKILL')
  }, 600_000)

  // hashcat skips rules its device engine cannot run (specific.rule's `>A k u`), with a warning, and
  // its --stdout still prints them: the worker counts them with a real run and searches such a job's
  // words on its WASM kernels, from the cached file, so the skipped rule's candidates are tried too.
  it('searches a job with a rule hashcat skips exactly, its candidates included', async () => {
    const { random, dir, path, words } = newList(20_000)
    const rulePath = join(dir, 'skipped.rule')
    writeFileSync(rulePath, ':\nu\n>A k u\n')
    const { gpu } = await fleet(join(dir, 'cache'))
    const long = words.filter((w) => w.length > 10)
    const planted = [words[7].toUpperCase(), ...[0.2, 0.8].map((at) => { const w = long[Math.floor(at * long.length)]; return (w[1] + w[0] + w.slice(2)).toUpperCase() })]
    const md5 = (plaintext: string) => referenceDigest('md5', Buffer.from(plaintext))
    await expectJob('md5', [...planted.map(md5), md5('in no list')], { type: 'wordlist', path, rules: [rulePath] }, planted, BigInt(words.length * 3))
    // Its count of the rules may come after the job: the WASM worker can search 60,000 candidates
    // while hashcat starts (CI at add662d).
    await eventually(() => /job \d+: hashcat applies 2 of its 3 rules \(it skips those its device cannot run\); its words are searched on the WASM kernels/.test(gpu.stderr), 120_000, 'hashcat\'s count of the rules')
  }, 600_000)
})

describe.skipIf(!HASHCAT)(`a cached wordlist through kills${HASHCAT ? '' : ' (skipped: hashcat is not installed)'}`, () => {
  it('hashcat killed mid-chunk and the server killed (kill -9) and restored: every candidate counted once, nothing found twice, the list not sent again', async () => {
    const random = seededRandom()
    const dir = tempDir('taskorch-words-kill-')
    // 154 M candidates: more than an unverified hashcat worker's first chunk (2^27), so the job
    // takes more than one of hashcat's, each some seconds long.
    const { path, words } = writeWords(dir, 2_000_000, random)
    const rules = parseRules(readFileSync(BEST64), BEST64)
    const size = words.length * rules.count
    const planted = plant(wordlistSpec(path, words.length, { rules: [{ name: BEST64, sha256: '', count: rules.count }] }), words, ruled([rules]), 12, random)
    const journal = join(dir, 'session.journal')
    const common = ['--host', '127.0.0.1', '--headless', '--potfile-disable', '--no-download', '--session', journal, '--key', join(dir, 'server.key')]
    const targets = [...planted, 'in no list'].flatMap((p) => ['--target', createHash('md5').update(p, 'latin1').digest('hex')])
    const first = cli('server/cli/main.ts', [...common, '--port', '0', '--wordlist', path, '-r', BEST64, ...targets], { TASKORCH_TOKEN: TOKEN })
    const port = await listeningPort(first)
    const cache = join(dir, 'cache')
    const gpu = startWorker(port, 'hashcat', { TASKORCH_BACKEND: 'hashcat' }, ['--cache-dir', cache, '--threads', '2'])
    await eventually(() => /searching whole words of its words file with hashcat/.test(gpu.stderr), 120_000, 'hashcat on the cached list')
    const pids = await eventually(() => { const running = hashcatPids(gpu); return running.length > 0 ? running : null }, 60_000, 'a running hashcat')
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    await eventually(() => /chunk \S+ failed, handed back: hashcat was killed by SIGKILL/.test(gpu.stderr), WAIT_MS, 'the killed chunk handed back')
    await killAfterChunks(first, journal, 2)

    // The same port: the worker reconnects by itself, and its cache still holds the list.
    const second = cli('server/cli/main.ts', [...common, '--port', String(port), '--restore', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
    expect(await within(600_000, second.exit, 'restored server exit')).toBe(1) // exhausted: one target is in no list
    expect(second.stderr).toMatch(new RegExp(`job 1 exhausted: ${planted.length}/${planted.length + 1} found, ${size}/${size} candidates`))
    expectChunksTile(journal, size)
    // Each find once: the restored server reports what the first had found, and finds the rest; the
    // journal holds each find once.
    const lines = second.stdout.split('\n').filter(Boolean)
    expect(lines.map((l) => l.slice(33)).sort()).toEqual([...planted].sort())
    expect(journalRecords(journal).filter((r) => r.t === 'found')).toHaveLength(planted.length)
    expect(gpu.stderr.match(/fetching the words of job/g)).toHaveLength(1)
  }, 900_000)
})

// A sha512crypt target (digest, rounds, salt), from the scalar reference.
// A Kerberoast ticket of `password` (a real one: canaryTarget makes a ticket as hashcat checks them).
function ticket (password: string, n: number): Uint8Array {
  const source = parseTarget('krb5tgs', `$krb5tgs$23$*svc${n}$CORP.LOCAL$http/web${n}*$${'0'.repeat(32)}$${'00'.repeat(300)}`)
  return canaryTarget('krb5tgs', source, Buffer.from(password))!
}

// The hash `template` names (its digest zero) with the digest `plaintext` makes, in hashcat's format.
function schemeHash (algorithm: Algorithm, template: string, plaintext: string): string {
  const target = parseTarget(algorithm, template)
  const { salt, rounds } = targetParts(algorithm, target)
  target.set(digestOf(algorithm, Buffer.from(plaintext), salt, rounds))
  return formatTarget(algorithm, target)
}

function cryptTarget (plaintext: string, salt: string): Uint8Array {
  return Buffer.concat([digestOf('sha512crypt', Buffer.from(plaintext), Buffer.from(salt), 5000), Buffer.from([0, 0, 0x13, 0x88]), Buffer.from(salt)])
}
