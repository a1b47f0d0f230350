// What hashcat can search for us with exactly our candidates and verdicts, so a chunk may run on
// either backend. The server (which chunks to cut for a hashcat worker) and the worker (how to run
// them) decide from this one place. Hashcat runs a chunk of a mask or range when the chunk is one mask
// run (shared/keyspace/runs.ts), and a chunk of a wordlist when it is whole words of the job's words
// file; anything else runs on the WASM kernels.
import { ALGORITHM_INFO, infoOf, scaledByCost, type Algorithm } from './algorithms.ts'
import { InvalidInputError } from './errors.ts'
import type { Keyspace } from './keyspace/keyspace.ts'
import { CUSTOM_CHARSETS, builtInName, parseMask } from './keyspace/mask.ts'
import { runShapes } from './keyspace/runs.ts'
import { parseSideRule } from './keyspace/combinator.ts'
import { MAX_CANDIDATE_BYTES, type CombinatorSpec, type KeyspaceSpec, type MaskSpec, type WordsFile } from './keyspace/spec.ts'
import { mayReject, ruleLongest } from './rules/rules.ts'

// What a worker searches with (its --backend): hashcat when found, the WASM kernels only, or hashcat
// without fallback.
export const BACKEND_MODES = ['auto', 'wasm', 'hashcat'] as const
export type BackendMode = typeof BACKEND_MODES[number]

export function backendMode (value: string, flag: string): BackendMode {
  if ((BACKEND_MODES as readonly string[]).includes(value)) return value as BackendMode
  throw new InvalidInputError(`${flag} must be one of ${BACKEND_MODES.join(', ')}, not "${value.slice(0, 20)}"`)
}

// The oldest hashcat whose outputs we parse and test (test/vectors/hashcat-output).
export const MIN_HASHCAT_VERSION = { major: 6, minor: 2 }

// A run this short goes to the WASM kernels even on a hashcat worker: hashcat's start-up (seconds)
// costs more than the search (tens of millions of MD5 candidates take a second or two on a few
// threads). A slower algorithm's shortest run is shorter by its cost.
export const MIN_HASHCAT_RUN = 2 ** 26

export function minHashcatRun (algorithm: Algorithm): number {
  return scaledByCost(algorithm, MIN_HASHCAT_RUN)
}

// hashcat's optimised mask kernels try the combinations of the mask's first four positions inside
// each kernel call, so a run that fixes them leaves each call too little to do. Measured with 6.2.6,
// MD5 on this 2-core CPU: 1,000 combinations ran at full speed (150 M/s), 100 at 0.57x, 90 at 0.35x.
const KERNEL_POSITIONS = 4
const MIN_KERNEL_COMBINATIONS = 1_000n

// The run to hand a hashcat worker at `offset` (its length; 0 when there is none): the longest of at
// most `size` candidates that keeps hashcat at full speed, else the shortest such run of at most
// `cap` (a longer chunk at full speed beats a short one at a third of it), else the longest of at
// most `size`.
export function hashcatRunAt (keyspace: Keyspace, offset: bigint, end: bigint, size: bigint, cap: bigint): bigint {
  const found = runShapes(keyspace, offset, end)
  if (!found) return 0n
  const lengths = found.segment.charsets.slice(0, KERNEL_POSITIONS).map((c) => BigInt(c.length))
  let fast = 0n // longest full-speed run of at most size
  let slow = 0n // longest run of at most size
  let long = 0n // shortest full-speed run of at most cap
  for (const { level, block, blocks } of found.shapes) {
    // Combinations of the first positions in a run of m blocks: fixed ones count 1, the ranging one m.
    const others = lengths.reduce((n, size, i) => (level === 0 || i >= level ? n * size : n), 1n)
    const combinations = (m: bigint) => (level >= 1 && level - 1 < KERNEL_POSITIONS ? others * m : others)
    const fit = blocks < size / block ? blocks : size / block
    if (fit >= 1n) {
      if (fit * block > slow) slow = fit * block
      if (combinations(fit) >= MIN_KERNEL_COMBINATIONS && fit * block > fast) fast = fit * block
    }
    const m = level >= 1 && level - 1 < KERNEL_POSITIONS ? (MIN_KERNEL_COMBINATIONS + others - 1n) / others : 1n
    if (m <= blocks && combinations(m) >= MIN_KERNEL_COMBINATIONS && m * block <= cap && (long === 0n || m * block < long)) long = m * block
  }
  return fast || long || slow
}

// NTLM's hashcat kernels widen or decode bytes above 0x7f otherwise than we do (docs/attacks.md);
// below it both are the same UTF-16LE. So do those of every mode built on the NT hash.
const ASCII_ONLY: ReadonlySet<Algorithm> = new Set(['ntlm', 'netntlmv1', 'netntlmv2', 'dcc2', 'krb5tgs', 'krb5asrep'])
const SLASH = 0x2f

// Null when hashcat can search this job; otherwise why not, for the worker's log. Every algorithm of
// ours is hashcat's mode of the same number (salts go to it in hex, crypt strings as they are). A
// wordlist job runs on hashcat from its words file (`words`), whole words at a time, with its rule
// files' texts (`rules`) or its hybrid mask.
export function hashcatRefusal (algorithm: Algorithm, spec: KeyspaceSpec, words?: WordsFile, rules?: readonly Uint8Array[]): string | null {
  const lengths = infoOf(algorithm).lengths
  if (spec.type === 'wordlist') {
    if (!words) return 'its words do not come as a file'
    // hashcat leaves words of other lengths out of its count, and so out of the progress we check.
    if (lengths) return `${algorithm} takes passwords of ${lengths.min} to ${lengths.max} bytes: its wordlists run on the WASM kernels, which count every word`
    if (words.crEnds || spec.combinator?.other.file.crEnds) return 'words ending in a carriage return (hashcat would strip it) run on the WASM kernels'
    if (spec.combinator) {
      const refusal = combinatorRefusal(spec.combinator, words)
      if (refusal) return refusal
    }
    const combined = spec.combinator ? [spec.combinator.left, spec.combinator.right].flatMap((rule) => rule === undefined ? [] : [Buffer.from(rule, 'latin1')]) : []
    const high = !words.ascii || [...(rules ?? []), ...combined].some(makesHighBytes) || (spec.hybrid && hasHighBytes(spec.hybrid.mask)) || spec.combinator?.other.file.ascii === false
    if (ASCII_ONLY.has(algorithm) && high) return `${algorithm} wordlists with bytes above 0x7f run on the WASM kernels`
    // A hybrid's mask goes to hashcat as text (worker/hashcat/plan.ts): its own charsets and literals
    // must be printable ASCII, and no slash, since hashcat reads a mask or charset that names a file
    // as that file.
    const positions = spec.hybrid ? parseMask(spec.hybrid.mask.mask, spec.hybrid.mask.charsets) : []
    if (positions.some((c) => !builtInName(c) && c.some((byte) => byte < 0x20 || byte > 0x7e || byte === SLASH))) return 'hybrid masks with a slash or bytes outside printable ASCII run on the WASM kernels'
    return null
  }
  if (spec.type === 'mask') {
    const positions = parseMask(spec.mask, spec.charsets)
    if (lengths && (positions.length < lengths.min || positions.length > lengths.max)) return `${algorithm} takes passwords of ${lengths.min} to ${lengths.max} bytes, which hashcat refuses a mask of ${positions.length} for`
    if (ASCII_ONLY.has(algorithm) && hasHighBytes(spec)) return `${algorithm} masks with bytes above 0x7f run on the WASM kernels`
    // A run's ranging position may need a custom charset of its own, beside the mask's.
    const custom = new Set(positions.filter((c) => c.length > 1 && !builtInName(c)).map((c) => c.join()))
    if (custom.size >= CUSTOM_CHARSETS) return `the mask uses ${custom.size} custom charsets; hashcat runs need one of its ${CUSTOM_CHARSETS} spare`
  }
  return null
}

// hashcat drops a word its -j rule rejects from its count of the left list (and miscounts a right
// word its -k rule rejects), and its pure kernels take candidates of up to 256 bytes, as ours do.
function combinatorRefusal (combinator: CombinatorSpec, words: WordsFile): string | null {
  const { other } = combinator
  const longest = { [combinator.base]: words.longest, [combinator.base === 'left' ? 'right' : 'left']: other.file.longest } as Record<'left' | 'right', number>
  let most = 0
  for (const side of ['left', 'right'] as const) {
    const text = combinator[side]
    const rule = text === undefined ? null : parseSideRule(text, side)
    if (rule && mayReject(rule, 0)) return 'combinator rules that reject words run on the WASM kernels: hashcat would count the words otherwise'
    most += rule ? ruleLongest(rule, 0, longest[side]) : longest[side]
  }
  return most > MAX_CANDIDATE_BYTES ? `combined words may pass ${MAX_CANDIDATE_BYTES} bytes, which hashcat does not take` : null
}

// A rule file with a byte above 0x7f, as it is or written \xHH.
function makesHighBytes (text: Uint8Array): boolean {
  return text.some((byte) => byte > 0x7f) || /\\x[89a-f][0-9a-f]/i.test(Buffer.from(text).toString('latin1'))
}

function hasHighBytes (mask: MaskSpec): boolean {
  return parseMask(mask.mask, mask.charsets).some((charset) => charset.some((byte) => byte > 0x7f))
}
