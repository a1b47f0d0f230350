// The attack flags (-a, -r) as a job description reads them (the server's command line, ctl and the
// dashboard's form alike): which attack a set of flags means, and what each wrong combination says.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeForm, describeJob, requestOf, type JobFlags, type JobForm } from '../server/job-description.ts'
import { hex } from './helpers.ts'

// The keyspace the flags describe, for a job with one target.
const keyspaceFlags = (flags: JobFlags) => describeJob({ ...flags, target: [hex('md5', 'a1')] })?.keyspace
const jobFromForm = async (form: JobForm) => (await requestOf(describeForm(form))).request

const dir = mkdtempSync(join(tmpdir(), 'taskorch-flags-'))
const WORDS = join(dir, 'words.txt')
const RULES = join(dir, 'my.rule')
writeFileSync(WORDS, 'a\nb\n')
writeFileSync(RULES, '$1\n')

describe('attack flags', () => {
  it('infers -a 0 from a wordlist and -a 3 from a mask or a range', () => {
    expect(keyspaceFlags({ wordlist: [WORDS], rules: [RULES] })).toEqual({ type: 'wordlist', path: WORDS, rules: [RULES] })
    expect(keyspaceFlags({ mask: '?d' })).toMatchObject({ type: 'mask', mask: '?d' })
    expect(keyspaceFlags({ range: '0-10', 'attack-mode': '3' })).toMatchObject({ type: 'range', start: '0', end: '10' })
  })

  it('makes -a 6 and -a 7 hybrid attacks of a wordlist and a mask, increment included', () => {
    expect(keyspaceFlags({ 'attack-mode': '6', wordlist: [WORDS], mask: '?d?d', increment: true })).toEqual({
      type: 'wordlist', path: WORDS, hybrid: { side: 'append', mask: { type: 'mask', mask: '?d?d', charsets: ['', '', '', ''], min: 1, max: 2 } }
    })
    expect(keyspaceFlags({ 'attack-mode': '7', wordlist: [WORDS], mask: '?1', 'custom-charset1': 'ab' })).toMatchObject({ hybrid: { side: 'prepend', mask: { charsets: ['ab', '', '', ''] } } })
  })

  it('makes -a 1 a combinator attack of two wordlists, with -j and -k, inferred from two lists', () => {
    expect(keyspaceFlags({ 'attack-mode': '1', wordlist: [WORDS, RULES], 'rule-left': 'c', 'rule-right': '$!' })).toEqual({ type: 'wordlist', path: WORDS, combinator: { path: RULES, left: 'c', right: '$!' } })
    expect(keyspaceFlags({ wordlist: [WORDS, WORDS] })).toEqual({ type: 'wordlist', path: WORDS, combinator: { path: WORDS } })
  })

  it.each([
    [{ wordlist: [WORDS], mask: '?d' }, /hybrid attack: add -a 6/],
    [{ 'attack-mode': '1', wordlist: [WORDS] }, /-a 1 \(combinator\) takes two --wordlist files, the left and the right, not 1/],
    [{ 'attack-mode': '0', wordlist: [WORDS, WORDS] }, /-a 0 takes one --wordlist, not 2 \(two lists are a combinator attack: -a 1\)/],
    [{ wordlist: [WORDS, WORDS, WORDS] }, /-a 0 takes one --wordlist, not 3/],
    [{ wordlist: [WORDS], 'rule-left': 'c' }, /-j and -k \(--rule-left, --rule-right\) apply to combinator attacks \(-a 1\), not -a 0/],
    [{ wordlist: [WORDS, WORDS], 'rule-right': 'c Q' }, /-k: memory function "Q" at column 3, which hashcat's -r does not run either in rule "c Q"/],
    [{ wordlist: [WORDS, WORDS], 'rule-left': '~' }, /-j: unknown function "~" at column 1/],
    [{ wordlist: [WORDS, WORDS], 'rule-left': 'c\nu' }, /-j takes one rule/],
    [{ wordlist: [WORDS, WORDS], 'rule-left': '$\u00e9' }, /-j: a rule is printable ASCII \(write other bytes as \\xHH\), not "\$é"/],
    [{ wordlist: [WORDS, join(dir, 'missing.txt')] }, /--wordlist .*missing\.txt: cannot read it \(ENOENT\)/],
    [{ 'attack-mode': '0', mask: '?d' }, /-a 0 takes --wordlist, not --mask/],
    [{ 'attack-mode': '6', mask: '?d', range: '0-1' }, /-a 6 takes --wordlist and --mask/],
    [{ 'attack-mode': '6', wordlist: [WORDS], mask: '?d', rules: [RULES] }, /--rules applies to wordlist attacks \(-a 0\), not -a 6/],
    [{ 'attack-mode': '2', wordlist: [WORDS] }, /--attack-mode 2: use 0 \(wordlist\), 1 \(two wordlists\), 3/],
    [{ rules: [RULES] }, /--rules and --attack-mode need a keyspace/],
    [{ wordlist: [WORDS], rules: [join(dir, 'missing.rule')] }, /--rules .*missing\.rule: cannot read it \(ENOENT\)/]
  ])('refuses %j', (flags, message) => {
    expect(() => keyspaceFlags(flags)).toThrow(message)
  })

  it('reads the same attacks from the dashboard\'s form', async () => {
    const form: JobForm = {
      algorithm: 'md5', targets: hex('md5', 'a1'), targetsFile: '', username: '', hexSalt: '', strict: '', attackMode: '6', keyspace: '?d', wordlist: WORDS, rules: '', ruleLeft: '', ruleRight: '',
      charset1: '', charset2: '', charset3: '', charset4: '', increment: '', priority: '0'
    }
    expect((await jobFromForm(form)).keyspace).toMatchObject({ type: 'wordlist', path: WORDS, hybrid: { side: 'append', mask: { mask: '?d' } } })
    expect((await jobFromForm({ ...form, attackMode: '', keyspace: '', rules: `${RULES} ${RULES}` })).keyspace).toEqual({ type: 'wordlist', path: WORDS, rules: [RULES, RULES] })
    await expect(jobFromForm({ ...form, attackMode: '' })).rejects.toThrow(/hybrid attack/)
    expect((await jobFromForm({ ...form, attackMode: '1', keyspace: '', wordlist: `${WORDS}  ${RULES}`, ruleRight: '$ ' })).keyspace).toEqual({ type: 'wordlist', path: WORDS, combinator: { path: RULES, right: '$ ' } })
  })
})
