// Searches candidates made from words: a wordlist's words as they are, through rules, or joined to a
// mask (hybrid). Candidate i is variant i % perWord of word i / perWord. Candidates that fit one
// block are written into a block kernel's batch and hashed with SIMD; longer ones are hashed one by
// one with the scalar reference. Nothing is allocated per candidate.
import { MAX_SALT_BYTES, type Algorithm, type HashFunction } from '../../shared/algorithms.ts'
import { decodeHexForm, isHexForm } from '../../shared/hex-form.ts'
import { odometerDigits, segmentAt, wordsOf, type Keyspace, type Segment } from '../../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES } from '../../shared/keyspace/spec.ts'
import type { Combination } from '../../shared/keyspace/combinator.ts'
import { copy } from '../../shared/keyspace/bytes.ts'
import { wordVariant, type WordParts } from '../../shared/keyspace/word-variant.ts'
import { RULE_BUFFER_BYTES, applyRule, applyRules, type RuleSet } from '../../shared/rules/rules.ts'
import { digestOf, hashOf, isScheme, isPlain, writeMessage } from '../../shared/hashing/modes.ts'
import { saltGroups, type SaltGroup } from './salts.ts'
import { MessageHasher } from '../../shared/hashing/scalar.ts'
import { verify, type SearchControl, type SearchJob, type SearchResult } from './search.ts'
import { hasKey, keyOf, mayMatch, targetSetOfKeys, type TargetSet } from './targets.ts'
import type { BlockKernel } from './wasm/block-kernel.ts'

// Candidates between looks at the cancel flag (and progress reports); for crypt schemes, hashes
// (candidates times salts), which take milliseconds each.
const CANDIDATES_PER_CHECK = 4096
const CRYPTS_PER_CHECK = 8
// More than a chunk ever holds: counts past it are kept as this, so the hot loop uses numbers.
const RUN_CAP = 2n ** 31n

// `parts`: what the words are made into candidates with (rule files, a combinator's other list).
export type WordsJob = { algorithm: Algorithm, targets: SearchJob['targets'], keyspace: Keyspace, parts: WordParts }

// How the variants of one word are made: `begin` positions at a word and a variant, `next` writes the
// current variant's candidate into the output buffer given at construction and moves on (returning
// its length, or -1 when a rule rejects it). Any one variant: wordVariant.
interface Variants {
  begin (word: Uint8Array, from: number, to: number, variant: bigint): void
  next (): number
}

// The word is copied once into an aligned buffer; each variant starts from it four bytes at a time.
class HeldWord {
  readonly #held = new Uint8Array(RULE_BUFFER_BYTES)
  readonly #heldWords = new Int32Array(this.#held.buffer)
  readonly #outWords: Int32Array
  #length = 0
  #chunks = 0

  constructor (out: Uint8Array) {
    this.#outWords = new Int32Array(out.buffer, out.byteOffset, out.length >> 2)
  }

  hold (word: Uint8Array, from: number, to: number): void {
    const length = to - from
    copy(word, from, to, this.#held, 0)
    for (let i = length; (i & 3) !== 0; i++) this.#held[i] = 0
    this.#length = length
    this.#chunks = (length + 3) >> 2
  }

  // Writes the word at the start of the output buffer; returns its length.
  put (): number {
    for (let c = 0; c < this.#chunks; c++) this.#outWords[c] = this.#heldWords[c]
    return this.#length
  }
}

class PlainWords implements Variants {
  readonly #word: HeldWord
  constructor (out: Uint8Array) { this.#word = new HeldWord(out) }
  begin (word: Uint8Array, from: number, to: number): void { this.#word.hold(word, from, to) }
  next (): number { return this.#word.put() }
}

// Read once: where modules are compiled to CommonJS (tsx in worker threads), each use of an imported
// binding is a getter call, and this one is used for every candidate.
const applyOne = applyRule

class RuleVariants implements Variants {
  readonly #rules: RuleSet[]
  readonly #single: RuleSet | null // one rule file: applied without the chain's arithmetic
  readonly #out: Uint8Array
  readonly #word: HeldWord
  #rule = 0
  constructor (rules: RuleSet[], out: Uint8Array) {
    this.#rules = rules
    this.#single = rules.length === 1 ? rules[0] : null
    this.#out = out
    this.#word = new HeldWord(out)
  }

  begin (word: Uint8Array, from: number, to: number, variant: bigint): void {
    this.#word.hold(word, from, to)
    this.#rule = Number(variant)
  }

  next (): number {
    const length = this.#word.put()
    return this.#single ? applyOne(this.#single, this.#rule++, this.#out, length) : applyRules(this.#rules, this.#rule++, this.#out, length)
  }
}

// Hybrid: the mask's candidates in its own order (an odometer per segment), after or before the word.
class HybridVariants implements Variants {
  readonly #mask: Keyspace
  readonly #append: boolean
  readonly #out: Uint8Array
  #word!: Uint8Array
  #from = 0
  #to = 0
  #segment!: Segment
  #digits: Int32Array = new Int32Array(0)
  #segmentLeft = 0 // candidates left in the segment (capped: a run never reaches the cap)
  constructor (mask: Keyspace, append: boolean, out: Uint8Array) { this.#mask = mask; this.#append = append; this.#out = out }

  begin (word: Uint8Array, from: number, to: number, variant: bigint): void {
    this.#word = word; this.#from = from; this.#to = to
    this.#seek(variant)
  }

  #seek (variant: bigint): void {
    const segment = this.#segment = segmentAt(this.#mask, variant)
    const left = segment.start + segment.count - variant
    this.#segmentLeft = left < RUN_CAP ? Number(left) : Number(RUN_CAP)
    this.#digits = odometerDigits(segment, segment.first + variant - segment.start)
  }

  next (): number {
    const buf = this.#out
    const { charsets, count, start } = this.#segment
    let n = this.#append ? copy(this.#word, this.#from, this.#to, buf, 0) : 0
    for (let i = 0; i < charsets.length; i++) buf[n++] = charsets[i][this.#digits[i]]
    if (!this.#append) n = copy(this.#word, this.#from, this.#to, buf, n)
    if (--this.#segmentLeft === 0) {
      if (start + count < this.#mask.size) this.#seek(start + count)
    } else {
      for (let i = charsets.length - 1; i >= 0 && ++this.#digits[i] === charsets[i].length; i--) this.#digits[i] = 0
    }
    return n > MAX_CANDIDATE_BYTES ? -1 : n
  }
}

// Combinator: the base word's part made once, joined to each word of the other list in turn.
class CombinedVariants implements Variants {
  readonly #combination: Combination
  readonly #out: Uint8Array
  readonly #part = new Uint8Array(RULE_BUFFER_BYTES) // the current word's, its own: a hit is rebuilt elsewhere
  #length = 0 // the base part's, -1 when its rule rejects it
  #k = 0
  constructor (combination: Combination, out: Uint8Array) { this.#combination = combination; this.#out = out }

  begin (word: Uint8Array, from: number, to: number, variant: bigint): void {
    this.#length = this.#combination.basePart(word, from, to, this.#part)
    this.#k = Number(variant)
  }

  next (): number { return this.#combination.join(this.#part, this.#length, this.#k++, this.#out) }
}

function variantsOf (job: WordsJob, out: Uint8Array): Variants {
  const spec = job.keyspace.spec
  if (spec.type !== 'wordlist') throw new Error(`searchWords needs a wordlist keyspace, not ${spec.type}`)
  if (job.keyspace.hybrid) return new HybridVariants(job.keyspace.hybrid, spec.hybrid!.side === 'append', out)
  const { rules, combination } = job.parts
  if (spec.combinator) {
    if (!combination) throw new Error('a combinator job needs its other list')
    return new CombinedVariants(combination, out)
  }
  if (spec.rules) {
    const count = rules?.reduce((n, set) => n * set.count, 1) ?? 0
    if (!rules || BigInt(count) !== job.keyspace.perWord) throw new Error(`the job's rules make ${count} candidates per word, its keyspace ${job.keyspace.perWord}`)
    return new RuleVariants(rules, out)
  }
  return new PlainWords(out)
}

// One batch of a block kernel: per slot, the candidate's offset from the search's first and its salt
// group (its word is found from the offset when it passes, which is rare).
class Batch {
  readonly block: BlockKernel
  readonly index: Int32Array
  readonly group: Int32Array
  slots = 0

  constructor (block: BlockKernel) {
    this.block = block
    this.index = new Int32Array(block.capacity)
    this.group = new Int32Array(block.capacity)
  }

  // Commits the message in the block's scratch; true when the batch is full.
  add (length: number, index: number, group: number): boolean {
    const slot = this.slots++
    this.block.commit(slot, length)
    this.index[slot] = index
    this.group[slot] = group
    return this.slots === this.block.capacity
  }
}

// Searches candidates [offset, offset + length). `words` holds the words they draw on (wordsOf),
// newline-separated; a word in hashcat's $HEX[..] form stands for the bytes it encodes. Hit indices
// are keyspace indices. The hot loop's counters are locals no closure captures, so they stay in
// registers.
// One prefilter over every salt group's digests, made once per set of groups (they are cached).
const combined = new WeakMap<SaltGroup[], TargetSet>()
function everyDigest (hash: HashFunction, groups: SaltGroup[]): TargetSet {
  if (groups.length === 1) return groups[0].set
  let set = combined.get(groups)
  if (!set) combined.set(groups, set = targetSetOfKeys(hash, Int32Array.from(groups.flatMap((g) => [...g.set.keyWords]))))
  return set
}

export function searchWords (job: WordsJob, words: Uint8Array, offset: bigint, length: number, control: SearchControl = {}): SearchResult {
  const algorithm = job.algorithm
  const hash = hashOf(algorithm)
  const plain = isPlain(algorithm)
  const scheme = isScheme(algorithm)
  const groups = saltGroups(algorithm, job.targets)
  // One batch for every salt: its prefilter knows every digest, verification the slot's salt.
  const all = scheme ? null : everyDigest(hash, groups)
  const block = all && control.blocks?.(hash, all, 2 * RULE_BUFFER_BYTES + MAX_SALT_BYTES) || null
  const batch = block ? new Batch(block) : null
  const maxLength = block ? block.maxLength : -1
  const hasher = new MessageHasher(hash, 2 * MAX_CANDIDATE_BYTES + MAX_SALT_BYTES)
  const perWord = job.keyspace.perWord
  const firstWord = wordsOf(job.keyspace, offset, length).first
  const hits: SearchResult['hits'] = []
  // Candidates are built where the block kernel takes them from, when they are its messages.
  const buf = plain && block ? block.scratch : new Uint8Array(RULE_BUFFER_BYTES)
  const message = block?.scratch ?? new Uint8Array(2 * RULE_BUFFER_BYTES + MAX_SALT_BYTES) // a message made from buf
  const scratch = new Uint8Array(RULE_BUFFER_BYTES) // for rebuilding a candidate to verify it
  const variants = variantsOf(job, buf)
  const decoded = new Uint8Array(MAX_CANDIDATE_BYTES)

  // Where each word starts in `words`, by its number from the first, as the loop reaches it.
  const wordStarts = new Int32Array(Number(wordsOf(job.keyspace, offset, length).end - firstWord) + 1)
  const check = (relative: number, group: number) => {
    const index = offset + BigInt(relative)
    const wordFrom = wordStarts[Number(index / perWord - firstWord)]
    let wordTo = wordFrom
    while (wordTo < words.length && words[wordTo] !== 0x0a) wordTo++
    const hex = isHexForm(words, wordFrom, wordTo)
    const source = hex ? decoded : words
    const n = wordVariant(job.keyspace, job.parts, source, hex ? 0 : wordFrom, hex ? decodeHexForm(words, wordFrom, wordTo, decoded) : wordTo, index % perWord, scratch)
    if (n >= 0) verify(algorithm, groups[group], index, scratch.slice(0, n), hits, control)
  }
  const runBatch = () => {
    if (!batch || batch.slots === 0) return
    const passed = batch.block.run(batch.slots)
    for (let i = 0; i < passed; i++) {
      if (!hasKey(all!, batch.block.passedKey(i))) continue
      const slot = batch.block.passed(i)
      check(batch.index[slot], batch.group[slot])
    }
    batch.slots = 0
  }
  // A message too long for one block: hashed here, its key word tested against its group's targets.
  const hashAlone = (source: Uint8Array, n: number, group: number, relative: number) => {
    if (mayMatch(groups[group].set, keyOf(hash, hasher.hash(source, 0, n)))) check(relative, group)
  }

  if (cancelled(control)) return { hashed: 0, hits, cancelled: true }
  const checkEvery = scheme ? CRYPTS_PER_CHECK : CANDIDATES_PER_CHECK
  let done = 0 // candidates handled (hashed, in a batch, or rejected)
  let reported = 0
  let sinceCheck = 0
  let crypts = 0
  let from = 0 // the current word's bytes in `words`
  let variant = offset % perWord
  const capped = (n: bigint) => (n < RUN_CAP ? Number(n) : Number(RUN_CAP))
  let left = capped(perWord - variant) // variants of the current word
  const everyWord = capped(perWord)
  for (let w = firstWord; done < length; w++) {
    let to = from // a loop: words are short, and indexOf costs more per call than it saves
    while (to < words.length && words[to] !== 0x0a) to++
    if (from > words.length) throw new Error(`the task holds fewer words than its candidates need (word ${w})`)
    wordStarts[Number(w - firstWord)] = from
    const hex = isHexForm(words, from, to)
    if (hex) variants.begin(decoded, 0, decodeHexForm(words, from, to, decoded), variant)
    else variants.begin(words, from, to, variant)
    const end = done + Math.min(left, length - done)
    for (; done < end; done++) {
      const n = variants.next()
      if (n < 0) {
        // rejected by a rule: counted, never hashed
      } else if (plain) {
        if (n <= maxLength) {
          if (batch!.add(n, done, 0)) runBatch()
        } else hashAlone(buf, n, 0, done)
      } else if (scheme) {
        for (const [g, group] of groups.entries()) {
          if (group.find(digestOf(algorithm, buf.subarray(0, n), group.salt, group.rounds)) !== undefined) check(done, g)
          // Each takes milliseconds: many salts must not hold off a cancel (the candidate is redone).
          if (++crypts % CRYPTS_PER_CHECK === 0 && cancelled(control)) return { hashed: done, hits, cancelled: true }
        }
      } else {
        for (let g = 0; g < groups.length; g++) {
          const m = writeMessage(algorithm, buf, 0, n, message, groups[g].salt)
          if (m <= maxLength) {
            if (batch!.add(m, done, g)) runBatch()
          } else hashAlone(message, m, g, done)
        }
      }
      if (++sinceCheck >= checkEvery) {
        runBatch()
        publish(control, done + 1 - reported)
        reported = done + 1
        sinceCheck = 0
        if (cancelled(control)) return { hashed: done + 1, hits, cancelled: true }
      }
    }
    variant = 0n
    left = everyWord
    from = to + 1
  }
  runBatch()
  publish(control, done - reported)
  return { hashed: done, hits, cancelled: false }
}

function publish (control: SearchControl, count: number): void {
  if (control.progress) Atomics.add(control.progress, control.slot ?? 0, count)
}

function cancelled (control: SearchControl): boolean {
  return control.cancel !== undefined && Atomics.load(control.cancel, 0) !== 0
}
