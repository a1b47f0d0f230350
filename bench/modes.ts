// Each slow or scheme mode per thread: our search (a worker thread's code, in this thread) on
// hashcat's example hash, and hashcat's own benchmark of the mode (`-b`, which uses the same hash's
// parameters: iterations, cost, ticket size), divided by the threads it ran on.
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { ALGORITHM_INFO, infoOf, parseTarget, type Algorithm } from '../shared/algorithms.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { searchWords } from '../worker/search/words.ts'

// The modes measured: the crypt family and every scheme.
export const BENCH_MODES = (Object.keys(ALGORITHM_INFO) as Algorithm[]).filter((a) => infoOf(a).kind === 'crypt' || infoOf(a).kind === 'scheme')

const WORDS = 4096
// Words of 8 to 11 bytes: every mode's candidate (WPA's passphrases start at 8, LM's halves end at 7,
// so LM is measured on words cut to 7).
function words (algorithm: Algorithm): Buffer {
  const length = algorithm === 'lm' ? 7 : 8
  return Buffer.from(Array.from({ length: WORDS }, (_, i) => `w${String(i).padStart(length - 1, '0')}${'xyz'.slice(0, i % 4)}`.slice(0, algorithm === 'lm' ? 7 : 12)).join('\n'))
}

// Candidates per second in this thread, searching for hashcat's example hash of the mode for about
// `seconds` (whole passes over the words, at least one).
export function measureMode (algorithm: Algorithm, example: string, seconds: number): number {
  const list = words(algorithm)
  const keyspace = keyspaceFrom({ type: 'wordlist', name: '/bench', size: String(WORDS) })
  const job = { algorithm, targets: [parseTarget(algorithm, example)], keyspace, parts: { rules: null, combination: null } }
  let hashed = 0
  const started = performance.now()
  // One word at first: a slow mode's pass over the words would take minutes.
  for (let count = 1; performance.now() - started < seconds * 1000; count = Math.min(WORDS, count * 2)) hashed += searchWords(job, list, 0n, count).hashed
  return hashed / ((performance.now() - started) / 1000)
}

// hashcat's benchmark of the mode per thread (its device's speed over the CPU threads it uses), or
// null when hashcat fails.
export function hashcatBenchmark (algorithm: Algorithm): number | null {
  const result = spawnSync('hashcat', ['-b', '-m', String(infoOf(algorithm).hashcat), '--machine-readable', '--quiet', '--force', '--session', `taskorch-bench-${process.pid}`], { encoding: 'utf8', timeout: 300_000 })
  // Each device's line: device:mode:...:ms:speed (H/s).
  const speeds = result.stdout.split('\n').map((line) => line.split(':')).filter((f) => f.length >= 6 && f[1] === String(infoOf(algorithm).hashcat)).map((f) => Number(f.at(-1)))
  if (result.status !== 0 || speeds.length === 0) return null
  return speeds.reduce((a, b) => a + b, 0) / availableParallelism()
}
