// The rule engine against hashcat 6.2.6 (`hashcat --stdout -r`, fixtures in test/vectors/rules): every
// function at boundary positions and lengths, best64 and dive over a word sample; rejection functions,
// rule-file errors and combined rule files; hashcat's stock rule files against its counts.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../shared/errors.ts'
import { RULE_BUFFER_BYTES, applyRule, applyRules, combinedCount, describeSkipped, longestResult, mayReject, parseRules, ruleLongest, type RuleSet } from '../shared/rules/rules.ts'

const dir = new URL('./vectors/rules/', import.meta.url)
const file = (name: string) => readFileSync(new URL(name, dir))
const words = file('words.txt').toString('latin1').split('\n').filter(Boolean).map((w) => Buffer.from(w, 'latin1'))
const rulesOf = (text: string) => parseRules(Buffer.from(text, 'latin1'), 'test.rule')

// Every rule applied to `word`, each candidate followed by a newline, as hashcat --stdout prints them.
function outputs (rules: RuleSet, word: Uint8Array): Buffer[] {
  const buf = new Uint8Array(RULE_BUFFER_BYTES)
  const out: Buffer[] = []
  for (let r = 0; r < rules.count; r++) {
    buf.set(word)
    const n = applyRule(rules, r, buf, word.length)
    if (n >= 0) out.push(Buffer.from(buf.subarray(0, n)))
  }
  return out
}

const apply = (rule: string, word: string) => {
  const [out] = outputs(rulesOf(rule), Buffer.from(word, 'latin1'))
  return out === undefined ? null : out.toString('latin1')
}

// Compares word by word, so a mismatch names the word and the rule.
function expectHashcatStream (rules: RuleSet, expected: Buffer): void {
  let at = 0
  for (const word of words) {
    const candidates = outputs(rules, word)
    for (const [r, candidate] of candidates.entries()) {
      const want = expected.subarray(at, at + candidate.length + 1)
      if (!want.equals(Buffer.concat([candidate, Buffer.from('\n')]))) {
        expect.fail(`word ${JSON.stringify(word.toString('latin1'))}, rule ${JSON.stringify(rules.source[r])}: hashcat gives ${JSON.stringify(expected.subarray(at, expected.indexOf(10, at)).toString('latin1'))}, we give ${JSON.stringify(candidate.toString('latin1'))}`)
      }
      at += candidate.length + 1
    }
  }
  expect(at).toBe(expected.length)
}

describe('rules, as hashcat applies them', () => {
  it('bounds from above the length of what any rule makes of a word (hashcat\'s -O stops at 31 bytes)', () => {
    const buf = new Uint8Array(RULE_BUFFER_BYTES)
    for (const [name, text] of [['edges.rule', file('edges.rule')], ['best64.rule', file('best64.rule')], ['dive.rule', gunzipSync(file('dive.rule.gz'))]] as const) {
      const set = parseRules(text, name)
      for (let length = 0; length <= 40; length++) {
        const word = Buffer.from('ab cd\tEF12'.repeat(4).slice(0, length))
        let longest = 0
        for (let rule = 0; rule < set.count; rule++) {
          buf.set(word)
          const made = applyRule(set, rule, buf, length)
          const bound = ruleLongest(set, rule, length)
          if (made > bound) expect.fail(`${name} rule ${rule + 1} "${set.source[rule]}" made ${made} bytes of ${length}, above its bound ${bound}`)
          longest = Math.max(longest, bound)
        }
        expect(longestResult(set, length)).toBe(longest)
      }
    }
    const [append, double, pad] = ['$1', 'd', 'p3'].map((rule) => parseRules(Buffer.from(rule), rule))
    expect([ruleLongest(append, 0, 10), ruleLongest(double, 0, 10), ruleLongest(pad, 0, 10)]).toEqual([11, 20, 40])
  })

  it('matches hashcat on every function at its edges (751 rules x 96 words, up to 256 bytes)', () => {
    expectHashcatStream(parseRules(file('edges.rule'), 'edges.rule'), gunzipSync(file('edges.expected.gz')))
  })

  it('matches hashcat on best64.rule', () => {
    expectHashcatStream(parseRules(file('best64.rule'), 'best64.rule'), gunzipSync(file('best64.expected.gz')))
  })

  it('matches hashcat on dive.rule (99,086 rules) for 25 words', () => {
    const dive = parseRules(gunzipSync(file('dive.rule.gz')), 'dive.rule')
    expect(dive.count).toBe(99_086)
    for (const line of file('dive.sha256').toString().trim().split('\n')) {
      const [digest, hex] = line.split(' ')
      const word = Buffer.from(hex, 'hex')
      const stream = Buffer.concat(outputs(dive, word).flatMap((c) => [c, Buffer.from('\n')]))
      expect(createHash('sha256').update(stream).digest('hex'), `dive.rule on ${JSON.stringify(word.toString('latin1'))}`).toBe(digest)
    }
  }, 60_000) // 2.5 million candidates

  it('combines several rule files as their product, the first file\'s rule varying fastest (as hashcat -r A -r B)', () => {
    const chain = [rulesOf('$1\n$2\n'), rulesOf('^a\n^b\n^c\n')]
    expect(combinedCount(chain, ['a', 'b'])).toBe(6)
    const buf = new Uint8Array(RULE_BUFFER_BYTES)
    const out = Array.from({ length: 6 }, (_, v) => {
      buf.set(Buffer.from('abc'))
      return Buffer.from(buf.subarray(0, applyRules(chain, v, buf, 3))).toString()
    })
    expect(out).toEqual(['aabc1', 'aabc2', 'babc1', 'babc2', 'cabc1', 'cabc2'])
    expect(applyRules([rulesOf('$1\n'), rulesOf('<3\n')], 0, buf, 3)).toBe(-1)
  })

  it('refuses combinations over 31 functions a rule', () => {
    expect(() => combinedCount([rulesOf('$1'.repeat(20)), rulesOf(':\n' + '$2'.repeat(12))], ['a.rule', 'b.rule'])).toThrow(/combining a\.rule, b\.rule makes rules of up to 32 functions/)
  })

  it('reads \\xHH as a byte, skips spaces, empty lines and comments, and takes CRLF', () => {
    expect(apply('$\\x41', 'abc')).toBe('abcA')
    expect(apply('^\\x00', 'abc')).toBe('\x00abc')
    expect(apply('  u   $ ', 'abc')).toBe('ABC ')
    expect(rulesOf('# c\n\nl\r\n:\r\n').count).toBe(2)
  })
})

describe('rejection functions (hashcat\'s CPU engine semantics)', () => {
  it.each([
    ['<3', 'abc', 'abc'], ['<3', 'abcd', null],
    ['>3', 'abc', 'abc'], ['>3', 'ab', null],
    ['_3', 'abc', 'abc'], ['_3', 'ab', null],
    ['!b', 'abc', null], ['!x', 'abc', 'abc'],
    ['/b', 'abc', 'abc'], ['/x', 'abc', null],
    ['(a', 'abc', 'abc'], ['(b', 'abc', null],
    [')c', 'abc', 'abc'], [')b', 'abc', null],
    ['=1b', 'abc', 'abc'], ['=1a', 'abc', null], ['=3a', 'abc', null],
    ['%2a', 'aba', 'aba'], ['%2a', 'abc', null], ['%3a', 'aaa', null],
    ['^1 <3', 'abc', null], ['] <2', 'abc', 'ab']
  ])('%s on %s', (rule, word, expected) => {
    expect(apply(rule, word)).toBe(expected)
  })
})

describe('rule file errors', () => {
  const error = (text: string) => {
    try {
      parseRules(Buffer.from(text, 'latin1'), 'my.rule')
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError)
      return (e as Error).message
    }
    return expect.fail('no error')
  }

  // As hashcat does: it loads d3ad0ne.rule's 34,156 rules but two (memory functions), with a warning.
  it('skips a rule it cannot apply, naming the file, line and why: an unknown function, a memory function, a bad position, a missing argument', () => {
    const set = rulesOf('l\n:\n~\n# c\nTa\n$\ns ab\nM\n-64\nu\n')
    expect(set.source).toEqual(['l', ':', 'u'])
    expect(set.skipped.map((s) => `${s.line}: ${s.why}`)).toEqual([
      '3: unknown function "~" at column 1', '5: function "T" at column 1: "a" is not a position (0-9 or A-Z)',
      '6: function "$" needs 1 argument(s) (a character); the line ends first', '7: unknown function "b" at column 4',
      '8: memory function "M" at column 1, which hashcat\'s -r does not run either', '9: memory function "4" at column 3, which hashcat\'s -r does not run either'
    ])
    expect(describeSkipped('my.rule', set.skipped)).toBe('skipped 6 rule(s) that cannot be applied, as hashcat does: my.rule:3: unknown function "~" at column 1 in rule "~"; my.rule:5: function "T" at column 1: "a" is not a position (0-9 or A-Z) in rule "Ta"; my.rule:6: function "$" needs 1 argument(s) (a character); the line ends first in rule "$"; and 3 more')
    expect(error('~\nM\n')).toMatch(/^my\.rule: no rules in it .*; skipped 2 rule\(s\)/)
  })

  it('refuses more than 31 functions in a rule, and a file without rules', () => {
    expect(rulesOf(`:\n${'$1'.repeat(32)}`).skipped[0].why).toMatch(/more than 31 functions/)
    expect(rulesOf('$1'.repeat(31)).count).toBe(1)
    expect(error('# only\n\n')).toMatch(/^my\.rule: no rules in it/)
  })
})

// Every rule file hashcat ships loads, with hashcat's count of the rules its attack applies
// (test/vectors/rules/stock-counts.tsv): d3ad0ne.rule's two memory-function rules are skipped, as
// hashcat skips them. The one difference is by design: specific.rule's three rejection rules
// (`>A k u`), which hashcat's device engine skips and we apply.
const STOCK = '/usr/share/hashcat/rules'
describe.skipIf(!existsSync(STOCK))(`hashcat's stock rule files${existsSync(STOCK) ? '' : ` (skipped: ${STOCK} is not installed)`}`, () => {
  it('load with hashcat\'s count of rules', () => {
    const counts = readFileSync(new URL('./vectors/rules/stock-counts.tsv', import.meta.url), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'))
    expect(counts.length).toBeGreaterThan(20)
    for (const [file, theirs] of counts) {
      const set = parseRules(readFileSync(join(STOCK, file)), file)
      let rejecting = 0
      for (let rule = 0; rule < set.count; rule++) if (mayReject(set, rule)) rejecting++
      expect([file, set.count - rejecting, rejecting]).toEqual([file, Number(theirs), file === 'specific.rule' ? 3 : 0])
    }
  })
})
