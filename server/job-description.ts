// The one place a job becomes valid. The server's flags, the dashboard's add-a-job form and ctl's
// submit (checked by ctl before it connects, and again by the server, which believes no peer) all
// describe a job here, with one set of bounds and one wording for every refusal; the library's
// addTasks checks its request here too (checkRequest).
import { accessSync, constants } from 'node:fs'
import { ALGORITHMS, isAlgorithm, parseAlgorithm, parseTarget, type Algorithm } from '../shared/algorithms.ts'
import { integerFlag } from '../shared/cli.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { keyspaceSpec, maskSpec, parseRange, MAX_CANDIDATE_BYTES, type HybridSpec, type KeyspaceInput, type KeyspaceSpec, type MaskSpec, type RangeSpec } from '../shared/keyspace/spec.ts'
import { parseSideRule } from '../shared/keyspace/combinator.ts'
import { badLinesWarning, readHashList, type HashList, type HashListOptions } from './inputs/hash-list.ts'
import { readRuleFiles } from './inputs/rules.ts'
import { MAX_TARGETS_PER_JOB } from './scheduler/options.ts'
import { TargetList, TargetListBuilder } from './targets.ts'

// Higher-priority jobs are served first.
export const MAX_PRIORITY = 1_000_000

// hashcat's attack modes we run.
export const ATTACK_MODES = [0, 1, 3, 6, 7] as const

// The flags that describe a job, as the server and ctl take them (node:util parseArgs options).
export const JOB_FLAGS = {
  algo: { type: 'string', short: 'm' }, target: { type: 'string', multiple: true }, targets: { type: 'string' },
  username: { type: 'boolean' }, 'hex-salt': { type: 'boolean' }, strict: { type: 'boolean' },
  range: { type: 'string' }, mask: { type: 'string' },
  'custom-charset1': { type: 'string', short: '1' }, 'custom-charset2': { type: 'string', short: '2' },
  'custom-charset3': { type: 'string', short: '3' }, 'custom-charset4': { type: 'string', short: '4' },
  increment: { type: 'boolean' }, 'increment-min': { type: 'string' }, 'increment-max': { type: 'string' },
  wordlist: { type: 'string', multiple: true }, rules: { type: 'string', multiple: true, short: 'r' }, 'attack-mode': { type: 'string', short: 'a' },
  'rule-left': { type: 'string', short: 'j' }, 'rule-right': { type: 'string', short: 'k' },
  priority: { type: 'string' }
} as const

export type JobFlags = {
  -readonly [K in keyof typeof JOB_FLAGS]?: (typeof JOB_FLAGS)[K] extends { multiple: true } ? string[] : (typeof JOB_FLAGS)[K]['type'] extends 'boolean' ? boolean : string
}

// A wordlist is a file on the server's disk; its words travel with each task. Each word may go
// through `rules` (rule files, hashcat's -a 0 -r), be joined to a mask (`hybrid`: -a 6 appends the
// mask's candidates, -a 7 prepends them) or to each word of a second list (`combinator`, -a 1).
export type WordlistInput = {
  type: 'wordlist', path: string, rules?: string[]
  hybrid?: { side: 'append' | 'prepend', mask: Extract<KeyspaceInput, { type: 'mask' }> }
  combinator?: CombinatorInput
}
// -a 1: the right list's path (the wordlist's `path` is the left), and a rule for each left word
// (-j) or right word (-k).
export type CombinatorInput = { path: string, left?: string, right?: string }
// A wordlist input once checked: the hybrid mask canonical.
export type CheckedWordlist = { type: 'wordlist', path: string, rules: string[], hybrid: HybridSpec | null, combinator: CombinatorInput | null }

// A job as flags, the form or a submission describe it, checked; its files not read yet.
export type JobDescription = {
  algorithm: Algorithm
  targets: string[] // hashes given one by one, in hashcat's format
  targetsFile: string | null // a hash list
  hashOptions: HashListOptions // --username, --hex-salt
  keyspace: RangeSpec | MaskSpec | WordlistInput
  priority: number
}

// A job as the library's users describe it to addTasks.
export type JobRequest = {
  algorithm: Algorithm
  // Hashcat's format (hex digest, digest:salt, crypt hash), or bytes; or packed, as a hash list is read.
  targets: (string | Uint8Array)[] | TargetList
  keyspace: KeyspaceInput | WordlistInput
  priority?: number // a whole number from 0 to MAX_PRIORITY; higher runs first
  // Who each target belongs to (hash lists read with --username, shadow files), by the target's text
  // (formatTarget): results name them, after a --restore too (the session journal keeps them).
  users?: Record<string, string[]>
}

// How addTasks takes a job of a mode we have no kernel for (server/pass-through.ts): waiting for a
// hashcat worker to read its hashes when none is connected (the default), or refusing it then.
export type AddOptions = { waitForHashcat?: boolean }

// The dashboard's add-a-job form: each field as typed.
export type JobForm = {
  algorithm: string, targets: string, targetsFile: string, username: string, hexSalt: string, strict: string, keyspace: string, increment: string,
  charset1: string, charset2: string, charset3: string, charset4: string, wordlist: string, rules: string, ruleLeft: string, ruleRight: string,
  attackMode: string, priority: string
}

// The form's wordlist field: one path, or two (-a 1) separated by whitespace.
const FORM_PATHS = /\s+/

// Files a form chose among those the server holds (the web view), by path, taken whole where the
// form's own fields split on whitespace.
export type FormFiles = { targetsFile?: string, wordlists?: string[], rules?: string[] }

export function priorityOf (value: string | number): number {
  return integerFlag(String(value).trim(), 'priority', 0, 0, MAX_PRIORITY)
}

// The job the flags give, or null when they give no keyspace (a server started without a job).
export function describeJob (flags: JobFlags): JobDescription | null {
  const keyspace = keyspaceFlags(flags)
  const algorithm = parseAlgorithm((flags.algo ?? 'md5').trim())
  const hashOptions = { username: flags.username === true, hexSalt: flags['hex-salt'] === true, strict: flags.strict === true }
  const priority = priorityOf(flags.priority ?? '0')
  const targets = flags.target ?? []
  for (const target of targets) parseTarget(algorithm, target, hashOptions) // a bad hash is named now
  if (!keyspace) return null
  if (targets.length === 0 && flags.targets === undefined) throw new InvalidInputError('a job needs at least one target hash')
  return { algorithm, targets, targetsFile: flags.targets ?? null, hashOptions, keyspace, priority }
}

// The form, read exactly as the same flags would be.
export function describeForm (form: JobForm, files: FormFiles = {}): JobDescription {
  const keyspace = form.keyspace.trim()
  const increment = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(form.increment)
  if (form.increment.trim() && !increment) throw new InvalidInputError(`increment "${form.increment}" must look like MIN-MAX (either may be left out), e.g. 2-8`)
  const isRange = /^\d+\s*-\s*\d+$/.test(keyspace)
  const flags: JobFlags = {
    algo: form.algorithm,
    target: form.targets.split(/[\s,]+/).filter(Boolean),
    targets: files.targetsFile ?? (form.targetsFile.trim() || undefined),
    username: yes(form.username, 'username'),
    'hex-salt': yes(form.hexSalt, 'hex-salt'),
    strict: yes(form.strict, 'strict'),
    range: isRange ? keyspace : undefined,
    mask: keyspace && !isRange ? keyspace : undefined,
    wordlist: files.wordlists?.length ? files.wordlists : form.wordlist.trim() ? form.wordlist.trim().split(FORM_PATHS) : undefined,
    rules: files.rules?.length ? files.rules : form.rules.trim() ? form.rules.trim().split(/\s+/) : undefined,
    'attack-mode': form.attackMode.trim() || undefined,
    // Untrimmed: `$ ` appends a space.
    'rule-left': form.ruleLeft.trim() ? form.ruleLeft : undefined,
    'rule-right': form.ruleRight.trim() ? form.ruleRight : undefined,
    increment: increment ? true : undefined,
    'increment-min': increment?.[1] || undefined,
    'increment-max': increment?.[2] || undefined,
    priority: form.priority
  }
  for (const i of [1, 2, 3, 4] as const) flags[`custom-charset${i}`] = form[`charset${i}`] || undefined
  if (!flags.range && !flags.mask && !flags.wordlist) throw new InvalidInputError('give a keyspace: a range, a mask or a wordlist (two wordlists with attack mode 1, or a wordlist and a mask with 6 or 7)')
  return describeJob(flags)!
}

// The request a description makes, its files read: the hash list's targets and users, and the rule
// files, so that a bad file names its file and line before anything starts. `warnings`: what was
// skipped (shadow lines without a password hash, lines that are no hash of the mode).
export async function requestOf (job: JobDescription): Promise<{ request: JobRequest, warnings: string[] }> {
  if (job.keyspace.type === 'wordlist' && job.keyspace.rules) await readRuleFiles(job.keyspace.rules)
  if (job.keyspace.type === 'wordlist' && job.keyspace.combinator) checkSideRules(job.keyspace.combinator)
  const given = job.targets.map((t) => parseTarget(job.algorithm, t, job.hashOptions))
  let targets: TargetList
  let list: HashList | null = null
  if (job.targetsFile !== null) {
    const builder = new TargetListBuilder(job.algorithm)
    for (const target of given) builder.add(target)
    list = await readHashList(job.targetsFile, job.algorithm, job.hashOptions, given.length > 0 ? builder : undefined)
    targets = list.targets
  } else {
    targets = TargetList.from(job.algorithm, given)
  }
  if (targets.size === 0) throw new InvalidInputError('a job needs at least one target hash')
  const request: JobRequest = { algorithm: job.algorithm, targets, keyspace: job.keyspace, priority: job.priority }
  if (list && list.users.size > 0) request.users = Object.fromEntries(list.users)
  const warnings = list ? [list.locked ? `${job.targetsFile}: skipped ${list.locked} account(s) without a password hash` : null, badLinesWarning(job.targetsFile!, list)] : []
  return { request, warnings: warnings.filter((w): w is string => w !== null) }
}

// A library request checked: its targets packed (once: a hash list's come packed already), a
// canonical keyspace (a wordlist stays a path: it is read when the job is added).
export function checkRequest (request: JobRequest): { targets: TargetList, keyspace: KeyspaceSpec | CheckedWordlist, priority: number } {
  if (!isAlgorithm(request?.algorithm)) throw new InvalidInputError(`algorithm ${JSON.stringify(request?.algorithm)} is not one of ${ALGORITHMS.join(', ')}, nor hashcat-N for hashcat's mode N`)
  const algorithm = request.algorithm
  const given = request.targets
  if (!(given instanceof TargetList) && !Array.isArray(given)) throw new InvalidInputError('targets must be an array of digests')
  if (given instanceof TargetList && given.algorithm !== algorithm) throw new InvalidInputError(`the targets are ${given.algorithm} targets, not ${algorithm}`)
  const targets = given instanceof TargetList ? given : TargetList.from(algorithm, given.map((t) => typeof t === 'string' ? parseTarget(algorithm, t) : t))
  if (targets.size === 0) throw new InvalidInputError('a job needs at least one target hash')
  if (targets.size > MAX_TARGETS_PER_JOB) throw new InvalidInputError(`a job takes at most ${MAX_TARGETS_PER_JOB} targets, got ${targets.size}`)
  // A number from the library, as a journal can restore it; text is the flags' and the form's to read.
  const priority = request.priority ?? 0
  if (typeof priority !== 'number') throw new InvalidInputError(`--priority must be an integer from 0 to ${MAX_PRIORITY}, got ${JSON.stringify(priority)}`)
  priorityOf(priority)
  if (request.keyspace?.type === 'wordlist') {
    const { path, rules = [], hybrid, combinator } = request.keyspace
    if (typeof path !== 'string' || path === '') throw new InvalidInputError('a wordlist keyspace needs a path')
    if (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string' || r === '')) throw new InvalidInputError('rules must be an array of rule file paths')
    if ([rules.length > 0, hybrid, combinator].filter(Boolean).length > 1) throw new InvalidInputError('a wordlist job takes rules, a hybrid mask or a second list (combinator), one at most')
    if (hybrid && hybrid.side !== 'append' && hybrid.side !== 'prepend') throw new InvalidInputError(`hybrid side ${JSON.stringify(hybrid.side)} is not "append" (-a 6) or "prepend" (-a 7)`)
    const mask = hybrid ? keyspaceSpec(hybrid.mask) : null
    if (mask && mask.type !== 'mask') throw new InvalidInputError('a hybrid attack joins a mask')
    if (combinator) {
      if (typeof combinator.path !== 'string' || combinator.path === '') throw new InvalidInputError('a combinator attack needs the right list\'s path')
      checkSideRules(combinator)
    }
    return { targets, priority, keyspace: { type: 'wordlist', path, rules, hybrid: hybrid && mask?.type === 'mask' ? { side: hybrid.side, mask } : null, combinator: combinator ?? null } }
  }
  return { targets, priority, keyspace: keyspaceSpec(request.keyspace) }
}

// The keyspace the flags give (--range, --mask and its charsets and increment, --wordlist with
// --rules, or both for a hybrid attack), or null when none is given.
function keyspaceFlags (flags: JobFlags): RangeSpec | MaskSpec | WordlistInput | null {
  const limit = (name: 'increment-min' | 'increment-max') => flags[name] === undefined ? undefined : integerFlag(flags[name], name, 0, 1, MAX_CANDIDATE_BYTES)
  if (!flags.increment && (flags['increment-min'] !== undefined || flags['increment-max'] !== undefined)) {
    throw new InvalidInputError('--increment-min and --increment-max need --increment')
  }
  const charsets = ([1, 2, 3, 4] as const).map((i) => flags[`custom-charset${i}`])
  for (const [i, charset] of charsets.entries()) if (charset === '') throw new InvalidInputError(`custom charset -${i + 1} is empty: give it at least one character or charset (e.g. -${i + 1} ?l?d)`)
  if (!flags.mask && charsets.some((c) => c !== undefined)) throw new InvalidInputError('custom charsets (-1..-4) need --mask')
  if (!flags.mask && flags.increment) throw new InvalidInputError('--increment needs --mask')
  const given = (['wordlist', 'mask', 'range'] as const).filter((k) => flags[k] !== undefined)
  const rules = flags.rules ?? []
  const lists = flags.wordlist ?? []
  const sideRules = { left: flags['rule-left'], right: flags['rule-right'] }
  if (given.length === 0) {
    if (rules.length > 0 || flags['attack-mode'] !== undefined) throw new InvalidInputError('--rules and --attack-mode need a keyspace (--wordlist, --mask or --range)')
    return null
  }
  const attack = attackMode(flags['attack-mode'], given, lists.length)
  if (rules.length > 0 && attack !== 0) throw new InvalidInputError(`--rules applies to wordlist attacks (-a 0), not -a ${attack}`)
  if ((sideRules.left !== undefined || sideRules.right !== undefined) && attack !== 1) throw new InvalidInputError(`-j and -k (--rule-left, --rule-right) apply to combinator attacks (-a 1), not -a ${attack}`)
  const mask = () => maskSpec(flags.mask!, charsets, flags.increment ? { min: limit('increment-min'), max: limit('increment-max') } : undefined)
  if (attack === 3) return flags.mask !== undefined ? mask() : parseRange(flags.range!)
  // Read through only once the server runs; a missing or unreadable file is said now, before listening.
  for (const [flag, path] of [...lists.map((l) => ['wordlist', l]), ...rules.map((r) => ['rules', r])]) {
    try {
      accessSync(path, constants.R_OK)
    } catch (error) {
      throw new InvalidInputError(`--${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }
  const wordlist: WordlistInput = { type: 'wordlist', path: lists[0] }
  if (rules.length > 0) wordlist.rules = rules
  if (attack === 6 || attack === 7) wordlist.hybrid = { side: attack === 6 ? 'append' : 'prepend', mask: mask() }
  if (attack === 1) {
    wordlist.combinator = { path: lists[1] }
    if (sideRules.left !== undefined) wordlist.combinator.left = sideRules.left
    if (sideRules.right !== undefined) wordlist.combinator.right = sideRules.right
    checkSideRules(wordlist.combinator)
  }
  return wordlist
}

// -j and -k: one rule each, checked now.
function checkSideRules (combinator: CombinatorInput): void {
  for (const side of ['left', 'right'] as const) {
    const rule = combinator[side]
    if (rule === undefined) continue
    if (typeof rule !== 'string' || rule === '') throw new InvalidInputError(`${side === 'left' ? '-j' : '-k'} needs a rule`)
    try {
      parseSideRule(rule, side)
    } catch (error) {
      throw new InvalidInputError((error as Error).message)
    }
  }
}

// -a N checked against the keyspace flags given (`lists`: how many --wordlist), or inferred from them.
function attackMode (text: string | undefined, given: readonly ('wordlist' | 'mask' | 'range')[], lists: number): typeof ATTACK_MODES[number] {
  const need = { 0: ['wordlist'], 1: ['wordlist'], 3: given.includes('range') ? ['range'] : ['mask'], 6: ['wordlist', 'mask'], 7: ['wordlist', 'mask'] } as const
  const mode = text === undefined ? inferredMode(given, lists) : Number(text)
  if (text !== undefined && (!(ATTACK_MODES as readonly number[]).includes(mode) || !/^[0-9]$/.test(text))) throw new InvalidInputError(`--attack-mode ${text}: use 0 (wordlist), 1 (two wordlists), 3 (mask or range), 6 (wordlist + mask) or 7 (mask + wordlist)`)
  const wanted = need[mode as keyof typeof need]
  if (given.length !== wanted.length || !wanted.every((k) => (given as readonly string[]).includes(k))) {
    throw new InvalidInputError(`-a ${mode} takes ${wanted.map((k) => `--${k}`).join(' and ')}${mode === 3 ? ' (or --range)' : ''}, not ${given.map((k) => `--${k}`).join(' and ')}`)
  }
  const wantedLists = mode === 1 ? 2 : mode === 3 ? 0 : 1
  if (lists !== wantedLists) throw new InvalidInputError(mode === 1 ? `-a 1 (combinator) takes two --wordlist files, the left and the right, not ${lists}` : `-a ${mode} takes one --wordlist, not ${lists}${lists === 2 ? ' (two lists are a combinator attack: -a 1)' : ''}`)
  return mode as typeof ATTACK_MODES[number]
}

function inferredMode (given: readonly ('wordlist' | 'mask' | 'range')[], lists: number): number {
  if (given.length === 1) return given[0] === 'wordlist' ? (lists === 2 ? 1 : 0) : 3
  if (given.length === 2 && !given.includes('range')) throw new InvalidInputError('--wordlist with --mask is a hybrid attack: add -a 6 (each word followed by the mask) or -a 7 (the mask, then each word)')
  throw new InvalidInputError(`give one keyspace, not ${given.map((k) => `--${k}`).join(' and ')}`)
}

// A yes/no form field: y, yes, or blank.
function yes (text: string, field: string): boolean {
  const value = text.trim().toLowerCase()
  if (value === '' || value === 'n' || value === 'no') return false
  if (value === 'y' || value === 'yes') return true
  throw new InvalidInputError(`--${field}: answer y or leave it blank, not "${text}"`)
}
