// `npm run bench`: hash throughput per kernel and thread count, and an end-to-end search through a
// real server and worker, optionally side by side with hashcat. Medians of several runs; ratios are
// taken between measurements of the same run, since shared machines are noisy.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, platform, arch, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { integerFlag, parseFlags, runMain } from '../shared/cli.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { plural } from '../server/ui/plural.ts'
import { parseRange } from '../shared/keyspace/spec.ts'
import { parseRules } from '../shared/rules/rules.ts'
import { KERNELS, measureKernel, type KernelName } from './kernels.ts'
import { measureThreads } from './threads.ts'
import { BUNDLE_NAME, buildWorkerBundle } from '../worker/bundle/build.ts'
import { startEndToEnd } from './e2e.ts'
import type { JobRequest } from '../server/job-description.ts'
import { hashcatVersion, median, runHashcat, runHashcatAttack, type HashcatRun } from './hashcat.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { MAX_TARGETS_PER_JOB } from '../server/scheduler/options.ts'
import { formatTarget } from '../shared/algorithms.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import { ALGORITHM_INFO, infoOf } from '../shared/algorithms.ts'
import { BENCH_MODES, hashcatBenchmark, measureMode } from './modes.ts'

const HELP = `Usage: npm run bench -- [options]

Options:
  --runs N            runs per measurement; medians are reported (default 5, end to end 3)
  --seconds S         seconds per kernel measurement (default 1)
  --range 0-END       end-to-end keyspace (default 0-1000000000)
  --skip PART         leave out kernels, threads, e2e, bundle (the single-file worker's end-to-end
                      runs, range and rules, alternating with the repository worker's), rules (a
                      wordlist through best64.rule, end to end), verify (the end-to-end range with
                      work verification on and off, alternating) or backend (with --compare
                      hashcat), crypt (sha512crypt through a hashcat-backend worker, with
                      --compare hashcat), words (the rules run's wordlist through best64 on a
                      hashcat-backend worker with a fresh cache: a first job, which sends the list,
                      and a second on the cached list, with --compare hashcat), modes (each crypt
                      and scheme mode per thread on hashcat's example hash; with --compare
                      hashcat, beside hashcat -b of the mode per CPU thread) (repeatable)
  --words N           words in the rules run's generated wordlist (default 1000000)
  --targets N         also run the end-to-end range with N random digests (none in it) beside one
                      digest, alternating, and report the speed kept (N targets / 1 target); with
                      --compare hashcat, hashcat too, at its default vector width and at
                      --backend-vector-width 8 (an AVX2 desktop's)
  --compare hashcat   also run hashcat on the end-to-end keyspaces (-O; the mask of the range, and
                      -a 0 -r best64.rule on the same wordlist), alternating with our runs; and
                      run a mask job through a hashcat-backend worker (part backend), alternating
                      with hashcat alone on the same mask
  --backend-mask MASK the backend part's mask (default ?d x 10: about a minute for hashcat here)
  --crypt-mask MASK   the crypt part's mask (default ?d x 5: about a minute for hashcat here)
  --out FILE          JSON results (default bench/results/<time>.json)
  -h, --help          this help`

const FLAGS = {
  runs: { type: 'string' }, seconds: { type: 'string' }, 'crypt-mask': { type: 'string' }, range: { type: 'string' }, skip: { type: 'string', multiple: true }, words: { type: 'string' },
  compare: { type: 'string' }, out: { type: 'string' }, targets: { type: 'string' }, 'backend-mask': { type: 'string' }, help: { type: 'boolean', short: 'h' }
} as const

const PARTS = ['kernels', 'threads', 'e2e', 'bundle', 'rules', 'verify', 'backend', 'crypt', 'words', 'modes']
// The kernels are measured on the four plain hashes: node:crypto has no MD4 (NTLM) in OpenSSL 3, and
// the salted and crypt modes run these same kernels.
const KERNEL_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const
// The rules run's rule file: hashcat's best64, as the repository's rule fixtures hold it.
const BEST64 = new URL('../test/vectors/rules/best64.rule', import.meta.url).pathname

// hashcat beside our runs of the same part: medians of per-run ratios.
// `slow`: speeds in H/s rather than M/s (crypt schemes).
function compare (ours: number[], theirs: HashcatRun[], say: (line: string) => void, slow = false) {
  const reported = median(ours.map((x, i) => x / theirs[i].reportedSpeed))
  const wall = median(ours.map((x, i) => x / theirs[i].wallSpeed))
  const shown = (speed: number) => slow ? `${speed.toFixed(0)} H/s` : `${mhs(speed)} M/s`
  say(`hashcat: ${shown(median(theirs.map((t) => t.reportedSpeed)))} as it reports its speed, ${shown(median(theirs.map((t) => t.wallSpeed)))} by wall clock (with its start-up)`)
  say(`ratio taskorch/hashcat: ${reported.toFixed(2)} against its reported speed, ${wall.toFixed(2)} against its wall clock`)
  return { samples: theirs, ratioToReported: reported, ratioToWall: wall }
}

// `runs` end-to-end MD5 runs of `keyspace`: the repository's worker, then the single-file worker
// (when `bundle` is given), then hashcat (when `hashcat` is given), in turn, so noise hits all alike.
async function alternate (keyspace: JobRequest['keyspace'], threads: number, bundle: string | null, runs: number, hashcat: (() => Promise<HashcatRun>) | null, say: (line: string) => void) {
  const ours: number[] = []
  const bundled: number[] = []
  const theirs: HashcatRun[] = []
  const session = await startEndToEnd(threads)
  const single = bundle ? await startEndToEnd(threads, bundle) : null
  try {
    for (let run = 0; run < runs; run++) {
      ours.push(await session.run('md5', keyspace))
      say(`  run ${run + 1}: taskorch ${mhs(ours[run])} M/s`)
      if (single) {
        bundled.push(await single.run('md5', keyspace))
        say(`  run ${run + 1}: taskorch single-file worker ${mhs(bundled[run])} M/s`)
      }
      if (hashcat) {
        theirs.push(await hashcat())
        say(`  run ${run + 1}: hashcat ${mhs(theirs[run].reportedSpeed)} M/s reported, ${mhs(theirs[run].wallSpeed)} M/s wall clock`)
      }
    }
  } finally {
    await session.close()
    await single?.close()
  }
  return { ours, bundled, theirs }
}

// Deterministic words of 5 to 10 lower-case letters and digits, like a leaked list's bulk.
function benchWordlist (count: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'taskorch-bench-')), 'words.txt')
  let seed = 12345
  const next = (below: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % below }
  writeFileSync(path, Array.from({ length: count }, () => Array.from({ length: 5 + next(6) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[next(36)]).join('')).join('\n') + '\n')
  return path
}

const mhs = (speed: number) => (speed / 1e6).toFixed(speed < 1e7 ? 2 : 1)
const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')

// What work verification costs a clean job: the end-to-end range with it on and off, alternating.
async function verificationCost (end: bigint, threads: number, runs: number, say: (line: string) => void) {
  say(`\nWork verification: md5 over 0-${end}, ${threads} threads, one target, verification on and off`)
  const keyspace = { type: 'range' as const, start: 0, end }
  const on = await startEndToEnd(threads)
  const off = await startEndToEnd(threads, undefined, undefined, false)
  const speeds: { on: number[], off: number[] } = { on: [], off: [] }
  try {
    for (let run = 0; run < runs; run++) {
      speeds.on.push(await on.run('md5', keyspace))
      speeds.off.push(await off.run('md5', keyspace))
      say(`  run ${run + 1}: on ${mhs(speeds.on[run])} M/s, off ${mhs(speeds.off[run])} M/s`)
    }
  } finally {
    await on.close()
    await off.close()
  }
  const kept = median(speeds.on.map((x, i) => x / speeds.off[i]))
  say(`with verification: ${kept.toFixed(3)}x of the speed without (median of ${runs} pairs)`)
  return { samples: speeds, kept }
}

// The end-to-end range with `count` random digests against one digest, alternating; hashcat the
// same at its default vector width and at 8. Reports the speed each keeps with many targets.
async function manyTargets (count: number, end: bigint, threads: number, runs: number, hashcat: string | null, say: (line: string) => void) {
  const targets = Array.from({ length: count }, () => randomBytes(16))
  const file = join(mkdtempSync(join(tmpdir(), 'taskorch-bench-')), 'targets.txt')
  writeFileSync(file, targets.map((t) => t.toString('hex')).join('\n') + '\n')
  say(`\nEnd to end with ${count} targets: md5 over 0-${end}, ${threads} threads, against one target` + (hashcat ? `; ${hashcat} likewise, at its default vector width and at 8` : ''))
  const keyspace = { type: 'range' as const, start: 0, end }
  const speeds: Record<string, number[]> = {}
  const add = (name: string, speed: number) => {
    (speeds[name] ??= []).push(speed)
    say(`  ${name}: ${mhs(speed)} M/s`)
  }
  const session = await startEndToEnd(threads)
  try {
    for (let run = 0; run < runs; run++) {
      add('taskorch, 1 target', await session.run('md5', keyspace))
      add(`taskorch, ${count} targets`, await session.run('md5', keyspace, targets))
      if (!hashcat) continue
      for (const vectorWidth of [undefined, 8]) {
        const width = vectorWidth ? ', vector width 8' : ''
        add(`hashcat${width}, 1 target`, (await runHashcat('md5', end, { vectorWidth })).reportedSpeed)
        add(`hashcat${width}, ${count} targets`, (await runHashcat('md5', end, { vectorWidth, targets: file })).reportedSpeed)
      }
    }
  } finally {
    await session.close()
  }
  const kept = (who: string) => median(speeds[`${who}, ${count} targets`].map((x, i) => x / speeds[`${who}, 1 target`][i]))
  const result: Record<string, unknown> = { count, samples: speeds, taskorchKept: kept('taskorch') }
  say(`taskorch keeps ${kept('taskorch').toFixed(2)}x of its one-target speed with ${count} targets (${mhs(median(speeds[`taskorch, ${count} targets`]))} M/s)`)
  if (hashcat) {
    for (const who of ['hashcat', 'hashcat, vector width 8']) {
      result[`${who} kept`] = kept(who)
      say(`${who} keeps ${kept(who).toFixed(2)}x (${mhs(median(speeds[`${who}, ${count} targets`]))} M/s as it reports); taskorch/${who} with ${count} targets: ${median(speeds[`taskorch, ${count} targets`].map((x, i) => x / speeds[`${who}, ${count} targets`][i])).toFixed(2)}`)
    }
  }
  return result
}

runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const runs = integerFlag(flags.runs, 'runs', 5, 1, 100)
  const e2eRuns = integerFlag(flags.runs, 'runs', 3, 1, 100)
  const seconds = Number(flags.seconds ?? 1)
  if (!(seconds > 0 && seconds <= 60)) throw new InvalidInputError(`--seconds ${flags.seconds} must be a number of seconds between 0 and 60`)
  const range = parseRange(flags.range ?? '0-1000000000')
  if (range.start !== '0') throw new InvalidInputError(`--range ${flags.range} must start at 0`)
  const skip = new Set(flags.skip ?? [])
  for (const part of skip) if (!PARTS.includes(part)) throw new InvalidInputError(`--skip ${part}: use ${PARTS.join(', ')}`)
  const wordCount = integerFlag(flags.words, 'words', 1_000_000, 1, 100_000_000)
  const targetCount = integerFlag(flags.targets, 'targets', 1, 1, MAX_TARGETS_PER_JOB)
  if (flags.compare !== undefined && flags.compare !== 'hashcat') throw new InvalidInputError(`--compare ${flags.compare}: only hashcat is supported`)
  const hashcat = flags.compare === 'hashcat' ? hashcatVersion() : null
  if (flags.compare === 'hashcat' && !hashcat) throw new InvalidInputError('--compare hashcat: hashcat is not on PATH (apt-get install hashcat pocl-opencl-icd)')

  const threads = availableParallelism()
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown', cores: threads, memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, v8: process.versions.v8, os: `${platform()} ${arch()}`, loadAverage: loadavg()[0], date: new Date().toISOString()
  }
  const results: Record<string, unknown> = { machine, runs }
  const say = (line = '') => process.stdout.write(line + '\n')
  say(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node} (V8 ${machine.v8}), load ${machine.loadAverage.toFixed(2)}`)

  const perThread: Record<string, Record<KernelName, number>> = {}
  if (!skip.has('kernels') || !skip.has('threads')) {
    const samples = new Map<string, number[]>()
    for (const algorithm of KERNEL_ALGORITHMS) for (const kernel of KERNELS) measureKernel(algorithm, kernel, 0.2) // warm up
    for (let run = 0; run < runs; run++) {
      for (const algorithm of KERNEL_ALGORITHMS) {
        for (const kernel of KERNELS) {
          const key = `${algorithm} ${kernel}`
          samples.set(key, [...(samples.get(key) ?? []), measureKernel(algorithm, kernel, seconds)])
        }
      }
    }
    say(`\nPer thread, M hashes/s (median of ${plural(runs, 'run')} of ${seconds} s; ratios are medians of per-run ratios)`)
    const widths = [10, 12, 8, 10, 12, 12]
    say(row(['algorithm', ...KERNELS, 'wasm/crypto', 'wasm/scalar'], widths))
    for (const algorithm of KERNEL_ALGORITHMS) {
      const of = (kernel: KernelName) => samples.get(`${algorithm} ${kernel}`)!
      const ratio = (a: KernelName, b: KernelName) => median(of(a).map((x, i) => x / of(b)[i]))
      perThread[algorithm] = Object.fromEntries(KERNELS.map((k) => [k, median(of(k))])) as Record<KernelName, number>
      say(row([algorithm, ...KERNELS.map((k) => mhs(median(of(k)))), `${ratio('wasm-simd', 'node:crypto').toFixed(1)}x`, `${ratio('wasm-simd', 'scalar').toFixed(1)}x`], widths))
      results[`kernels.${algorithm}`] = { samples: Object.fromEntries(KERNELS.map((k) => [k, of(k)])), wasmOverCrypto: ratio('wasm-simd', 'node:crypto'), wasmOverScalar: ratio('wasm-simd', 'scalar') }
    }
  }

  if (!skip.has('threads')) {
    say(`\nThread scaling, fastest kernel through the worker's thread pool, M hashes/s (median of ${plural(runs, 'run')})`)
    const counts = [...new Set([1, Math.ceil(threads / 2), threads])]
    const widths = [10, ...counts.map(() => 11), 9]
    say(row(['algorithm', ...counts.map((n) => `${n} thread${n > 1 ? 's' : ''}`), 'speedup'], widths))
    for (const algorithm of KERNEL_ALGORITHMS) {
      const speeds: number[] = []
      for (const n of counts) speeds.push(median(await measureThreads(algorithm, n, perThread[algorithm]['wasm-simd'], seconds * 2, runs)))
      say(row([algorithm, ...speeds.map(mhs), `${(speeds[speeds.length - 1] / speeds[0]).toFixed(2)}x`], widths))
      results[`threads.${algorithm}`] = Object.fromEntries(counts.map((n, i) => [n, speeds[i]]))
    }
  }

  // The single-file worker a joining machine downloads, from a directory of its own.
  let bundle: string | null = null
  if (!skip.has('bundle') && (!skip.has('e2e') || !skip.has('rules'))) {
    bundle = join(mkdtempSync(join(tmpdir(), 'taskorch-bench-')), BUNDLE_NAME)
    writeFileSync(bundle, (await buildWorkerBundle()).bytes)
  }

  if (!skip.has('e2e')) {
    const end = BigInt(range.end)
    say(`\nEnd to end: server + worker (${threads} threads) on loopback, md5 over ${range.start}-${range.end}, digest not in range` +
      (hashcat ? `, alternating with ${hashcat} (-O, same keyspace)` : ''))
    const { ours, bundled, theirs } = await alternate({ type: 'range', start: 0, end }, threads, bundle, e2eRuns, hashcat ? () => runHashcat('md5', end) : null, say)
    const single = bundled.length > 0
    say(`taskorch end to end: ${mhs(median(ours))} M/s (median of ${e2eRuns})`)
    results.e2e = { algorithm: 'md5', range: `${range.start}-${range.end}`, threads, samples: ours, median: median(ours) }
    if (single) {
      const ratio = median(bundled.map((x, i) => x / ours[i]))
      say(`single-file worker: ${mhs(median(bundled))} M/s (median of ${e2eRuns}), ${ratio.toFixed(2)}× the repository's worker`)
      results.bundle = { samples: bundled, median: median(bundled), ratioToRepository: ratio }
    }
    if (hashcat) results.hashcat = { version: hashcat, ...compare(ours, theirs, say) }
  }

  if (!skip.has('verify')) results.verification = await verificationCost(BigInt(range.end), threads, e2eRuns, say)
  if (targetCount > 1) results.targets = await manyTargets(targetCount, BigInt(range.end), threads, e2eRuns, hashcat, say)

  if (!skip.has('rules')) {
    const path = benchWordlist(wordCount)
    const candidates = BigInt(wordCount) * BigInt(parseRules(readFileSync(BEST64), BEST64).count)
    say(`\nEnd to end: wordlist of ${wordCount} words through best64.rule (${candidates} candidates), md5, ${threads} threads` + (hashcat ? `, alternating with ${hashcat} (-O -a 0 -r, same list and rules)` : ''))
    const keyspace = { type: 'wordlist' as const, path, rules: [BEST64] }
    const { ours, bundled, theirs } = await alternate(keyspace, threads, bundle, e2eRuns, hashcat ? () => runHashcatAttack('md5', [path, '-r', BEST64], candidates) : null, say)
    const single = bundled.length > 0
    say(`taskorch wordlist + best64: ${mhs(median(ours))} M/s (median of ${e2eRuns})`)
    results.rules = { algorithm: 'md5', words: wordCount, rules: 'best64.rule', candidates: candidates.toString(), threads, samples: ours, median: median(ours) }
    if (hashcat) results.rulesHashcat = { version: hashcat, ...compare(ours, theirs, say) }
    if (single) {
      say(`taskorch single-file worker: ${mhs(median(bundled))} M/s (median of ${e2eRuns})`)
      results.rulesBundle = { samples: bundled, median: median(bundled), ...(hashcat ? { hashcat: compare(bundled, theirs, say) } : {}) }
    }
  }

  if (hashcat && !skip.has('backend')) {
    const mask = flags['backend-mask'] ?? '?d'.repeat(10)
    const candidates = keyspaceFrom(maskSpec(mask, [])).size
    say(`\nThe hashcat backend: md5 mask ${mask} (${candidates} candidates) through the server and one worker with --backend hashcat, alternating with ${hashcat} alone on the same mask (-O)`)
    const theirs: HashcatRun[] = []
    const ours: number[] = []
    const session = await startEndToEnd(threads, undefined, 'hashcat')
    try {
      for (let run = 0; run < e2eRuns; run++) {
        ours.push(await session.run('md5', { type: 'mask', mask }))
        theirs.push(await runHashcatAttack('md5', ['-a', '3', mask], candidates))
        say(`  run ${run + 1}: taskorch with hashcat ${mhs(ours[run])} M/s (${(Number(candidates) / ours[run]).toFixed(1)} s); hashcat alone ${mhs(theirs[run].reportedSpeed)} M/s reported, ${mhs(theirs[run].wallSpeed)} M/s wall clock`)
      }
    } finally {
      await session.close()
    }
    say(`taskorch with the hashcat backend: ${mhs(median(ours))} M/s (median of ${e2eRuns})`)
    results.backend = { algorithm: 'md5', mask, candidates: candidates.toString(), samples: ours, median: median(ours), hashcat: { version: hashcat, ...compare(ours, theirs, say) } }
  }

  if (hashcat && !skip.has('crypt')) {
    // One sha512crypt target (5000 rounds) in no keyspace: hashcat alone against a job through the
    // server and one hashcat-backend worker, work verification on (its canaries share the salt).
    const mask = flags['crypt-mask'] ?? '?d'.repeat(5)
    const candidates = keyspaceFrom(maskSpec(mask, [])).size
    const salt = Buffer.from('benchslt')
    const target = Buffer.concat([digestOf('sha512crypt', Buffer.from('not in any benchmark keyspace'), salt, 5000), Buffer.from([0, 0, 0x13, 0x88]), salt])
    say(`\nsha512crypt on the hashcat backend: mask ${mask} (${candidates} candidates) through the server and one worker with --backend hashcat, alternating with ${hashcat} alone (pure kernels)`)
    const theirs: HashcatRun[] = []
    const ours: number[] = []
    const session = await startEndToEnd(threads, undefined, 'hashcat')
    try {
      for (let run = 0; run < e2eRuns; run++) {
        ours.push(await session.run('sha512crypt', { type: 'mask', mask }, [target]))
        theirs.push(await runHashcatAttack('sha512crypt', ['-a', '3', mask], candidates, { targets: formatTarget('sha512crypt', target), pure: true }))
        say(`  run ${run + 1}: taskorch with hashcat ${ours[run].toFixed(0)} H/s (${(Number(candidates) / ours[run]).toFixed(1)} s); hashcat alone ${theirs[run].reportedSpeed.toFixed(0)} H/s reported, ${theirs[run].wallSpeed.toFixed(0)} H/s wall clock`)
      }
    } finally {
      await session.close()
    }
    results.crypt = { algorithm: 'sha512crypt', mask, candidates: candidates.toString(), samples: ours, median: median(ours), hashcat: { version: hashcat, ...compare(ours, theirs, say, true) } }
  }

  if (hashcat && !skip.has('words')) {
    // The issue's measure: a list through best64 on one hashcat-backend worker, by wall clock from
    // adding the job to its end, the list's transfer included, against hashcat alone on the same list
    // and rules. The worker runs hashcat's pure kernels (they take words and rule results of up to
    // 256 bytes, as ours do); hashcat alone is shown that way and with -O.
    const path = benchWordlist(wordCount)
    const candidates = BigInt(wordCount) * BigInt(parseRules(readFileSync(BEST64), BEST64).count)
    const keyspace = { type: 'wordlist' as const, path, rules: [BEST64] }
    const attack = [path, '-r', BEST64]
    say(`\nA wordlist through best64 on a hashcat-backend worker: ${wordCount} words (${candidates} candidates), md5, a fresh worker cache each run: the first job sends the list, a second searches the cached list; alternating with ${hashcat} alone (pure kernels as the worker runs them, and -O)`)
    const first: number[] = []
    const cached: number[] = []
    const pure: HashcatRun[] = []
    const optimised: HashcatRun[] = []
    for (let run = 0; run < e2eRuns; run++) {
      const session = await startEndToEnd(threads, undefined, 'hashcat', true, mkdtempSync(join(tmpdir(), 'taskorch-bench-cache-')))
      try {
        first.push(await session.run('md5', keyspace))
        cached.push(await session.run('md5', keyspace))
      } finally {
        await session.close()
      }
      pure.push(await runHashcatAttack('md5', attack, candidates, { pure: true }))
      optimised.push(await runHashcatAttack('md5', attack, candidates))
      const seconds = (speed: number) => `${(Number(candidates) / speed).toFixed(1)} s`
      say(`  run ${run + 1}: taskorch first job ${seconds(first[run])}, cached list ${seconds(cached[run])}; hashcat alone ${seconds(pure[run].wallSpeed)} (pure), ${seconds(optimised[run].wallSpeed)} (-O)`)
    }
    say(`taskorch, first job: ${mhs(median(first))} M/s; against hashcat's pure kernels:`)
    const firstPure = compare(first, pure, say)
    say(`taskorch, cached list: ${mhs(median(cached))} M/s; against hashcat's pure kernels:`)
    const cachedPure = compare(cached, pure, say)
    say('taskorch, cached list, against hashcat -O:')
    const cachedOptimised = compare(cached, optimised, say)
    results.words = {
      algorithm: 'md5', words: wordCount, rules: 'best64.rule', candidates: candidates.toString(), version: hashcat,
      first: { samples: first, median: median(first), hashcatPure: firstPure, hashcatOptimised: compare(first, optimised, () => {}) },
      cached: { samples: cached, median: median(cached), hashcatPure: cachedPure, hashcatOptimised: cachedOptimised }
    }
  }

  if (!skip.has('modes')) {
    const examples = new Map(readFileSync(new URL('../test/vectors/hashcat-examples.tsv', import.meta.url), 'utf8').trim().split('\n').map((l) => l.split('\t')).map(([mode, hash]) => [Number(mode), hash]))
    say(`\nEach crypt and scheme mode per thread, H/s, on hashcat's example hash (median of ${plural(e2eRuns, 'run')}${hashcat ? `, alternating with ${hashcat} -b of the mode, per CPU thread` : ''})`)
    const widths = [12, 7, 14, 14, 8]
    say(row(['mode', '-m', 'taskorch', hashcat ? 'hashcat' : '', hashcat ? 'ratio' : ''], widths))
    for (const algorithm of BENCH_MODES) {
      const example = examples.get(infoOf(algorithm).hashcat)!
      measureMode(algorithm, example, 0.2) // warm up
      const ours: number[] = []
      const theirs: number[] = []
      for (let run = 0; run < e2eRuns; run++) {
        ours.push(measureMode(algorithm, example, seconds))
        const speed = hashcat ? hashcatBenchmark(algorithm) : null
        if (speed !== null) theirs.push(speed)
      }
      const ratio = theirs.length === ours.length ? median(ours.map((x, i) => x / theirs[i])) : null
      const hs = (x: number) => x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0)
      say(row([algorithm, String(infoOf(algorithm).hashcat), hs(median(ours)), theirs.length ? hs(median(theirs)) : '', ratio === null ? '' : `${ratio.toFixed(3)}x`], widths))
      results[`modes.${algorithm}`] = { ours, hashcat: theirs, ratio }
    }
  }

  const out = flags.out ?? new URL(`./results/${machine.date.replace(/[:.]/g, '-')}.json`, import.meta.url).pathname
  mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true })
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
  say(`\nResults written to ${out}`)
  return 0
})
