// One candidate of a wordlist keyspace made from its word: the word itself, the word through one
// combination of the rule files, or the word joined to one candidate of the hybrid mask. The search
// makes candidates in bulk (worker/search/words.ts) and rebuilds a passing one with this; the server
// makes work verification's canaries with it.
import { applyRules, type RuleSet } from '../rules/rules.ts'
import { candidateAt, type Keyspace } from './keyspace.ts'
import { MAX_CANDIDATE_BYTES } from './spec.ts'

// Writes variant `variant` of word[from, to) into `buf` (RULE_BUFFER_BYTES at least); returns its
// length, or -1 when a rule rejects the word or the candidate is longer than a candidate may be.
export function wordVariant (keyspace: Keyspace, rules: readonly RuleSet[] | null, word: Uint8Array, from: number, to: number, variant: bigint, buf: Uint8Array): number {
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
  const length = copy(word, from, to, buf, 0)
  return rules ? applyRules(rules, Number(variant), buf, length) : length
}

export function copy (source: Uint8Array, from: number, to: number, buf: Uint8Array, at: number): number {
  for (let i = from; i < to; i++) buf[at++] = source[i]
  return at
}
