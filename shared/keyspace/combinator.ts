// A combinator attack's joining (-a 1): the other list's words, made once per job (each decoded from
// hashcat's $HEX[..] form and put through its side's rule, -j or -k), packed end to end; and the base
// word's part, its side's rule applied. A candidate is the left part, then the right.
import { decodeHexForm, isHexForm } from '../hex-form.ts'
import { RULE_BUFFER_BYTES, applyRule, parseRule, type RuleSet } from '../rules/rules.ts'
import { copy } from './bytes.ts'
import { MAX_CANDIDATE_BYTES, type CombinatorSpec } from './spec.ts'

const NEWLINE = 0x0a

// A -j or -k rule, parsed as a set of one.
export function parseSideRule (text: string, side: 'left' | 'right'): RuleSet {
  return parseRule(text, side === 'left' ? '-j' : '-k')
}

export class Combination {
  readonly baseLeft: boolean
  readonly #baseRule: RuleSet | null
  readonly #other: Uint8Array // the other list's parts, end to end
  readonly #starts: Int32Array // part k is #other[starts[k], starts[k] + lengths[k])
  readonly #lengths: Int32Array // -1 where the rule rejects the word

  // `words`: the other list in the words file's form (each word and a newline), `spec.other.size` words.
  constructor (spec: CombinatorSpec, words: Uint8Array) {
    this.baseLeft = spec.base === 'left'
    const otherSide = this.baseLeft ? 'right' : 'left'
    const baseRule = spec[spec.base]
    const otherRule = spec[otherSide]
    this.#baseRule = baseRule === undefined ? null : parseSideRule(baseRule, spec.base)
    const rule = otherRule === undefined ? null : parseSideRule(otherRule, otherSide)
    const count = spec.other.size
    this.#starts = new Int32Array(count)
    this.#lengths = new Int32Array(count)
    let parts: Uint8Array = new Uint8Array(words.length) // grown where a rule lengthens words
    let at = 0
    let k = 0
    const buf = new Uint8Array(RULE_BUFFER_BYTES)
    for (let from = 0; from < words.length && k < count; k++) {
      let to = words.indexOf(NEWLINE, from)
      if (to < 0) to = words.length
      let n = isHexForm(words, from, to) ? decodeHexForm(words, from, to, buf) : copy(words, from, to, buf, 0)
      if (rule) n = applyRule(rule, 0, buf, n)
      if (n > 0 && at + n > parts.length) parts = grow(parts, at + n)
      this.#starts[k] = at
      this.#lengths[k] = n
      if (n > 0) at = copy(buf, 0, n, parts, at)
      from = to + 1
    }
    if (k !== count) throw new Error(`the other list holds ${k} words, its job ${count}`)
    this.#other = parts.subarray(0, at)
  }

  // Writes the base word[from, to)'s part, its rule applied, into `part` (RULE_BUFFER_BYTES, the
  // caller's: a search holds one while a hit is rebuilt in another); returns its length, or -1 when
  // the rule rejects the word.
  basePart (word: Uint8Array, from: number, to: number, part: Uint8Array): number {
    const n = copy(word, from, to, part, 0)
    return this.#baseRule ? applyRule(this.#baseRule, 0, part, n) : n
  }

  // Writes a base part (`length` bytes of `part`, from basePart) joined to the other list's word k
  // into `out`; returns the candidate's length, or -1 when a rule rejected either part or it is
  // longer than a candidate may be.
  join (part: Uint8Array, length: number, k: number, out: Uint8Array): number {
    const other = this.#lengths[k]
    if (length < 0 || other < 0 || length + other > MAX_CANDIDATE_BYTES) return -1
    const start = this.#starts[k]
    if (this.baseLeft) return copy(this.#other, start, start + other, out, copy(part, 0, length, out, 0))
    return copy(part, 0, length, out, copy(this.#other, start, start + other, out, 0))
  }
}

function grow (bytes: Uint8Array, least: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(least, bytes.length * 2))
  bigger.set(bytes)
  return bigger
}
