// The validators every wire message is built from, and the messages both sides send (PING, PONG,
// BYE, and REFUSED from the server to a worker or a controller). Validators accept only plain
// objects with exactly the expected fields, types and bounds, and throw InvalidMessageError naming
// the message and the field.
import { InvalidMessageError } from '../errors.ts'
import { hasControls } from '../printable.ts'
import { CUSTOM_CHARSETS } from '../keyspace/mask.ts'
import { parseSideRule } from '../keyspace/combinator.ts'
import { MAX_CANDIDATE_BYTES, maskSpec, rangeSpec, type CombinatorSpec, type HybridSpec, type KeyspaceSpec, type WordlistSpec, type WordsFile } from '../keyspace/spec.ts'
import { MAX_RULES } from '../rules/rules.ts'
import { MAX_ID_LENGTH, MAX_KEYSPACE_TEXT_LENGTH, MAX_OTHER_WORDS_BYTES, MAX_REASON_LENGTH, MAX_REPLY_ITEMS, MAX_RULE_FILES, MAX_WORDS_FILE_BYTES } from './limits.ts'

// After authentication, the server will not have this worker, and says why; the worker stops for good.
export type Refused = { type: 'refused', reason: string }
// Either way.
export type Ping = { type: 'ping' }
export type Pong = { type: 'pong' }
export type Bye = { type: 'bye', reason: string }

export type Fields = Record<string, unknown>

export function fail (type: string, why: string): never {
  throw new InvalidMessageError(type ? `${type}: ${why}` : why)
}

export function exactFields (value: Fields, type: string, required: string[], optional: string[] = []): void {
  for (const key of required) if (!Object.hasOwn(value, key)) fail(type, `missing field "${key}"`)
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) fail(type, `unexpected field "${key.slice(0, 32)}"`)
  }
}

export function text (value: unknown, type: string, field: string, max: number, min = 0): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    fail(type, `"${field}" must be a string of ${min}..${max} characters`)
  }
  return value
}

export function count (value: unknown, type: string, field: string, max: number, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(type, `"${field}" must be an integer in ${min}..${max}`)
  }
  return value
}

export function bytes (value: unknown, type: string, field: string, max: number, exact?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length > max || (exact !== undefined && value.length !== exact)) {
    fail(type, `"${field}" must be ${exact ?? `at most ${max}`} bytes`)
  }
  return value
}

// A short, safe rendering of a hostile value for an error message (String() can throw on null-prototype objects).
export function shown (value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : typeof value === 'number' ? String(value) : typeof value
}

export const DECIMAL = /^(0|[1-9][0-9]*)$/
export const SHA256_HEX = /^[0-9a-f]{64}$/

// A file's content address: its SHA-256 in lowercase hex.
export function sha256Hex (value: unknown, type: string, field: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) fail(type, `"${field}" must be a SHA-256 in lowercase hex`)
  return value
}

export function decimal (value: unknown, type: string, field: string): string {
  if (typeof value !== 'string' || value.length > MAX_KEYSPACE_TEXT_LENGTH || !DECIMAL.test(value)) {
    fail(type, `"${field}" must be a decimal integer without leading zeros`)
  }
  return value
}

export function plainObject (value: unknown): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    fail('', 'not an object')
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) fail('', 'not a plain object')
  return value as Fields
}

export function validateKeyspace (value: unknown, type = 'keyspace'): KeyspaceSpec {
  const spec = plainObject(value)
  if (spec.type === 'range') {
    exactFields(spec, type, ['type', 'start', 'end'])
    const [start, end] = [decimal(spec.start, type, 'start'), decimal(spec.end, type, 'end')]
    try {
      return rangeSpec(start, end)
    } catch (error) {
      return fail(type, (error as Error).message)
    }
  }
  if (spec.type === 'mask') {
    exactFields(spec, type, ['type', 'mask', 'charsets', 'min', 'max'])
    if (!Array.isArray(spec.charsets) || spec.charsets.length !== CUSTOM_CHARSETS) fail(type, `"charsets" must be an array of ${CUSTOM_CHARSETS} strings`)
    const mask = {
      type: 'mask' as const,
      mask: text(spec.mask, type, 'mask', MAX_KEYSPACE_TEXT_LENGTH, 1),
      charsets: (spec.charsets as unknown[]).map((c, i) => text(c, type, `charsets[${i}]`, MAX_KEYSPACE_TEXT_LENGTH)),
      min: count(spec.min, type, 'min', MAX_CANDIDATE_BYTES, 1),
      max: count(spec.max, type, 'max', MAX_CANDIDATE_BYTES, 1)
    }
    try {
      return maskSpec(mask.mask, mask.charsets, { min: mask.min, max: mask.max })
    } catch (error) {
      return fail(type, (error as Error).message)
    }
  }
  if (spec.type === 'wordlist') {
    exactFields(spec, type, ['type', 'name', 'size'], ['rules', 'hybrid', 'combinator'])
    const wordlist: WordlistSpec = { type: 'wordlist', name: text(spec.name, type, 'name', MAX_KEYSPACE_TEXT_LENGTH, 1), size: decimal(spec.size, type, 'size') }
    if ([spec.rules, spec.hybrid, spec.combinator].filter((v) => v !== undefined).length > 1) fail(type, 'a wordlist keyspace has rules, a hybrid mask or a combinator\'s other list, one at most')
    if (spec.rules !== undefined) {
      if (!Array.isArray(spec.rules) || spec.rules.length < 1 || spec.rules.length > MAX_RULE_FILES) fail(type, `"rules" must be an array of 1..${MAX_RULE_FILES} rule files`)
      wordlist.rules = (spec.rules as unknown[]).map((value) => {
        const file = plainObject(value)
        exactFields(file, type, ['name', 'sha256', 'count'])
        if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) fail(type, 'a rule file\'s "sha256" must be 64 hex digits')
        return { name: text(file.name, type, 'rules[].name', MAX_KEYSPACE_TEXT_LENGTH, 1), sha256: file.sha256 as string, count: count(file.count, type, 'rules[].count', MAX_RULES, 1) }
      })
    }
    if (spec.hybrid !== undefined) wordlist.hybrid = hybridSpec(spec.hybrid, type)
    if (spec.combinator !== undefined) wordlist.combinator = combinatorSpec(spec.combinator, type)
    return wordlist
  }
  return fail(type, 'keyspace "type" must be "range", "mask" or "wordlist"')
}

export function hybridSpec (value: unknown, type: string): HybridSpec {
  const hybrid = plainObject(value)
  exactFields(hybrid, type, ['side', 'mask'])
  if (hybrid.side !== 'append' && hybrid.side !== 'prepend') fail(type, 'a hybrid mask\'s "side" must be "append" or "prepend"')
  const mask = validateKeyspace(hybrid.mask, type)
  if (mask.type !== 'mask') fail(type, 'a hybrid keyspace joins a mask')
  return { side: hybrid.side, mask }
}

function combinatorSpec (value: unknown, type: string): CombinatorSpec {
  const combinator = plainObject(value)
  exactFields(combinator, type, ['base', 'other'], ['left', 'right'])
  if (combinator.base !== 'left' && combinator.base !== 'right') fail(type, 'a combinator\'s "base" must be "left" or "right"')
  const other = plainObject(combinator.other)
  exactFields(other, type, ['name', 'size', 'file'])
  const size = count(other.size, type, 'combinator.other.size', MAX_OTHER_WORDS_BYTES / 2, 1)
  const file = wordsFile(other.file, type, 'combinator.other.file', size)
  if (file.bytes > MAX_OTHER_WORDS_BYTES) fail(type, `a combinator's other list may hold at most ${MAX_OTHER_WORDS_BYTES} bytes`)
  const spec: CombinatorSpec = { base: combinator.base, other: { name: text(other.name, type, 'combinator.other.name', MAX_KEYSPACE_TEXT_LENGTH, 1), size, file } }
  for (const side of ['left', 'right'] as const) {
    if (combinator[side] === undefined) continue
    const rule = text(combinator[side], type, `combinator.${side}`, MAX_KEYSPACE_TEXT_LENGTH, 1)
    try {
      parseSideRule(rule, side)
    } catch (error) {
      fail(type, (error as Error).message)
    }
    spec[side] = rule
  }
  return spec
}

// A words file as a message names it (JOB wordsFile, a combinator's other list) for `words` words,
// each at least one byte and a newline.
export function wordsFile (value: unknown, type: string, field: string, words: number | bigint): WordsFile {
  const file = plainObject(value)
  exactFields(file, type, ['sha256', 'bytes', 'ascii', 'crEnds', 'longest'])
  if (typeof file.ascii !== 'boolean' || typeof file.crEnds !== 'boolean') fail(type, `"${field}.ascii" and "${field}.crEnds" must be booleans`)
  const bytes = count(file.bytes, type, `${field}.bytes`, MAX_WORDS_FILE_BYTES, 1)
  if (BigInt(bytes) < 2n * BigInt(words)) fail(type, `"${field}.bytes" is too small for ${words} words`)
  return { sha256: sha256Hex(file.sha256, type, `${field}.sha256`), bytes, ascii: file.ascii, crEnds: file.crEnds, longest: count(file.longest, type, `${field}.longest`, MAX_CANDIDATE_BYTES, 1) }
}

// Ids name files on a worker (the hashcat backend's) and appear in logs: letters, digits, dot, dash
// and underscore, starting with a letter or digit, so none is a path, a flag or a terminal sequence.
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_ID_LENGTH - 1}}$`)

export function ID (value: unknown, type: string, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) fail(type, `"${field}" must be 1..${MAX_ID_LENGTH} letters, digits, dots, dashes or underscores, starting with a letter or digit`)
  return value
}

// A name is shown in logs and on the dashboard: no control or direction characters.
export function printableText (value: unknown, type: string, field: string, max: number): string {
  const name = text(value, type, field, max, 1)
  if (hasControls(name)) fail(type, `"${field}" must be printable (no control or direction characters)`)
  return name
}

export function flag (value: unknown, type: string, field: string): boolean {
  if (typeof value !== 'boolean') fail(type, `"${field}" must be true or false`)
  return value as boolean
}

export function bigCount (value: unknown, type: string, field: string): number | string {
  return typeof value === 'string' ? decimal(value, type, field) : count(value, type, field, Number.MAX_SAFE_INTEGER)
}

export function list<T> (value: unknown, type: string, field: string, item: (v: unknown) => T): T[] {
  if (!Array.isArray(value) || value.length > MAX_REPLY_ITEMS) fail(type, `"${field}" must be an array of at most ${MAX_REPLY_ITEMS} items`)
  return (value as unknown[]).map(item)
}

// Messages both sides send: ping, pong, bye.
export function eitherWay (m: Fields, from: 'worker' | 'server'): Ping | Pong | Bye {
  const type = m.type
  switch (type) {
    case 'ping':
    case 'pong':
      exactFields(m, type, ['type'])
      return { type }
    case 'bye':
      exactFields(m, type, ['type', 'reason'])
      return { type, reason: text(m.reason, type, 'reason', MAX_REASON_LENGTH) }
    default:
      return fail('', `unknown ${from} message type ${shown(type)}`)
  }
}


export function validateRefused (m: Fields): Refused {
  exactFields(m, 'refused', ['type', 'reason'])
  return { type: 'refused', reason: text(m.reason, 'refused', 'reason', MAX_REASON_LENGTH) }
}
