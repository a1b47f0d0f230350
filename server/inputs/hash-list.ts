// `--targets FILE`: one hash per line in hashcat's format for the algorithm (a hex digest,
// `digest:salt`, a crypt hash); blank lines and `#` comments are skipped. With `username`, each line
// starts with `user:`. Crypt hashes may come as shadow-file lines (`user:$6$...:19000:0:99999:7:::`),
// whose accounts without a password (`*`, `!`, `!!`, empty) are skipped. A bad line is skipped and
// counted, the first few named by file and line, as hashcat does; `strict` (--strict) stops at it
// instead, before any work starts.
import { open } from 'node:fs/promises'
import { ALGORITHM_INFO, infoOf, formatTarget, modesReading, parseTarget, type Algorithm, type ParseOptions } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { hexValue } from '../../shared/hex-form.ts'
import { MAX_TARGETS_PER_JOB } from '../scheduler/options.ts'
import { MAX_USER_NAME_LENGTH } from '../../shared/protocol/limits.ts'
import { TargetListBuilder, type TargetList } from '../targets.ts'

export type HashListOptions = ParseOptions & { username?: boolean, strict?: boolean }

// `targets`: packed, each once. `users`: the users each target belongs to, by its text (formatTarget,
// hashcat's canonical form), when lines named them. `locked`: shadow lines skipped because their
// account has no password hash. `rejected`: lines that are no hash of the mode, skipped; `named`: the
// first few of them with file, line and why.
export type HashList = { targets: TargetList, users: Map<string, string[]>, locked: number, rejected: number, named: string[] }

// A list's bad lines named in its warning; the rest are counted.
const NAMED_BAD_LINES = 5

const READ_BYTES = 1 << 20
// Longer than any hash with its user and salt: such a line is refused at once, not read on and on.
const MAX_LINE_BYTES = 64 * 1024
const NEWLINE = 0x0a
const RETURN = 0x0d
const SPACE = 0x20
const TAB = 0x09
const HASH_SIGN = 0x23

// `into`: targets given besides the file's (--target), which the list joins.
export async function readHashList (path: string, algorithm: Algorithm, options: HashListOptions = {}, into?: TargetListBuilder): Promise<HashList> {
  const info = infoOf(algorithm)
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new InvalidInputError(`--targets ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  try {
    const size = (await handle.stat()).size
    // A bare digest a line is the common case of millions: its lines become bytes without a string.
    const width = info.kind === 'plain' && !options.username ? info.digestBytes : 0
    const expected = Math.min(MAX_TARGETS_PER_JOB + 1, Math.ceil(size / (2 * info.digestBytes + 1)))
    const targets = into ?? new TargetListBuilder(algorithm, expected, info.digestBytes)
    const list = { users: new Map<string, string[]>(), locked: 0, rejected: 0, named: [] as string[] }
    const digest = new Uint8Array(width)
    let number = 0
    let accepted = 0 // lines that gave a target, new or not
    const take = (bytes: Uint8Array, start: number, end: number) => {
      number++
      if (width > 0 && fastDigest(bytes, start, end, digest)) targets.add(digest)
      else {
        // Untrimmed: a salt may end in spaces, a user name start with them (the parser trims digests).
        const line = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8')
        if (line.trim() === '' || line.startsWith('#')) return
        if (!readLine(line, algorithm, options, path, number, targets, list)) return
      }
      accepted++
      if (targets.size > MAX_TARGETS_PER_JOB) throw new InvalidInputError(`${path}:${number}: more than ${MAX_TARGETS_PER_JOB} targets in one job`)
    }
    // Lines end at \n, \r\n or a lone \r, as readline has them.
    const buffer = new Uint8Array(READ_BYTES)
    let carry = new Uint8Array(0) // the start of a line the last block cut
    let afterReturn = false
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, null)
      if (bytesRead === 0) break
      const chunk = carry.length > 0 ? concat(carry, buffer.subarray(0, bytesRead)) : buffer.subarray(0, bytesRead)
      let from = 0
      if (afterReturn && chunk[0] === NEWLINE) from = 1
      afterReturn = false
      for (let i = Math.max(from, carry.length); i < chunk.length; i++) { // the carry holds no line end
        const byte = chunk[i]
        if (byte !== NEWLINE && byte !== RETURN) continue
        take(chunk, from, i)
        if (byte === RETURN) {
          if (i + 1 < chunk.length) { if (chunk[i + 1] === NEWLINE) i++ } else afterReturn = true
        }
        from = i + 1
      }
      if (chunk.length - from > MAX_LINE_BYTES) throw new InvalidInputError(`${path}:${number + 1}: the line is longer than ${MAX_LINE_BYTES} bytes, too long for a hash`)
      carry = chunk.slice(from)
    }
    if (carry.length > 0) take(carry, 0, carry.length)
    if (accepted === 0) {
      const skipped = [list.locked ? `${list.locked} account(s) without a password` : '', list.rejected ? `${list.rejected} line(s) that are no ${algorithm} hash (${list.named[0]})` : ''].filter(Boolean)
      throw new InvalidInputError(`${path}: no hashes in it (blank lines, # comments${skipped.map((s) => ` and ${s}`).join('')} are skipped)`)
    }
    return { targets: targets.build(), ...list }
  } finally {
    await handle.close()
  }
}

// A line that is a bare digest between spaces or tabs, decoded into `out`: only what the full parser
// would read the same way (a line starting with # is a comment, left to it).
function fastDigest (bytes: Uint8Array, start: number, end: number, out: Uint8Array): boolean {
  if (bytes[start] === HASH_SIGN) return false
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++
  return end - start === 2 * out.length && hexInto(bytes, start, out)
}

// One line that is not a bare digest: its user, if any, and its target; false for a shadow line
// without a password (counted). A bad line is named by file and line.
function readLine (line: string, algorithm: Algorithm, options: HashListOptions, path: string, number: number, targets: TargetListBuilder, list: Omit<HashList, 'targets'>): boolean {
  try {
    const entry = parseLine(line, algorithm, options)
    if (!entry) {
      list.locked++
      return false
    }
    const text = formatTarget(algorithm, entry.target)
    if (entry.user !== null) list.users.set(text, [...(list.users.get(text) ?? []), entry.user])
    targets.add(entry.target) // the same hash for several users is searched once
    return true
  } catch (error) {
    const named = `${path}:${number}: ${(error as Error).message}${list.rejected < NAMED_BAD_LINES || options.strict ? hintFor(line, algorithm, options) : ''}`
    if (options.strict) throw new InvalidInputError(named)
    if (++list.rejected <= NAMED_BAD_LINES) list.named.push(named)
    return false
  }
}

// What a bad line may be instead: another mode's hash, or a line whose user prefix needs
// --username (or whose hash was cut by it).
function hintFor (line: string, algorithm: Algorithm, options: HashListOptions): string {
  const colon = line.indexOf(':')
  const reads = (text: string, opts: HashListOptions) => { try { parseTarget(algorithm, text, opts); return true } catch { return false } }
  if (!options.username && colon > 0 && reads(line.slice(colon + 1), options)) return ' (it starts with a user name: add --username)'
  if (options.username && reads(line, { ...options, username: false })) return ' (with --username the line\'s first field is taken as the user, which this hash does not have: drop --username)'
  const others = modesReading(options.username && colon >= 0 ? line.slice(colon + 1) : line, algorithm)
  return others.length > 0 ? ` (it reads as ${others.map((a) => `-m ${infoOf(a).hashcat} ${a}`).join(' or ')})` : ''
}

// The warning for a list's skipped bad lines, or null when there were none.
export function badLinesWarning (path: string, list: Pick<HashList, 'rejected' | 'named'>): string | null {
  if (list.rejected === 0) return null
  const more = list.rejected > list.named.length ? `; and ${list.rejected - list.named.length} more` : ''
  return `${path}: skipped ${list.rejected} line(s) that are no hash of the mode (--strict stops at the first): ${list.named.join('; ')}${more}`
}

// Lower- or upper-case hex digits at bytes[start..] into `out`; false at the first other byte.
function hexInto (bytes: Uint8Array, start: number, out: Uint8Array): boolean {
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(bytes[start + 2 * i])
    const low = hexValue(bytes[start + 2 * i + 1])
    if ((high | low) < 0) return false
    out[i] = (high << 4) | low
  }
  return true
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const NO_PASSWORD = /^(|\*.*|!.*)$/
const PWDUMP = /^([^:]*):[0-9]+:[^:]*:([0-9A-Fa-f]{32}):/

// A line's user (or null) and target; null for a shadow line whose account has no password.
function parseLine (line: string, algorithm: Algorithm, options: HashListOptions): { user: string | null, target: Uint8Array } | null {
  const parsed = parseFields(line, algorithm, options)
  if (parsed?.user && parsed.user.length > MAX_USER_NAME_LENGTH) throw new Error(`a user name of ${parsed.user.length} characters; at most ${MAX_USER_NAME_LENGTH} are taken`)
  return parsed
}

function parseFields (line: string, algorithm: Algorithm, options: HashListOptions): { user: string | null, target: Uint8Array } | null {
  const shadow = infoOf(algorithm).shadow === true
  const colon = line.indexOf(':')
  if (shadow && colon >= 0) {
    // Shadow: user, hash, then the password-aging fields, which a crypt hash never contains.
    const [user, hash] = line.split(':')
    if (NO_PASSWORD.test(hash)) return null
    try {
      return { user, target: parseTarget(algorithm, hash, options) }
    } catch (error) {
      throw new Error(`read as a shadow line (user:hash:...), its hash field: ${(error as Error).message}`)
    }
  }
  // pwdump and secretsdump: user:rid:LM:NT:::, whose NT hash is -m 1000's, as hashcat reads it.
  const pwdump = algorithm === 'ntlm' ? PWDUMP.exec(line) : null
  if (pwdump) return { user: options.username ? pwdump[1] : null, target: parseTarget(algorithm, pwdump[2], options) }
  if (options.username) {
    if (colon < 0) throw new Error('with --username a line is user:hash, and this one has no colon')
    return { user: line.slice(0, colon), target: parseTarget(algorithm, line.slice(colon + 1), options) }
  }
  return { user: null, target: parseTarget(algorithm, line, options) }
}
