// Searches candidates made from words: a wordlist's words as they are, through rules, or joined to a
// mask (hybrid). Candidate i is variant i % perWord of word i / perWord. Candidates that fit one
// block are written into a block kernel's batch and hashed with SIMD; longer ones are hashed one by
// one with the scalar reference. Nothing is allocated per candidate.
import type { Algorithm } from '../algorithms.ts'
import { decodeHexForm, isHexForm } from '../hex-form.ts'
import { candidateAt, odometerDigits, segmentAt, wordsOf, type Keyspace, type Segment } from '../keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES } from '../keyspace/spec.ts'
import { RULE_BUFFER_BYTES, applyRules, type RuleSet } from '../rules/rules.ts'
import { MessageHasher } from './scalar.ts'
import { verify, type SearchControl, type SearchResult } from './search.ts'
import { KEY_WORD, targetSet } from './targets.ts'
import type { BlockKernel } from './wasm/block-kernel.ts'

// Candidates between looks at the cancel flag (and progress reports) when no batch fills first.
const CANDIDATES_PER_CHECK = 4096

// `rules`: a wordlist's rule files, parsed, in the keyspace's order.
export type WordsJob = { algorithm: Algorithm, targets: Uint8Array[], keyspace: Keyspace, rules: RuleSet[] | null }

// How the variants of one word are made: `begin` positions at a word and a variant, `next` writes the
// current variant's candidate into buf and moves on (returning its length, or -1 when a rule rejects
// it), `at` makes any one variant.
interface Variants {
  begin (word: Uint8Array, from: number, to: number, variant: bigint): void
  next (buf: Uint8Array): number
  at (word: Uint8Array, from: number, to: number, variant: bigint, buf: Uint8Array): number
}

function copy (source: Uint8Array, from: number, to: number, buf: Uint8Array, at: number): number {
  for (let i = from; i < to; i++) buf[at++] = source[i]
  return at
}

class PlainWords implements Variants {
  #word!: Uint8Array
  #from = 0
  #to = 0
  begin (word: Uint8Array, from: number, to: number): void { this.#word = word; this.#from = from; this.#to = to }
  next (buf: Uint8Array): number { return copy(this.#word, this.#from, this.#to, buf, 0) }
  at (word: Uint8Array, from: number, to: number, _variant: bigint, buf: Uint8Array): number { return copy(word, from, to, buf, 0) }
}

class RuleVariants implements Variants {
  readonly #rules: RuleSet[]
  #word!: Uint8Array
  #from = 0
  #to = 0
  #rule = 0
  constructor (rules: RuleSet[]) { this.#rules = rules }
  begin (word: Uint8Array, from: number, to: number, variant: bigint): void {
    this.#word = word; this.#from = from; this.#to = to; this.#rule = Number(variant)
  }

  next (buf: Uint8Array): number {
    return applyRules(this.#rules, this.#rule++, buf, copy(this.#word, this.#from, this.#to, buf, 0))
  }

  at (word: Uint8Array, from: number, to: number, variant: bigint, buf: Uint8Array): number {
    return applyRules(this.#rules, Number(variant), buf, copy(word, from, to, buf, 0))
  }
}

// Hybrid: the mask's candidates in its own order (an odometer per segment), after or before the word.
class HybridVariants implements Variants {
  readonly #mask: Keyspace
  readonly #append: boolean
  #word!: Uint8Array
  #from = 0
  #to = 0
  #segment!: Segment
  #digits: Int32Array = new Int32Array(0)
  #value = 0n // odometer value within the segment, to know when it ends
  constructor (mask: Keyspace, append: boolean) { this.#mask = mask; this.#append = append }

  begin (word: Uint8Array, from: number, to: number, variant: bigint): void {
    this.#word = word; this.#from = from; this.#to = to
    this.#seek(variant)
  }

  #seek (variant: bigint): void {
    this.#segment = segmentAt(this.#mask, variant)
    this.#value = this.#segment.first + variant - this.#segment.start
    this.#digits = odometerDigits(this.#segment, this.#value)
  }

  next (buf: Uint8Array): number {
    const { charsets, first, count, start } = this.#segment
    let n = this.#append ? copy(this.#word, this.#from, this.#to, buf, 0) : 0
    for (let i = 0; i < charsets.length; i++) buf[n++] = charsets[i][this.#digits[i]]
    if (!this.#append) n = copy(this.#word, this.#from, this.#to, buf, n)
    if (++this.#value === first + count) {
      if (start + count < this.#mask.size) this.#seek(start + count)
    } else {
      for (let i = charsets.length - 1; i >= 0 && ++this.#digits[i] === charsets[i].length; i--) this.#digits[i] = 0
    }
    return n > MAX_CANDIDATE_BYTES ? -1 : n
  }

  at (word: Uint8Array, from: number, to: number, variant: bigint, buf: Uint8Array): number {
    const masked = candidateAt(this.#mask, variant)
    let n = this.#append ? copy(word, from, to, buf, 0) : 0
    n = copy(masked, 0, masked.length, buf, n)
    if (!this.#append) n = copy(word, from, to, buf, n)
    return n > MAX_CANDIDATE_BYTES ? -1 : n
  }
}

function variantsOf (job: WordsJob): Variants {
  const spec = job.keyspace.spec
  if (spec.type !== 'wordlist') throw new Error(`searchWords needs a wordlist keyspace, not ${spec.type}`)
  if (job.keyspace.hybrid) return new HybridVariants(job.keyspace.hybrid, spec.hybrid!.side === 'append')
  if (spec.rules) {
    const count = job.rules?.reduce((n, set) => n * set.count, 1) ?? 0
    if (!job.rules || BigInt(count) !== job.keyspace.perWord) throw new Error(`the job's rules make ${count} candidates per word, its keyspace ${job.keyspace.perWord}`)
    return new RuleVariants(job.rules)
  }
  return new PlainWords()
}

// Searches candidates [offset, offset + length). `words` holds the words they draw on (wordsOf),
// newline-separated; a word in hashcat's $HEX[..] form stands for the bytes it encodes. Hit indices
// are keyspace indices.
export function searchWords (job: WordsJob, words: Uint8Array, offset: bigint, length: number, control: SearchControl = {}): SearchResult {
  const targets = targetSet(job.algorithm, job.targets)
  const variants = variantsOf(job)
  const block = control.blocks?.(job.algorithm, targets) ?? null
  const hasher = new MessageHasher(job.algorithm)
  const key = KEY_WORD[job.algorithm]
  const { bitmap, mask } = targets
  const perWord = job.keyspace.perWord
  const firstWord = wordsOf(job.keyspace, offset, length).first
  const hits: SearchResult['hits'] = []
  const buf = new Uint8Array(RULE_BUFFER_BYTES)
  const decoded = new Uint8Array(MAX_CANDIDATE_BYTES)
  // Per batch slot: the candidate's offset from `offset`, and its word's place in `words`.
  const slotIndex = new Int32Array(block?.capacity ?? 0)
  const slotFrom = new Int32Array(block?.capacity ?? 0)
  const slotTo = new Int32Array(block?.capacity ?? 0)
  let slots = 0
  let done = 0 // candidates handled (hashed, in a batch, or rejected)
  let reported = 0
  let sinceCheck = 0

  const check = (relative: number, wordFrom: number, wordTo: number) => {
    const index = offset + BigInt(relative)
    const hex = isHexForm(words, wordFrom, wordTo)
    const source = hex ? decoded : words
    const n = variants.at(source, hex ? 0 : wordFrom, hex ? decodeHexForm(words, wordFrom, wordTo, decoded) : wordTo, index % perWord, buf)
    if (n >= 0) verify(targets, index, buf.slice(0, n), hits, control)
  }
  const flush = () => {
    if (slots > 0) {
      const passed = block!.run(slots)
      for (let i = 0; i < passed; i++) {
        const slot = block!.passed(i)
        check(slotIndex[slot], slotFrom[slot], slotTo[slot])
      }
      slots = 0
    }
    if (control.progress) Atomics.add(control.progress, control.slot ?? 0, done - reported)
    reported = done
    sinceCheck = 0
  }

  if (cancelled(control)) return { hashed: 0, hits, cancelled: true }
  let from = 0 // the current word's bytes in `words`
  let variant = offset % perWord
  for (let w = firstWord; done < length; w++) {
    let to = words.indexOf(0x0a, from)
    if (to < 0) to = words.length
    if (from > words.length) throw new Error(`the task holds fewer words than its candidates need (word ${w})`)
    const hex = isHexForm(words, from, to)
    if (hex) variants.begin(decoded, 0, decodeHexForm(words, from, to, decoded), variant)
    else variants.begin(words, from, to, variant)
    const left = perWord - variant
    const run = left < BigInt(length - done) ? Number(left) : length - done
    for (let k = 0; k < run; k++) {
      const n = variants.next(buf)
      if (n >= 0) {
        if (block !== null && n <= block.maxLength) {
          block.put(slots, buf, 0, n)
          slotIndex[slots] = done
          slotFrom[slots] = from
          slotTo[slots] = to
          if (++slots === block.capacity) { done++; flush(); if (cancelled(control)) return { hashed: done, hits, cancelled: true }; continue }
        } else {
          const word = hasher.hash(buf, 0, n)[key]
          if ((bitmap[(word & mask) >>> 5] & (1 << (word & 31))) !== 0) check(done, from, to)
        }
      }
      done++
      if (++sinceCheck === CANDIDATES_PER_CHECK) {
        flush()
        if (cancelled(control)) return { hashed: done, hits, cancelled: true }
      }
    }
    variant = 0n
    from = to + 1
  }
  flush()
  return { hashed: done, hits, cancelled: false }
}

function cancelled (control: SearchControl): boolean {
  return control.cancel !== undefined && Atomics.load(control.cancel, 0) !== 0
}
