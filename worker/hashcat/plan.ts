// How one chunk becomes hashcat command lines: a mask run's (shared/keyspace/runs.ts) mask written
// with --hex-charset, so any byte is expressible, and -O where hashcat's optimised kernel takes every
// candidate of the run; whole words of a wordlist job as -a 0, 6 or 7 over the job's words file; and
// how targets are written to its hash file and read back.
import { ALGORITHM_INFO, infoOf, formatTarget, hasPotfileForm, parseTarget, targetParts, type Algorithm } from '../../shared/algorithms.ts'
import { CUSTOM_CHARSETS, builtInName, parseMask } from '../../shared/keyspace/mask.ts'
import type { MaskRun } from '../../shared/keyspace/runs.ts'
import type { WordlistSpec } from '../../shared/keyspace/spec.ts'

// The longest candidate hashcat 6.2.6's optimised (-O) kernels take in a mask attack, by mode; longer
// masks are refused with exit 255, so they go to the pure kernels (up to 256 bytes), at half the speed.
const OPTIMISED_MAX_LENGTH: Partial<Record<Algorithm, number>> = { md5: 55, sha1: 55, sha256: 55, sha512: 55, ntlm: 27 }

// hashcat's flags for a private, exact, machine-readable run: no potfile or restore file of its own
// (ours are the only record), a status line a second, cracks as hash:hex-plaintext, and every target
// kept in play after it is cracked so the whole chunk is always searched.
export const COMMON_ARGS = [
  '--force', '--quiet', '--potfile-disable', '--restore-disable', '--logfile-disable', '--keep-guessing',
  '--status', '--status-json', '--status-timer', '1', '--outfile-format', '1,3'
]

// One hashcat process of a chunk: its flags, its inputs after the hash file (a mask, a words file),
// and how its progress maps onto the chunk: it counts `skipped` candidates (-s words times the
// modifier) before the run's `count`. `kernel`: what selects the kernel hashcat compiles and caches
// (mode, attack and -O), for the backend.
export type HashcatRun = { args: string[], inputs: string[], skipped: bigint, count: bigint, kernel: string }

// A mask and its custom charsets (-1..-4), or null when it needs more custom charsets than hashcat's
// four. In hex for masks (--hex-charset, so any byte is expressible); as text for hybrids, where
// hashcat 6.2.6's --hex-charset also hex-decodes dictionary words that look like hex ("beef"), so
// their masks take printable ASCII only (shared/hashcat.ts), a literal ? written ??.
function maskText (charsets: readonly Uint8Array[], inHex: boolean): { mask: string, custom: string[] } | null {
  const written = (bytes: Uint8Array) => inHex ? hex(bytes) : Buffer.from(bytes).toString('latin1').replaceAll('?', '??')
  const custom: string[] = []
  let mask = ''
  for (const charset of charsets) {
    const builtIn = charset.length > 1 ? builtInName(charset) : null
    if (charset.length === 1) mask += written(charset)
    else if (builtIn) mask += `?${builtIn}`
    else {
      let slot = custom.indexOf(written(charset))
      if (slot < 0) {
        if (custom.length === CUSTOM_CHARSETS) return null
        slot = custom.push(written(charset)) - 1
      }
      mask += `?${slot + 1}`
    }
  }
  return { mask, custom }
}

function charsetArgs (custom: string[]): string[] {
  return custom.flatMap((set, i) => [`-${i + 1}`, set])
}

// The run of a mask run's chunk, or null when it needs more custom charsets than hashcat's four.
export function maskArgs (algorithm: Algorithm, run: MaskRun, length: number): HashcatRun | null {
  const text = maskText(run.charsets, true)
  if (!text) return null
  const mode = String(infoOf(algorithm).hashcat)
  const args = ['-m', mode, '-a', '3', '--hex-charset', ...targetArgs(algorithm), ...charsetArgs(text.custom)]
  const optimised = run.charsets.length <= (OPTIMISED_MAX_LENGTH[algorithm] ?? 0)
  if (optimised) args.push('-O')
  return { args, inputs: [text.mask], skipped: 0n, count: BigInt(length), kernel: `-m ${mode} -a 3${optimised ? ' -O' : ''}` }
}

// hashcat's optimised kernels (-O) in wordlist attacks take candidates of up to this many bytes, by
// mode (6.2.6, -a 0, 6 and 7 alike); a longer word is skipped and a rule that would make one longer is
// not applied, so -O runs only where no candidate can be longer (worker/client.ts).
export const OPTIMISED_WORDS_MAX: Partial<Record<Algorithm, number>> = { md5: 31, sha1: 31, sha256: 31, sha512: 31, ntlm: 27 }

// The rules of one -a 0 run: files (the job's, or a part of its one file), the candidates each word
// makes through them, and whether -O is exact for them.
export type RulePart = { files: string[], perWord: bigint, optimised: boolean }

// Where a words chunk's files are: the job's words file, its rules in parts, a combinator's other
// list, and for -a 7 (and a combinator whose base is the right list) a file holding the chunk's words
// alone. `longest`: the list's longest word, in bytes.
export type WordsPaths = { words: string, parts: RulePart[], other: string, slice: string, longest: number }

// The runs of a chunk of `count` whole words from `first` of a wordlist job: -a 0, one run per part
// of its rules (the rules that fit -O in one, the rest in another), one hybrid run per mask length
// (-a 6, -a 7; the job's --increment made explicit, since hashcat's own would restart -s at each
// length), or one -a 1 run. hashcat's base is the words for -a 0 and -a 6, so -s/-l pick them from
// the job's file; for -a 7 it is the mask, and the words come from `slice`. Its pure kernels take
// -a 1's left list as the base (its -O kernels, the larger): where our base is the right list, the
// chunk's words come from `slice`. Pure kernels where -O could cut a
// candidate short: they take words and rule results of up to 256 bytes, as ours do. hashcat reads a
// $HEX[..] line as the bytes it encodes, as our kernels do.
export function wordsRuns (algorithm: Algorithm, spec: WordlistSpec, paths: WordsPaths, first: bigint, count: bigint): HashcatRun[] {
  const mode = String(infoOf(algorithm).hashcat)
  const common = ['-m', mode, ...targetArgs(algorithm)]
  const window = ['-s', String(first), '-l', String(count)]
  const optimised = (yes: boolean) => (yes ? ['-O'] : [])
  if (spec.combinator) {
    const { base, left, right, other } = spec.combinator
    const perWord = BigInt(other.size)
    const args = [...common, '-a', '1', ...(left !== undefined ? [`--rule-left=${left}`] : []), ...(right !== undefined ? [`--rule-right=${right}`] : [])]
    const kernel = `-m ${mode} -a 1`
    return [base === 'left'
      ? { args: [...args, ...window], inputs: [paths.words, paths.other], skipped: first * perWord, count: count * perWord, kernel }
      : { args, inputs: [paths.other, paths.slice], skipped: 0n, count: count * perWord, kernel }]
  }
  if (!spec.hybrid) {
    return paths.parts.map(({ files, perWord, optimised: fast }) => ({
      args: [...common, '-a', '0', ...files.flatMap((path) => ['-r', path]), ...optimised(fast), ...window],
      inputs: [paths.words], skipped: first * perWord, count: count * perWord, kernel: `-m ${mode} -a 0${fast ? ' -O' : ''}`
    }))
  }
  const { side, mask } = spec.hybrid
  const positions = parseMask(mask.mask, mask.charsets)
  const runs: HashcatRun[] = []
  for (let length = mask.min; length <= mask.max; length++) {
    const charsets = positions.slice(0, length)
    const text = maskText(charsets, false)! // at most four custom charsets, printable (shared/hashcat.ts)
    const size = charsets.reduce((n, c) => n * BigInt(c.length), 1n)
    const fast = paths.longest + length <= (OPTIMISED_WORDS_MAX[algorithm] ?? 0)
    const args = [...common, ...charsetArgs(text.custom), ...optimised(fast)]
    const kernel = `-m ${mode} -a ${side === 'append' ? 6 : 7}${fast ? ' -O' : ''}`
    runs.push(side === 'append'
      ? { args: [...args, '-a', '6', ...window], inputs: [paths.words, text.mask], skipped: first * size, count: count * size, kernel }
      : { args: [...args, '-a', '7'], inputs: [text.mask, paths.slice], skipped: 0n, count: count * size, kernel })
  }
  return runs
}

// Salts travel in hex (--hex-salt), so a colon, a newline or any byte in one is written exactly.
// hashcat tries WPA captures with the AP's nonce slightly changed, which our kernels (and the
// server's check of every find) do not: it is told not to.
export function targetArgs (algorithm: Algorithm): string[] {
  if (algorithm === 'wpa') return ['--nonce-error-corrections', '0']
  return infoOf(algorithm).kind === 'salted' ? ['--hex-salt'] : []
}

// A target as a line of hashcat's hash file: the hex digest; `digest:salt` in hex for salted modes;
// the crypt string for crypt schemes, a scheme's own format for the others.
export function hashLine (algorithm: Algorithm, target: Uint8Array): string {
  const { kind } = infoOf(algorithm)
  if (kind === 'plain') return hex(target)
  if (kind === 'crypt' || kind === 'scheme' || kind === 'hashcat') return formatTarget(algorithm, target)
  const { digest, salt } = targetParts(algorithm, target)
  return `${hex(digest)}:${hex(salt)}`
}

// What hashcat's outfile names as the hash (as hashLine wrote it, its hex in either case) as one of
// our targets, or null when it is no such hash.
export function targetOfHashLine (algorithm: Algorithm, line: string): Uint8Array | null {
  try {
    return parseTarget(algorithm, line, { hexSalt: true })
  } catch {
    return null
  }
}

// The digest of the hash hashcat's outfile names: a mode whose results hashcat shows in a form of
// their own (WPA: MIC:AP:STA:ESSID) writes that, its digest first in hex.
export function digestOfHashLine (algorithm: Algorithm, line: string): Uint8Array | null {
  if (!hasPotfileForm(algorithm)) {
    const target = targetOfHashLine(algorithm, line)
    return target && targetParts(algorithm, target).digest
  }
  const hex = line.slice(0, line.indexOf(':'))
  return /^[0-9a-f]+$/i.test(hex) && hex.length === 2 * infoOf(algorithm).digestBytes ? Uint8Array.from(Buffer.from(hex, 'hex')) : null
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}
