// hashcat's rule language (-r): each line of a rule file is one rule, a list of functions applied to a
// word in turn. Semantics are those of hashcat's device engine (what `-r` runs, and what
// `hashcat --stdout -r` prints), including its limits: a function that would make the word 256 bytes
// or longer leaves it unchanged, and a position past the end makes most functions do nothing. The
// rejection functions (< > _ ! / ( ) = %), which hashcat's device engine skips, are applied with the
// semantics of its CPU engine: a rejected candidate is counted but never hashed.
//
// Rules are parsed once into a program (three bytes per function: opcode, two arguments) and applied
// in place on a byte buffer, so the hot loop neither allocates nor goes through strings.
import { InvalidInputError } from '../errors.ts'

// hashcat's RP_PASSWORD_SIZE: no function makes a word this long.
export const RULE_WORD_LIMIT = 256
// Most functions in one rule (hashcat refuses more).
export const MAX_RULE_FUNCTIONS = 31
// Most rules in one job, after multiplying several rule files.
export const MAX_RULES = 10_000_000
// A buffer any rule's work fits in: functions check their result against RULE_WORD_LIMIT first.
export const RULE_BUFFER_BYTES = 2 * RULE_WORD_LIMIT

// Functions by their letter, with the kinds of their arguments: N a position (0-9, A-Z), X a byte.
const SIGNATURES: Record<string, string> = {
  ':': '', l: '', u: '', c: '', C: '', t: '', r: '', d: '', f: '', '{': '', '}': '', '[': '', ']': '', q: '', k: '', K: '', E: '',
  T: 'N', p: 'N', D: 'N', "'": 'N', z: 'N', Z: 'N', L: 'N', R: 'N', '+': 'N', '-': 'N', '.': 'N', ',': 'N', y: 'N', Y: 'N',
  $: 'X', '^': 'X', '@': 'X', e: 'X',
  x: 'NN', O: 'NN', '*': 'NN',
  i: 'NX', o: 'NX', 3: 'NX',
  s: 'XX',
  // Rejection.
  '<': 'N', '>': 'N', _: 'N', '!': 'X', '/': 'X', '(': 'X', ')': 'X', '=': 'NX', '%': 'NX'
}

// A parsed rule set: rule k's functions are ops[starts[k] .. starts[k + 1]), three numbers each.
// `skipped`: the lines left out, as hashcat leaves them out (a function it does not apply, a bad
// argument), each with its line number and why.
export type RuleSet = { ops: Uint8Array, starts: Int32Array, count: number, source: string[], skipped: SkippedRule[] }
export type SkippedRule = { line: number, rule: string, why: string }

// hashcat's memory functions, which its -r (the device engine) does not run: it skips their rules.
const MEMORY_FUNCTIONS = 'M46XQ'

const SPACE = 0x20
// Internal op: rotate right by (p0 - ROTATE_BIAS) places, left when negative (merged { and }).
const ROTATE = 0x01
const ROTATE_BIAS = 64

// The value of a position character: 0-9 then A-Z, as hashcat reads them.
function position (byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  if (byte >= 0x41 && byte <= 0x5a) return byte - 0x41 + 10
  return -1
}

// `\xHH` anywhere in a line stands for that byte (hashcat's hex notation); any other `\` is itself.
function decodeHex (line: Uint8Array): Uint8Array {
  if (!line.includes(0x5c)) return line
  const out: number[] = []
  for (let i = 0; i < line.length; i++) {
    const hi = line[i] === 0x5c && line[i + 1] === 0x78 ? hexDigit(line[i + 2]) : -1
    const lo = hi >= 0 ? hexDigit(line[i + 3]) : -1
    if (lo >= 0) {
      out.push(hi * 16 + lo)
      i += 3
    } else out.push(line[i])
  }
  return Uint8Array.from(out)
}

function hexDigit (byte: number | undefined): number {
  if (byte === undefined) return -1
  const c = String.fromCharCode(byte)
  return /[0-9a-fA-F]/.test(c) ? parseInt(c, 16) : -1
}

const shownByte = (byte: number) => byte >= 0x21 && byte <= 0x7e ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`

// One rule line into its functions, or an error saying what is wrong and where (column, 1-based).
function parseLine (line: Uint8Array, ops: number[]): void {
  const start = ops.length
  const bytes = decodeHex(line)
  let functions = 0
  for (let i = 0; i < bytes.length; i++) {
    const name = bytes[i]
    if (name === SPACE) continue
    const letter = String.fromCharCode(name)
    const signature = Object.hasOwn(SIGNATURES, letter) ? SIGNATURES[letter] : undefined
    if (signature === undefined && MEMORY_FUNCTIONS.includes(letter)) throw new Error(`memory function "${letter}" at column ${i + 1}, which hashcat's -r does not run either`)
    if (signature === undefined) throw new Error(`unknown function ${shownByte(name)} at column ${i + 1}`)
    const args = [0, 0]
    for (let a = 0; a < signature.length; a++) {
      const byte = bytes[++i]
      if (byte === undefined) throw new Error(`function "${letter}" needs ${signature.length} argument(s) (${signature.split('').map((k) => k === 'N' ? 'a position 0-9 or A-Z' : 'a character').join(', ')}); the line ends first`)
      if (signature[a] === 'N') {
        args[a] = position(byte)
        if (args[a] < 0) throw new Error(`function "${letter}" at column ${i + 1 - a - 1}: ${shownByte(byte)} is not a position (0-9 or A-Z)`)
      } else args[a] = byte
    }
    if (++functions > MAX_RULE_FUNCTIONS) throw new Error(`more than ${MAX_RULE_FUNCTIONS} functions in one rule`)
    ops.push(name, args[0], args[1])
  }
  mergeRotations(ops, start)
}

// Runs of { and } (frequent in hashcat's rule files) become one rotation by their net count: each
// rotation moves every byte, so five of them cost five times one.
function mergeRotations (ops: number[], start: number): void {
  const out: number[] = []
  for (let i = start; i < ops.length; i += 3) {
    const rotation = ops[i] === 0x7d ? 1 : ops[i] === 0x7b ? -1 : 0
    const last = out.length - 3
    if (rotation !== 0 && last >= 0 && out[last] === ROTATE) out[last + 1] += rotation
    else if (rotation !== 0) out.push(ROTATE, rotation, 0)
    else out.push(ops[i], ops[i + 1], ops[i + 2])
  }
  for (let i = 0; i < out.length; i += 3) if (out[i] === ROTATE) out[i + 1] += ROTATE_BIAS
  ops.splice(start, ops.length - start, ...out)
}

// A rule file's text. Empty lines and lines starting with # are skipped, as hashcat does; so is a rule
// that cannot be applied, with its line and why in `skipped` (hashcat warns of each too). `name`
// names the file in errors, which give its line.
export function parseRules (text: Uint8Array, name: string): RuleSet {
  const skipped: SkippedRule[] = []
  const ops: number[] = []
  const starts: number[] = []
  const source: string[] = []
  let lineNumber = 0
  for (let start = 0; start < text.length;) {
    let end = text.indexOf(0x0a, start)
    if (end < 0) end = text.length
    lineNumber++
    const line = text.subarray(start, end > start && text[end - 1] === 0x0d ? end - 1 : end)
    start = end + 1
    if (line.length === 0 || line[0] === 0x23) continue
    const rule = Buffer.from(line).toString('latin1')
    const at = ops.length
    try {
      parseLine(line, ops)
    } catch (error) {
      ops.length = at
      skipped.push({ line: lineNumber, rule, why: (error as Error).message })
      continue
    }
    starts.push(at / 3)
    source.push(rule)
    if (starts.length > MAX_RULES) throw new InvalidInputError(`${name}:${lineNumber}: more than ${MAX_RULES} rules`)
  }
  if (starts.length === 0) throw new InvalidInputError(`${name}: no rules in it (empty lines and # comments are skipped)${skipped.length > 0 ? `; ${describeSkipped(name, skipped)}` : ''}`)
  starts.push(ops.length / 3)
  return { ops: Uint8Array.from(ops), starts: Int32Array.from(starts), count: starts.length - 1, source, skipped }
}

// One rule given alone (hashcat's -j, -k): a set of one, or an error saying what is wrong.
export function parseRule (text: string, name: string): RuleSet {
  // hashcat takes the text as it is: a byte it would read otherwise than we do is written \xHH.
  if (/[\r\n]/.test(text)) throw new InvalidInputError(`${name} takes one rule`)
  if (!/^[\x20-\x7e]*$/.test(text)) throw new InvalidInputError(`${name}: a rule is printable ASCII (write other bytes as \\xHH), not ${JSON.stringify(text)}`)
  const ops: number[] = []
  try {
    parseLine(Buffer.from(text, 'latin1'), ops)
  } catch (error) {
    throw new InvalidInputError(`${name}: ${(error as Error).message} in rule "${text}"`)
  }
  return { ops: Uint8Array.from(ops), starts: Int32Array.of(0, ops.length / 3), count: 1, source: [text], skipped: [] }
}

// The rules a file's parse left out, for a warning: how many, and the first few with line and why.
export function describeSkipped (name: string, skipped: readonly SkippedRule[]): string {
  const shown = skipped.slice(0, SKIPPED_SHOWN).map((s) => `${name}:${s.line}: ${s.why} in rule "${s.rule}"`)
  const more = skipped.length > SKIPPED_SHOWN ? `; and ${skipped.length - SKIPPED_SHOWN} more` : ''
  return `skipped ${skipped.length} rule(s) that cannot be applied, as hashcat does: ${shown.join('; ')}${more}`
}

const SKIPPED_SHOWN = 3

// The most bytes a function can make of a word of `length`, whatever the word (a rejection taken
// to pass, since hashcat's device engine skips them); Infinity for a function not known here.
function grownBy (op: number, p0: number, length: number): number {
  switch (op) {
    case 0x64: case 0x66: case 0x71: return 2 * length // d f q
    case 0x70: return (p0 + 1) * length // pN
    case 0x24: case 0x5e: case 0x69: return length + 1 // $X ^X iNX
    case 0x7a: case 0x5a: case 0x79: case 0x59: return length + p0 // zN ZN yN YN
    default: return Object.hasOwn(SIGNATURES, String.fromCharCode(op)) || op === ROTATE ? length : Infinity
  }
}

// An upper bound on the length of what a rule makes of a word of `length` bytes, for choosing
// hashcat's optimised kernels, whose candidates stop at 31 bytes (a longer result is not made).
export function ruleLongest (set: RuleSet, rule: number, length: number): number {
  let n = length
  for (let i = set.starts[rule] * 3, end = set.starts[rule + 1] * 3; i < end; i += 3) n = grownBy(set.ops[i], set.ops[i + 1], n)
  return n
}

// Whether a rule holds a rejection function (< > _ ! / ( ) = %).
export function mayReject (set: RuleSet, rule: number): boolean {
  for (let i = set.starts[rule] * 3, end = set.starts[rule + 1] * 3; i < end; i += 3) if (REJECTIONS.has(set.ops[i])) return true
  return false
}

const REJECTIONS: ReadonlySet<number> = new Set([...'<>_!/()=%'].map((c) => c.charCodeAt(0)))

// The same for any rule of the set.
export function longestResult (set: RuleSet, length: number): number {
  let longest = 0
  for (let rule = 0; rule < set.count; rule++) longest = Math.max(longest, ruleLongest(set, rule, length))
  return longest
}

// Several rule files combine as hashcat combines them, without being multiplied out: variant v is
// rule v % n1 of the first file, then rule (v / n1) % n2 of the second, and so on (the first file's
// rule varies fastest), applied in file order. Returns the length, or -1 when a rule rejects.
export function applyRules (chain: readonly RuleSet[], variant: number, buf: Uint8Array, length: number): number {
  let rest = variant
  let len = length
  for (let i = 0; i < chain.length && len >= 0; i++) {
    const set = chain[i]
    const rule = rest % set.count
    rest = (rest - rule) / set.count
    len = applyRule(set, rule, buf, len)
  }
  return len
}

// Checks that rule files can be combined: at most MAX_RULES rules in their product, at most
// MAX_RULE_FUNCTIONS functions in any combined rule. Returns the product.
export function combinedCount (chain: readonly RuleSet[], names: readonly string[]): number {
  const count = chain.reduce((n, s) => n * s.count, 1)
  if (count > MAX_RULES) throw new InvalidInputError(`the rule files ${names.join(', ')} multiply to ${count} rules; at most ${MAX_RULES}`)
  const longest = chain.reduce((n, s) => n + maxFunctions(s), 0)
  if (longest > MAX_RULE_FUNCTIONS) throw new InvalidInputError(`combining ${names.join(', ')} makes rules of up to ${longest} functions; hashcat allows ${MAX_RULE_FUNCTIONS}`)
  return count
}

function maxFunctions (set: RuleSet): number {
  let most = 0
  for (let k = 0; k < set.count; k++) most = Math.max(most, set.starts[k + 1] - set.starts[k])
  return most
}

const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)
const upper = (b: number) => (b >= 0x61 && b <= 0x7a ? b & ~0x20 : b)
const LIMIT = RULE_WORD_LIMIT

function reverse (buf: Uint8Array, from: number, to: number): void {
  for (let l = from, r = to - 1; l < r; l++, r--) {
    const t = buf[l]; buf[l] = buf[r]; buf[r] = t
  }
}

// buf.copyWithin and buf.fill cost more per call than a short loop: words are short.
function move (buf: Uint8Array, to: number, from: number, end: number): void {
  if (to < from) for (let i = from; i < end; i++) buf[to++] = buf[i]
  else for (let i = end - 1, j = to + end - from - 1; i >= from; i--, j--) buf[j] = buf[i]
}

const spare = new Uint8Array(RULE_WORD_LIMIT)

// Rotates buf[0, len) right by `by` places (left when negative).
function rotate (buf: Uint8Array, len: number, by: number): void {
  const k = ((by % len) + len) % len
  if (k === 0) return
  for (let i = 0; i < len; i++) spare[i] = buf[i]
  for (let i = 0, j = k; i < len; i++, j = j + 1 === len ? 0 : j + 1) buf[j] = spare[i]
}

function fill (buf: Uint8Array, value: number, from: number, end: number): void {
  for (let i = from; i < end; i++) buf[i] = value
}

function contains (buf: Uint8Array, len: number, value: number): boolean {
  for (let i = 0; i < len; i++) if (buf[i] === value) return true
  return false
}

// Applies rule `rule` of `rules` to buf[0, length) in place (buf holds RULE_BUFFER_BYTES). Returns
// the new length, or -1 when a rejection function rejects the word.
export function applyRule (rules: RuleSet, rule: number, buf: Uint8Array, length: number): number {
  const ops = rules.ops
  let len = length
  for (let i = rules.starts[rule] * 3, end = rules.starts[rule + 1] * 3; i < end; i += 3) {
    const p0 = ops[i + 1]
    const p1 = ops[i + 2]
    switch (ops[i]) {
      case 0x3a: break // :
      case 0x6c: for (let j = 0; j < len; j++) buf[j] = lower(buf[j]); break // l
      case 0x75: for (let j = 0; j < len; j++) buf[j] = upper(buf[j]); break // u
      case 0x63: // c
        for (let j = 0; j < len; j++) buf[j] = lower(buf[j])
        if (len > 0) buf[0] = upper(buf[0])
        break
      case 0x43: // C
        for (let j = 0; j < len; j++) buf[j] = upper(buf[j])
        if (len > 0) buf[0] = lower(buf[0])
        break
      case 0x74: for (let j = 0; j < len; j++) if (isLetter(buf[j])) buf[j] ^= 0x20; break // t
      case 0x54: if (p0 < len && isLetter(buf[p0])) buf[p0] ^= 0x20; break // TN
      case 0x33: { // 3NX: toggle the character after the Nth (from 0) X
        if (len >= LIMIT) break
        let seen = 0
        for (let j = 0; j < len; j++) {
          if (buf[j] !== p1) continue
          if (seen++ === p0) {
            if (j + 1 < len && isLetter(buf[j + 1])) buf[j + 1] ^= 0x20
            break
          }
        }
        break
      }
      case 0x72: reverse(buf, 0, len); break // r
      case 0x64: // d
        if (2 * len >= LIMIT) break
        move(buf, len, 0, len)
        len *= 2
        break
      case 0x70: { // pN: N more copies
        const out = len * p0 + len
        if (out >= LIMIT) break
        for (let t = 1; t <= p0; t++) move(buf, t * len, 0, len)
        len = out
        break
      }
      case 0x66: // f
        if (2 * len >= LIMIT) break
        move(buf, len, 0, len)
        reverse(buf, len, 2 * len)
        len *= 2
        break
      case ROTATE: if (len > 1) rotate(buf, len, p0 - ROTATE_BIAS); break // runs of { and }
      case 0x24: if (len + 1 < LIMIT) buf[len++] = p0; break // $X
      case 0x5e: // ^X
        if (len + 1 >= LIMIT) break
        move(buf, 1, 0, len)
        buf[0] = p0
        len++
        break
      case 0x5b: if (len > 0) { move(buf, 0, 1, len); len-- } break // [
      case 0x5d: if (len > 0) len--; break // ]
      case 0x44: if (p0 < len) { move(buf, p0, p0 + 1, len); len-- } break // DN
      case 0x78: // xNM
        if (p0 >= len || p0 + p1 > len) break
        move(buf, 0, p0, p0 + p1)
        len = p1
        break
      case 0x4f: // ONM
        if (p0 >= len || p0 + p1 > len) break
        move(buf, p0, p0 + p1, len)
        len -= p1
        break
      case 0x69: // iNX
        if (p0 > len || len + 1 >= LIMIT) break
        move(buf, p0 + 1, p0, len)
        buf[p0] = p1
        len++
        break
      case 0x6f: if (p0 < len) buf[p0] = p1; break // oNX
      case 0x27: if (p0 < len) len = p0; break // 'N
      case 0x73: for (let j = 0; j < len; j++) if (buf[j] === p0) buf[j] = p1; break // sXY
      case 0x40: { // @X
        let out = 0
        for (let j = 0; j < len; j++) if (buf[j] !== p0) buf[out++] = buf[j]
        len = out
        break
      }
      case 0x7a: // zN
        if (len === 0 || len + p0 >= LIMIT) break
        move(buf, p0, 0, len)
        fill(buf, buf[p0], 0, p0)
        len += p0
        break
      case 0x5a: // ZN
        if (len === 0 || len + p0 >= LIMIT) break
        fill(buf, buf[len - 1], len, len + p0)
        len += p0
        break
      case 0x71: // q
        if (2 * len >= LIMIT) break
        for (let j = len - 1; j >= 0; j--) buf[2 * j] = buf[2 * j + 1] = buf[j]
        len *= 2
        break
      case 0x6b: if (len >= 2) { const t = buf[0]; buf[0] = buf[1]; buf[1] = t } break // k
      case 0x4b: if (len >= 2) { const t = buf[len - 2]; buf[len - 2] = buf[len - 1]; buf[len - 1] = t } break // K
      case 0x2a: if (p0 < len && p1 < len) { const t = buf[p0]; buf[p0] = buf[p1]; buf[p1] = t } break // *NM
      case 0x4c: if (p0 < len) buf[p0] = (buf[p0] << 1) & 0xff; break // LN
      case 0x52: if (p0 < len) buf[p0] >>= 1; break // RN
      case 0x2b: if (p0 < len) buf[p0] = (buf[p0] + 1) & 0xff; break // +N
      case 0x2d: if (p0 < len) buf[p0] = (buf[p0] - 1) & 0xff; break // -N
      case 0x2e: if (p0 + 1 < len) buf[p0] = buf[p0 + 1]; break // .N
      case 0x2c: if (p0 > 0 && p0 < len) buf[p0] = buf[p0 - 1]; break // ,N
      case 0x79: // yN: the first N characters, duplicated in front
        if (p0 > len || len + p0 >= LIMIT) break
        move(buf, p0, 0, len)
        len += p0
        break
      case 0x59: // YN: the last N characters, duplicated at the end
        if (p0 > len || len + p0 >= LIMIT) break
        move(buf, len, len - p0, len)
        len += p0
        break
      case 0x45: titleCase(buf, len, SPACE); break // E
      case 0x65: titleCase(buf, len, p0); break // eX
      // Rejection (hashcat's CPU engine).
      case 0x3c: if (len > p0) return -1; break // <N: longer than N
      case 0x3e: if (len < p0) return -1; break // >N: shorter than N
      case 0x5f: if (len !== p0) return -1; break // _N
      case 0x21: if (contains(buf, len, p0)) return -1; break // !X
      case 0x2f: if (!contains(buf, len, p0)) return -1; break // /X
      case 0x28: if (len === 0 || buf[0] !== p0) return -1; break // (X
      case 0x29: if (len === 0 || buf[len - 1] !== p0) return -1; break // )X
      case 0x3d: if (p0 >= len || buf[p0] !== p1) return -1; break // =NX
      case 0x25: { // %NX: fewer than N instances of X (and, as in hashcat, a word of N or fewer bytes)
        if (p0 >= len) return -1
        let seen = 0
        for (let j = 0; j < len && seen < p0; j++) if (buf[j] === p1) seen++
        if (seen < p0) return -1
        break
      }
    }
  }
  return len
}

// Lower case, then upper case for the first character and each one after a separator.
function titleCase (buf: Uint8Array, len: number, separator: number): void {
  if (len >= LIMIT) return
  let upNext = true
  for (let j = 0; j < len; j++) {
    const b = buf[j]
    buf[j] = upNext ? upper(b) : lower(b)
    upNext = b === separator
  }
}
