// One candidate of a wordlist keyspace made from its word: the word itself, the word through one
// combination of the rule files, the word joined to one candidate of the hybrid mask, or to one word
// of a combinator's other list. The search makes candidates in bulk (worker/search/words.ts) and
// rebuilds a passing one with this; the server makes work verification's canaries with it.
import { RULE_BUFFER_BYTES, applyRules, parseRules, type RuleSet } from '../rules/rules.ts'
import { copy } from './bytes.ts'
import { Combination } from './combinator.ts'
import { candidateAt, type Keyspace } from './keyspace.ts'
import { MAX_CANDIDATE_BYTES, type KeyspaceSpec } from './spec.ts'

// What a wordlist job's candidates are made with beside its keyspace, from the texts that travel with
// it: its rule files parsed, or its combinator's other list.
export type WordParts = { rules: RuleSet[] | null, combination: Combination | null }

// The texts a wordlist job carries (JOB rules and other): what they are for the keyspace.
export function wordParts (spec: KeyspaceSpec, texts: { rules?: readonly Uint8Array[], other?: Uint8Array }): WordParts {
  if (spec.type !== 'wordlist') return { rules: null, combination: null }
  const files = spec.rules ?? []
  if ((texts.rules?.length ?? 0) !== files.length) throw new Error(`the job names ${files.length} rule file(s) but ${texts.rules?.length ?? 0} came`)
  if ((texts.other === undefined) !== (spec.combinator === undefined)) throw new Error('a combinator job comes with its other list, and only it')
  return {
    rules: files.length > 0 ? files.map((file, i) => parseRules(texts.rules![i], file.name)) : null,
    combination: spec.combinator ? new Combination(spec.combinator, texts.other!) : null
  }
}

const basePart = new Uint8Array(RULE_BUFFER_BYTES)

// Writes variant `variant` of word[from, to) into `buf` (RULE_BUFFER_BYTES at least); returns its
// length, or -1 when a rule rejects the word or the candidate is longer than a candidate may be.
export function wordVariant (keyspace: Keyspace, parts: WordParts, word: Uint8Array, from: number, to: number, variant: bigint, buf: Uint8Array): number {
  const spec = keyspace.spec
  if (spec.type !== 'wordlist') throw new Error(`wordVariant needs a wordlist keyspace, not ${spec.type}`)
  if (keyspace.hybrid) {
    const masked = candidateAt(keyspace.hybrid, variant)
    const append = spec.hybrid!.side === 'append'
    let n = append ? copy(word, from, to, buf, 0) : 0
    n = copy(masked, 0, masked.length, buf, n)
    if (!append) n = copy(word, from, to, buf, n)
    return n > MAX_CANDIDATE_BYTES ? -1 : n
  }
  if (parts.combination) return parts.combination.join(basePart, parts.combination.basePart(word, from, to, basePart), Number(variant), buf)
  const length = copy(word, from, to, buf, 0)
  return parts.rules ? applyRules(parts.rules, Number(variant), buf, length) : length
}
