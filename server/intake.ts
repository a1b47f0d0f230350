// Job intake: a request (or a journaled job) becomes what the scheduler takes, a JobSpec, plus the
// files its chunks read words from. Wordlists and rule files are opened and read through here; the
// potfile's results for the job's targets are looked up here, verified, so they are not searched.
import { createHash } from 'node:crypto'
import { hasPotfileForm, infoOf, isPassThrough } from '../shared/algorithms.ts'
import { hashcatRefusal } from '../shared/hashcat.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES, type KeyspaceSpec, type WordlistSpec } from '../shared/keyspace/spec.ts'
import type { LogLevel } from '../shared/log.ts'
import { MAX_OTHER_WORDS_BYTES, MAX_WASM_CHUNK_CANDIDATES, WORDLIST_CHUNK_BYTES } from '../shared/protocol/limits.ts'
import { readRuleFiles, rereadRuleFiles, type RuleFiles } from './inputs/rules.ts'
import { Wordlist } from './inputs/wordlist.ts'
import { checkRequest, type CheckedWordlist, type CombinatorInput, type JobRequest } from './job-description.ts'
import type { FoundResult, JobSpec } from './scheduler/state.ts'
import type { JournaledJob } from './store/journal.ts'
import { TargetList } from './targets.ts'
import { verifiedPlaintext, type Potfile } from './store/potfile.ts'

// A wordlist job's file, and what is sent to workers with the job: its rule files' texts, or a
// combinator's other list (in the words file's form).
export type WordlistFiles = { list: Wordlist, rules: Uint8Array[] | undefined, other?: Uint8Array }

// A job ready for the scheduler.
export type Intake = { spec: JobSpec, wordlist: WordlistFiles | null, users?: Record<string, string[]> }

export class JobIntake {
  readonly #potfile: Potfile | null
  readonly #log: (level: LogLevel, message: string) => void

  constructor (potfile: Potfile | null, log: (level: LogLevel, message: string) => void) {
    this.#potfile = potfile
    this.#log = log
  }

  get potfilePath (): string | null { return this.#potfile?.path ?? null }

  // Wordlist jobs once the file has been read through and indexed; the rest at once.
  fromRequest (request: JobRequest): Intake | Promise<Intake> {
    const { targets, keyspace, priority } = checkRequest(request)
    const intake = (spec: KeyspaceSpec, wordlist: WordlistFiles | null): Intake => {
      // Only hashcat searches a mode we have no kernel for: all of the job, or it cannot run.
      const refusal = isPassThrough(request.algorithm) ? hashcatRefusal(request.algorithm, spec, wordlist?.list.file, wordlist?.rules) : null
      if (refusal) throw new InvalidInputError(`-m ${infoOf(request.algorithm).hashcat} runs on hashcat workers only, and hashcat cannot search this job: ${refusal}`)
      const known = this.#knownInPotfile(targets)
      return { spec: { algorithm: request.algorithm, targets, keyspace: spec, priority, known, ...wordlistParts(wordlist, spec) }, wordlist, users: request.users }
    }
    if (keyspace.type === 'wordlist' && 'path' in keyspace) return this.#openWordlistJob(keyspace).then(({ spec, files }) => intake(spec, files))
    return intake(keyspace as KeyspaceSpec, null)
  }

  // An unfinished job from a session journal, with what it had found; its files must not have changed.
  async fromJournal (journaled: JournaledJob): Promise<Intake> {
    const { id, algorithm, targets, keyspace, priority } = journaled
    let wordlist: WordlistFiles | null = null
    if (keyspace.type === 'wordlist') {
      const rules = keyspace.rules ? this.#warned(await rereadRuleFiles(id, keyspace.rules)) : null
      const list = await this.#openWordlist(keyspace.name)
      const was = journaled.source!
      if (list.source.bytes !== was.bytes || list.source.sha256 !== was.sha256) {
        throw new InvalidInputError(`cannot restore job ${id}: wordlist ${keyspace.name} has changed since the session began (${was.bytes} bytes, SHA-256 ${was.sha256.slice(0, 16)}…; now ${list.source.bytes} bytes, ${list.source.sha256.slice(0, 16)}…)`)
      }
      wordlist = { list, rules: rules?.texts }
      if (keyspace.combinator) {
        const { name, file } = keyspace.combinator.other
        const other = await this.#openWordlist(name)
        if (other.file.sha256 !== file.sha256) throw new InvalidInputError(`cannot restore job ${id}: wordlist ${name} has changed since the session began (its words' SHA-256 was ${file.sha256.slice(0, 16)}…, now ${other.file.sha256.slice(0, 16)}…)`)
        wordlist.other = await this.#otherWords(other)
      }
    }
    const list = TargetList.from(algorithm, targets)
    const known = new Map([...journaled.known, ...this.#knownInPotfile(list)].map((k) => [k.hash, k]))
    return { spec: { algorithm, targets: list, keyspace, priority, known: [...known.values()], ...wordlistParts(wordlist, keyspace) }, wordlist, users: journaled.users }
  }

  async #openWordlistJob (input: CheckedWordlist): Promise<{ spec: WordlistSpec, files: WordlistFiles }> {
    const rules = input.rules.length > 0 ? this.#warned(await readRuleFiles(input.rules)) : null
    const list = await this.#openWordlist(input.path)
    if (input.combinator) return this.#openCombinatorJob(list, input.combinator)
    const spec: WordlistSpec = list.spec
    if (rules) spec.rules = rules.specs
    if (input.hybrid) spec.hybrid = input.hybrid
    return { spec, files: { list, rules: rules?.texts } }
  }

  // -a 1: the larger list (the left on a tie) is the base chunks split; the other travels whole.
  async #openCombinatorJob (left: Wordlist, combinator: CombinatorInput): Promise<{ spec: WordlistSpec, files: WordlistFiles }> {
    const right = await this.#openWordlist(combinator.path)
    let baseLeft = left.words >= right.words
    // The other list travels whole: where only the larger by words fits, that one travels.
    const others = [baseLeft ? right : left, baseLeft ? left : right]
    if (others[0].file.bytes > MAX_OTHER_WORDS_BYTES && others[1].file.bytes <= MAX_OTHER_WORDS_BYTES) baseLeft = !baseLeft
    const [base, other] = baseLeft ? [left, right] : [right, left]
    if (other.file.bytes > MAX_OTHER_WORDS_BYTES) {
      throw new InvalidInputError(`-a 1: the smaller list, ${other.path}, holds ${other.words} words (${other.file.bytes} bytes); it travels with the job, so it may hold at most ${MAX_OTHER_WORDS_BYTES} bytes (about 150,000 words)`)
    }
    const spec: WordlistSpec = base.spec
    spec.combinator = { base: baseLeft ? 'left' : 'right', other: { name: other.path, size: other.words, file: other.file } }
    if (combinator.left !== undefined) spec.combinator.left = combinator.left
    if (combinator.right !== undefined) spec.combinator.right = combinator.right
    return { spec, files: { list: base, rules: undefined, other: await this.#otherWords(other) } }
  }

  // A combinator's other list in the words file's form, checked against its digest.
  async #otherWords (list: Wordlist): Promise<Uint8Array> {
    const words = Buffer.concat([await list.read(0n, list.words), NEWLINE])
    if (createHash('sha256').update(words).digest('hex') !== list.file.sha256) throw new InvalidInputError(`wordlist ${list.path} changed while it was read`)
    return words
  }

  #warned (files: RuleFiles): RuleFiles {
    for (const warning of files.warnings) this.#log('warn', warning)
    return files
  }

  async #openWordlist (path: string): Promise<Wordlist> {
    const list = await Wordlist.open(path)
    if (list.tooLong > 0) this.#log('warn', `wordlist ${list.path}: skipped ${list.tooLong} line(s) longer than ${MAX_CANDIDATE_BYTES} bytes`)
    if (list.bom) this.#log('info', `wordlist ${list.path}: skipped the UTF-8 byte order mark at its start`)
    return list
  }

  // The targets whose plaintext the potfile holds, verified. Whichever is smaller is walked: a list
  // of millions against a small potfile, or a few targets against a large one.
  #knownInPotfile (targets: TargetList): FoundResult[] {
    const potfile = this.#potfile
    if (!potfile) return []
    const found: FoundResult[] = []
    const check = (i: number) => {
      const hash = targets.text(i)
      const plaintext = verifiedPlaintext(potfile, targets.algorithm, hash, targets.at(i))
      if (plaintext) found.push({ hash, plaintext })
    }
    // A mode whose potfile keys are not its hashes (WPA) is looked up target by target.
    if (potfile.size < targets.size && !hasPotfileForm(targets.algorithm)) {
      const checked = new Set<number>() // one target may stand under several lines (a digest's case)
      for (const hash of potfile.hashes()) {
        const i = targets.indexOfText(hash)
        if (i >= 0 && !checked.has(i)) check(i)
        checked.add(i)
      }
    } else {
      for (let i = 0; i < targets.size; i++) check(i)
    }
    return found
  }

}

const NEWLINE = Uint8Array.of(0x0a)

// What the scheduler needs of a wordlist job's files: its chunks' bound, its words file and rules.
function wordlistParts (wordlist: WordlistFiles | null, spec: KeyspaceSpec): Partial<JobSpec> {
  if (!wordlist) return {}
  return { capLength: capWords(wordlist.list, spec), wordsFile: wordlist.list.file, ...(wordlist.rules ? { rules: wordlist.rules } : {}) }
}

// Wordlist chunks are bounded in bytes, not only in candidates: as many candidates as the words that
// fit in WORDLIST_CHUNK_BYTES make, from the chunk's first (which may be a word's middle variant).
function capWords (wordlist: Wordlist, spec: KeyspaceSpec): (offset: bigint) => number {
  const keyspace = keyspaceFrom(spec)
  return (offset) => {
    const first = offset / keyspace.perWord
    const candidates = BigInt(wordlist.wordsWithin(first, WORDLIST_CHUNK_BYTES)) * keyspace.perWord - offset % keyspace.perWord
    return candidates < BigInt(MAX_WASM_CHUNK_CANDIDATES) ? Number(candidates) : MAX_WASM_CHUNK_CANDIDATES
  }
}
