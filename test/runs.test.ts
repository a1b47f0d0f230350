import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { hashcatRefusal, hashcatRunAt } from '../shared/hashcat.ts'
import { candidateAt, keyspaceFrom, type Keyspace } from '../shared/keyspace/keyspace.ts'
import { alignedStart, maskRunAt, runLengthAt, type MaskRun } from '../shared/keyspace/runs.ts'
import { maskSpec, rangeSpec, type CombinatorSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import { hashLine, maskArgs, targetArgs, targetOfHashLine, wordsRuns } from '../worker/hashcat/plan.ts'
import { ALGORITHM_INFO, formatTarget, parseTarget, type Algorithm, type KnownAlgorithm } from '../shared/algorithms.ts'
import { readFileSync } from 'node:fs'
import { seededRandom } from './helpers.ts'

// Every candidate a run's charsets make, as latin1 text, in odometer order.
function expand (run: MaskRun): string[] {
  let out = ['']
  for (const charset of run.charsets) out = out.flatMap((prefix) => [...charset].map((b) => prefix + String.fromCharCode(b)))
  return out
}

// Whether these candidates are all the combinations of their per-position bytes (what one mask makes).
function isProductSet (list: string[]): boolean {
  if (new Set(list.map((c) => c.length)).size !== 1) return false
  const positions = Array.from(list[0], (_, i) => new Set(list.map((c) => c[i])))
  return positions.reduce((n, p) => n * p.size, 1) === new Set(list).size && new Set(list).size === list.length
}

function candidates (keyspace: Keyspace, offset: bigint, length: bigint): string[] {
  const out: string[] = []
  for (let i = offset; i < offset + length; i++) out.push(Buffer.from(candidateAt(keyspace, i)).toString('latin1'))
  return out
}

const KEYSPACES = [
  keyspaceFrom(maskSpec('?d?1?d', ['abc'])),
  keyspaceFrom(maskSpec('a?l?d', [], { min: 1, max: 3 })),
  keyspaceFrom(rangeSpec(37, 12_345)),
  keyspaceFrom(maskSpec('??x?h', []))
]

describe('mask runs', () => {
  it('a run is exactly the candidates of its index range, and only runs are called runs (seeded)', () => {
    const random = seededRandom()
    for (const keyspace of KEYSPACES) {
      for (let n = 0; n < 400; n++) {
        const offset = BigInt(Math.floor(random() * Number(keyspace.size)))
        const length = 1n + BigInt(Math.floor(random() ** 3 * Number(keyspace.size - offset)))
        const run = maskRunAt(keyspace, offset, length)
        const wanted = candidates(keyspace, offset, length)
        if (run) expect(expand(run)).toEqual(wanted)
        else expect(isProductSet(wanted)).toBe(false)
      }
    }
  })

  it('the longest run at an offset is a run, within its bounds, and nothing longer is one', () => {
    const random = seededRandom()
    for (const keyspace of KEYSPACES) {
      for (let n = 0; n < 300; n++) {
        const offset = BigInt(Math.floor(random() * Number(keyspace.size)))
        const end = offset + 1n + BigInt(Math.floor(random() * Number(keyspace.size - offset)))
        const most = 1n + BigInt(Math.floor(random() ** 2 * 5000))
        const length = runLengthAt(keyspace, offset, end, most)
        expect(length).toBeGreaterThan(0n) // a single candidate is always a run
        expect(length <= most && offset + length <= end).toBe(true)
        expect(maskRunAt(keyspace, offset, length)).not.toBeNull()
        if (length < most && offset + length < end) expect(maskRunAt(keyspace, offset, length + 1n)).toBeNull()
        const aligned = alignedStart(keyspace, offset, most)
        expect(aligned >= offset).toBe(true)
      }
    }
  })

  it('finds whole blocks: a digit mask splits into runs of a power of ten', () => {
    const keyspace = keyspaceFrom(maskSpec('?d?d?d?d?d?d', []))
    expect(runLengthAt(keyspace, 0n, 1_000_000n, 10n ** 9n)).toBe(1_000_000n)
    expect(runLengthAt(keyspace, 0n, 1_000_000n, 350_000n)).toBe(300_000n)
    expect(runLengthAt(keyspace, 123_000n, 1_000_000n, 350_000n)).toBe(7_000n) // to the next multiple of 10,000
    expect(alignedStart(keyspace, 123_000n, 350_000n)).toBe(200_000n)
    expect(maskRunAt(keyspace, 200_000n, 300_000n)!.charsets.map((c) => Buffer.from(c).toString())).toEqual(['234', '0123456789', '0123456789', '0123456789', '0123456789', '0123456789'])
    expect(maskRunAt(keyspace, 200_000n, 300_001n)).toBeNull()
  })
})

describe('hashcat command lines for runs', () => {
  it('writes built-in charsets by name, ranges and literals in hex, and -O where the optimised kernel reaches', () => {
    const keyspace = keyspaceFrom(maskSpec('?d?d?d?l?1', ['?u?d']))
    const run = maskRunAt(keyspace, 3n * 93_600n, 4n * 9_360n)! // 3, then 0-3, then free
    expect(maskArgs('md5', run, 37_440)).toEqual({
      args: ['-m', '0', '-a', '3', '--hex-charset', '-1', '30313233', '-2', expect.stringMatching(/^(3[0-9]|4[1-9a-f]|5[0-9a])+$/), '-O'], inputs: ['33?1?d?l?2'], skipped: 0n, count: 37_440n, kernel: '-m 0 -a 3 -O'
    })
    const long = keyspaceFrom(maskSpec('?b'.repeat(30), []))
    expect(maskArgs('ntlm', maskRunAt(long, 0n, long.size)!, 1)!.args).not.toContain('-O') // past NTLM's 27
    expect(maskArgs('sha1', maskRunAt(long, 0n, long.size)!, 1)!.args).toContain('-O')
  })

  it('keeps hashcat at full speed: no run fixing the first positions when a longer one, under the cap, does not', () => {
    const digits = (n: number) => keyspaceFrom(maskSpec('?d'.repeat(n), []))
    expect(hashcatRunAt(digits(10), 0n, 10n ** 10n, 6n * 10n ** 9n, 10n ** 11n)).toBe(6n * 10n ** 9n) // first digit 0-5: 6,000 combinations
    // 9e9 would fix two digits and range over a third (90 combinations): one first digit whole instead.
    expect(hashcatRunAt(digits(12), 0n, 10n ** 12n, 9n * 10n ** 9n, 135n * 10n ** 9n)).toBe(10n ** 11n)
    expect(hashcatRunAt(digits(12), 0n, 10n ** 12n, 9n * 10n ** 9n, 9n * 10n ** 9n)).toBe(9n * 10n ** 9n) // capped: the slow one
    const lower = keyspaceFrom(maskSpec('?l'.repeat(8), []))
    expect(hashcatRunAt(lower, 0n, lower.size, 10n ** 10n, 10n ** 11n)).toBe(26n ** 7n) // 'a' then ?l x 7: 17,576 combinations
    expect(hashcatRunAt(digits(2), 0n, 100n, 50n, 100n)).toBe(50n) // too short to matter: the longest that fits
  })

  it('runs whole words as -a 0 per part of the rules, hybrids per mask length, and -O only where no candidate can pass its limit', () => {
    const parts = [{ files: ['/c/fit'], perWord: 73n, optimised: true }, { files: ['/c/over'], perWord: 4n, optimised: false }]
    const rules: WordlistSpec = { type: 'wordlist', name: '/w', size: '100', rules: [{ name: '/best64', sha256: '', count: 77 }] }
    const common = ['-m', '0', '-a', '0']
    expect(wordsRuns('md5', rules, { words: '/c/words', parts, other: '', slice: '', longest: 10 }, 10n, 5n)).toEqual([
      { args: [...common, '-r', '/c/fit', '-O', '-s', '10', '-l', '5'], inputs: ['/c/words'], skipped: 730n, count: 365n, kernel: '-m 0 -a 0 -O' },
      { args: [...common, '-r', '/c/over', '-s', '10', '-l', '5'], inputs: ['/c/words'], skipped: 40n, count: 20n, kernel: '-m 0 -a 0' }
    ])
    const hybrid = (side: 'append' | 'prepend'): WordlistSpec => ({ type: 'wordlist', name: '/w', size: '100', hybrid: { side, mask: maskSpec('?d?1', ['x-??'], { min: 1, max: 2 }) } })
    // Words of up to 30 bytes: the one-position mask makes 31 (-O takes it), the two-position 32.
    const appended = wordsRuns('md5', hybrid('append'), { words: '/c/words', parts: [], other: '', slice: '', longest: 30 }, 0n, 5n)
    expect(appended.map((r) => [r.inputs, r.skipped, r.count, r.kernel, r.args.includes('-O')])).toEqual([[['/c/words', '?d'], 0n, 50n, '-m 0 -a 6 -O', true], [['/c/words', '?d?1'], 0n, 150n, '-m 0 -a 6', false]])
    expect(appended[1].args).toEqual(['-m', '0', '-1', 'x-??', '-a', '6', '-s', '0', '-l', '5']) // text, ? written ??
    const prepended = wordsRuns('ntlm', hybrid('prepend'), { words: '/c/words', parts: [], other: '', slice: '/c/slice', longest: 26 }, 20n, 5n)
    expect(prepended.map((r) => [r.inputs, r.skipped, r.count, r.kernel])).toEqual([[['?d', '/c/slice'], 0n, 50n, '-m 1000 -a 7 -O'], [['?d?1', '/c/slice'], 0n, 150n, '-m 1000 -a 7']])

    // -a 1 on the pure kernels, whose base is always the left list: -s/-l over our base when it is
    // the left; a slice of it, as hashcat's right list, when it is the right.
    const other = { name: '/small', size: 7, file: { sha256: 'ab'.repeat(32), bytes: 30, ascii: true, crEnds: false, longest: 5 } }
    const combinator = (base: 'left' | 'right'): WordlistSpec => ({ type: 'wordlist', name: '/w', size: '100', combinator: { base, other, left: '-5', right: '$!' } })
    const paths = { words: '/c/words', parts: [], other: '/c/small', slice: '/c/slice', longest: 9 }
    expect(wordsRuns('md5', combinator('left'), paths, 20n, 5n)).toEqual([
      { args: ['-m', '0', '-a', '1', '--rule-left=-5', '--rule-right=$!', '-s', '20', '-l', '5'], inputs: ['/c/words', '/c/small'], skipped: 140n, count: 35n, kernel: '-m 0 -a 1' }
    ])
    expect(wordsRuns('md5', combinator('right'), paths, 20n, 5n)).toEqual([
      { args: ['-m', '0', '-a', '1', '--rule-left=-5', '--rule-right=$!'], inputs: ['/c/small', '/c/slice'], skipped: 0n, count: 35n, kernel: '-m 0 -a 1' }
    ])
  })

  it('leaves to WASM what hashcat cannot take exactly', () => {
    expect(hashcatRefusal('md5', maskSpec('?d', []))).toBeNull()
    expect(hashcatRefusal('md5', rangeSpec(0, 10))).toBeNull()
    // Salted and crypt modes are hashcat's modes of the same numbers: their runs go to hashcat too.
    expect(hashcatRefusal('md5-pass-salt', maskSpec('?d', []))).toBeNull()
    expect(hashcatRefusal('sha512crypt', rangeSpec(0, 10))).toBeNull()
    // A wordlist's words reach hashcat as a file; NTLM's only when every byte is ASCII.
    const list = { type: 'wordlist', name: '/w', size: '3' } as const
    const file = { sha256: 'ab'.repeat(32), bytes: 6, ascii: true, crEnds: false, longest: 9 }
    expect(hashcatRefusal('md5', list)).toMatch(/its words do not come as a file/)
    expect(hashcatRefusal('md5', list, file)).toBeNull()
    expect(hashcatRefusal('ntlm', list, { ...file, ascii: false })).toMatch(/above 0x7f/)
    expect(hashcatRefusal('ntlm', list, file, [Buffer.from('$\\x41 ^!')])).toBeNull()
    expect(hashcatRefusal('ntlm', list, file, [Buffer.from('$\\xff')])).toMatch(/above 0x7f/) // written in ASCII, a byte above 0x7f
    expect(hashcatRefusal('ntlm', list, file, [Buffer.from('$\u00e9')])).toMatch(/above 0x7f/)
    expect(hashcatRefusal('ntlm', maskSpec('?b', []))).toMatch(/above 0x7f/)
    expect(hashcatRefusal('md5', maskSpec('?1?2?3?4', ['ab', 'cd', 'ef', 'gh']))).toMatch(/4 custom charsets/)
    expect(hashcatRefusal('md5', maskSpec('?1?2?3?4', ['ab', 'cd', 'ef', '?l']))).toBeNull() // -4 is ?l
    // -a 1: what hashcat would count otherwise (a rejecting rule), or could not take (too long).
    const otherFile = { sha256: 'cd'.repeat(32), bytes: 6, ascii: true, crEnds: false, longest: 120 }
    const combined = (extra: Partial<CombinatorSpec>): WordlistSpec => ({ ...list, combinator: { base: 'left', other: { name: '/o', size: 2, file: otherFile }, ...extra } })
    expect(hashcatRefusal('md5', combined({ left: 'c', right: '$1' }), file)).toBeNull()
    expect(hashcatRefusal('md5', combined({ left: '>3' }), file)).toMatch(/combinator rules that reject words/)
    expect(hashcatRefusal('md5', combined({ right: 'c !x' }), file)).toMatch(/combinator rules that reject words/)
    expect(hashcatRefusal('md5', combined({ right: 'd' }), { ...file, longest: 100 })).toMatch(/may pass 256 bytes/) // 100 + 2 x 120
    expect(hashcatRefusal('md5', combined({}), { ...file, longest: 136 })).toBeNull() // 136 + 120
    expect(hashcatRefusal('ntlm', combined({}), file)).toBeNull()
    expect(hashcatRefusal('ntlm', { ...list, combinator: { base: 'right', other: { name: '/o', size: 2, file: { ...otherFile, ascii: false } } } }, file)).toMatch(/above 0x7f/)
    expect(hashcatRefusal('md5', { ...list, combinator: { base: 'right', other: { name: '/o', size: 2, file: { ...otherFile, crEnds: true } } } }, file)).toMatch(/carriage return/)
  })

  // hashcat's example hash of every mode we share (test/vectors/hashcat-examples.tsv), and salts no
  // text form can hold, go to its hash file and come back from its outfile as the same target.
  it('writes every mode\'s targets as hashcat reads them, salts in hex, and reads its outfile\'s hashes back', () => {
    const examples = readFileSync(new URL('./vectors/hashcat-examples.tsv', import.meta.url), 'utf8').trim().split('\n').map((l) => l.split('\t'))
    for (const [algorithm, info] of Object.entries(ALGORITHM_INFO) as [KnownAlgorithm, typeof ALGORITHM_INFO[KnownAlgorithm]][]) {
      const example = examples.find(([mode]) => Number(mode) === info.hashcat)
      if (info.kind !== 'plain') expect(example, algorithm).toBeDefined()
      const target = parseTarget(algorithm, example?.[1] ?? 'c4'.repeat(info.digestBytes))
      const line = hashLine(algorithm, target)
      if (info.kind === 'salted') {
        expect(line).toMatch(/^[0-9a-f]+:[0-9a-f]*$/)
        expect(targetArgs(algorithm)).toEqual(['--hex-salt'])
      } else expect(line).toBe(formatTarget(algorithm, target))
      expect(targetOfHashLine(algorithm, line)).toEqual(target)
    }
    const odd = parseTarget('sha256-salt-pass', `${'ab'.repeat(32)}:3a0aff00`, { hexSalt: true }) // a colon, a newline, 0xff, NUL
    expect(hashLine('sha256-salt-pass', odd)).toBe(`${'ab'.repeat(32)}:3a0aff00`)
    expect(targetOfHashLine('sha256-salt-pass', `${'AB'.repeat(32)}:3a0aff00`)).toEqual(odd)
    expect(targetOfHashLine('md5', 'not a hash')).toBeNull()
    expect(targetArgs('wpa')).toEqual(['--nonce-error-corrections', '0']) // as our kernels and the server's check
    expect(targetArgs('netntlmv2')).toEqual([])
  })

  // hashcat --stdout prints the candidates of a mask: the run's command line must make exactly ours.
  const hashcat = (() => { try { return execFileSync('hashcat', ['--version']).toString().trim() } catch { return null } })()
  it.skipIf(!hashcat)('hashcat --stdout makes exactly the run\'s candidates (skipped: hashcat is not installed)', () => {
    // Built-in, custom and partial charsets, a literal ? and a non-ASCII literal; one run, since
    // hashcat takes seconds to start.
    const keyspace = keyspaceFrom(maskSpec('?d?1??é?s', ['x?u']))
    const random = seededRandom()
    const offset = BigInt(Math.floor(random() * Number(keyspace.size / 2n)))
    const length = runLengthAt(keyspace, offset, keyspace.size, 2000n + BigInt(Math.floor(random() * 3000)))
    const { args, inputs: [mask] } = maskArgs('md5', maskRunAt(keyspace, offset, length)!, Number(length))!
    const stdout = execFileSync('hashcat', [...args.filter((a) => a !== '-O'), '--stdout', mask], { maxBuffer: 64 * 1024 * 1024 })
    const made = stdout.toString('latin1').split('\n').slice(0, -1).sort()
    expect(made).toEqual(candidates(keyspace, offset, length).sort())
  })
})
