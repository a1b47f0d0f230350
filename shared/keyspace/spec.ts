// What a keyspace is, as users write it and as it travels: the only owner of the keyspace spec types.
// shared/keyspace/keyspace.ts turns a spec into indexable segments.
import { InvalidInputError } from '../errors.ts'
import { CUSTOM_CHARSETS, parseMask } from './mask.ts'

// The longest candidate any keyspace, kernel or message holds.
export const MAX_CANDIDATE_BYTES = 256

// Decimal numbers from `start` (inclusive) to `end` (exclusive), as canonical decimal text.
export type RangeSpec = { type: 'range', start: string, end: string }
// A hashcat mask; `charsets` are -1..-4 ('' when unset); lengths min..max of the mask's first
// positions are searched (both the mask's length without --increment).
export type MaskSpec = { type: 'mask', mask: string, charsets: string[], min: number, max: number }
// A wordlist's lines (empty ones skipped), read by the server only: tasks carry their words.
// `name` is the file's absolute path, `size` its number of words. Each word stands for several
// candidates when `rules` (hashcat -a 0 -r: one per rule of the files' product), `hybrid` (-a 6
// appends each candidate of a mask to the word, -a 7 prepends it) or `combinator` (-a 1: joined to
// each word of a second list) is given; candidate i is variant i % perWord of word i / perWord
// (keyspace.ts).
export type WordlistSpec = { type: 'wordlist', name: string, size: string, rules?: RuleFileSpec[], hybrid?: HybridSpec, combinator?: CombinatorSpec }
// A rule file as a job knows it: its path, the SHA-256 of its bytes and its number of rules. Its
// text travels in the JOB message.
export type RuleFileSpec = { name: string, sha256: string, count: number }
export type HybridSpec = { side: 'append' | 'prepend', mask: MaskSpec }
// A combinator attack (-a 1) joins each word of a left list to each word of a right list. The larger
// list (the left on a tie; the smaller where only the larger fits a message) is the wordlist, the
// base that chunks split, as hashcat's -O kernels take it; the other, whose words travel with the
// job (in the words file's form), is `other`: its path,
// number of words and words file. `base`: the side the wordlist's words stand on. `left`, `right`:
// one rule applied to each left or right word (hashcat's -j, -k).
export type CombinatorSpec = { base: 'left' | 'right', other: { name: string, size: number, file: WordsFile }, left?: string, right?: string }
// A wordlist's words as a file of their own, each followed by a newline, `bytes` long: named by its
// SHA-256, it reaches a worker once and stays in its cache (worker/files/cache.ts) for hashcat to
// read; `ascii` when no byte of it is above 0x7f; `crEnds` when a word ends in a carriage return
// (a line of the list ending \r\r\n), which hashcat would strip; `longest`: its longest word's bytes.
export type WordsFile = { sha256: string, bytes: number, ascii: boolean, crEnds: boolean, longest: number }
export type KeyspaceSpec = RangeSpec | MaskSpec | WordlistSpec

// A keyspace as the library's users give it to addTasks.
export type KeyspaceInput =
  | { type: 'range', start: number | bigint | string, end: number | bigint | string }
  | { type: 'mask', mask: string, charsets?: (string | undefined)[], increment?: boolean | { min?: number, max?: number } }
  | MaskSpec // canonical, as keyspaceSpec returns it

export function keyspaceSpec (input: KeyspaceInput): KeyspaceSpec {
  if (input?.type === 'range') return rangeSpec(input.start, input.end)
  if (input?.type === 'mask') {
    const increment = 'min' in input ? { min: input.min, max: input.max } : input.increment === true ? {} : input.increment || undefined
    return maskSpec(input.mask, input.charsets ?? [], increment)
  }
  throw new InvalidInputError(`keyspace type ${JSON.stringify((input as { type?: unknown })?.type)} is not "range" or "mask"`)
}

// Accepts what users type (numbers, bigints, decimal strings) and returns the canonical spec.
export function rangeSpec (start: unknown, end: unknown): RangeSpec {
  const spec: RangeSpec = { type: 'range', start: decimalText(start, 'start'), end: decimalText(end, 'end') }
  if (BigInt(spec.end) <= BigInt(spec.start)) throw new InvalidInputError(`range ${spec.start}-${spec.end} is empty: the end is exclusive and must exceed the start`)
  if (spec.end.length > MAX_CANDIDATE_BYTES + 1) throw new InvalidInputError(`range end has more than ${MAX_CANDIDATE_BYTES} digits`)
  return spec
}

function decimalText (value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  if (typeof value === 'bigint' && value >= 0n) return value.toString()
  if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value)) return value
  throw new InvalidInputError(`range ${field} ${JSON.stringify(String(value))} must be a non-negative integer without leading zeros`)
}

// Checks the mask and its charsets now, so a bad one fails where the user typed it. `increment`
// (hashcat's --increment) searches the mask's first min..max positions, shortest first.
export function maskSpec (mask: string, charsets: readonly (string | undefined)[], increment?: { min?: number, max?: number }): MaskSpec {
  if (typeof mask !== 'string') throw new InvalidInputError('the mask must be a string')
  if (charsets.length > CUSTOM_CHARSETS) throw new InvalidInputError(`at most ${CUSTOM_CHARSETS} custom charsets (-1..-${CUSTOM_CHARSETS})`)
  const all = Array.from({ length: CUSTOM_CHARSETS }, (_, i) => charsets[i] ?? '')
  const positions = parseMask(mask, all).length
  if (positions > MAX_CANDIDATE_BYTES) throw new InvalidInputError(`mask "${mask.slice(0, 40)}..." has ${positions} positions; at most ${MAX_CANDIDATE_BYTES}`)
  const min = increment?.min ?? (increment ? 1 : positions)
  const max = increment?.max ?? positions
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 1 || max > positions || min > max) {
    throw new InvalidInputError(`increment ${min}-${max} must satisfy 1 <= min <= max <= ${positions} (the mask's length)`)
  }
  return { type: 'mask', mask, charsets: all, min, max }
}

// `0-100000000`: start inclusive, end exclusive.
export function parseRange (text: string): RangeSpec {
  const match = /^\s*([0-9]+)\s*-\s*([0-9]+)\s*$/.exec(text)
  if (!match) throw new InvalidInputError(`range "${text}" must look like START-END, e.g. 0-100000000`)
  return rangeSpec(match[1], match[2])
}

// The keyspace as a user would write it on the command line.
export function describeKeyspace (spec: KeyspaceSpec): string {
  if (spec.type === 'range') return `${spec.start}-${spec.end}`
  if (spec.type === 'wordlist') {
    const rules = (spec.rules ?? []).map((r) => `-r ${r.name}`)
    if (spec.hybrid) return spec.hybrid.side === 'append' ? `${spec.name} + ${describeKeyspace(spec.hybrid.mask)}` : `${describeKeyspace(spec.hybrid.mask)} + ${spec.name}`
    if (spec.combinator) {
      const { base, other, left, right } = spec.combinator
      const [l, r] = base === 'left' ? [spec.name, other.name] : [other.name, spec.name]
      return [`${l} + ${r}`, ...(left !== undefined ? [`-j ${left}`] : []), ...(right !== undefined ? [`-k ${right}`] : [])].join(' ')
    }
    return [spec.name, ...rules].join(' ')
  }
  const custom = spec.charsets.flatMap((c, i) => (c ? [`-${i + 1} ${c}`] : []))
  const full = parseMask(spec.mask, spec.charsets).length
  const increment = spec.min !== full || spec.max !== full ? [`--increment ${spec.min}-${spec.max}`] : []
  return [spec.mask, ...custom, ...increment].join(' ')
}
