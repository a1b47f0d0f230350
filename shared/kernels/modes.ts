// How each algorithm turns a plaintext into what its hash function reads, and how a search groups a
// job's targets by salt. NTLM hashes the plaintext's UTF-16LE form, as Windows and hashcat -m 1000
// do: UTF-8 decoded, characters beyond the BMP as surrogate pairs; a plaintext that is not valid
// UTF-8 has each byte widened (hashcat's -O kernels widen every plaintext that way; its default
// kernels treat such input their own way). Salted modes hash the plaintext and the salt in the
// algorithm's order; crypt schemes run their own rounds (crypt.ts).
import { ALGORITHM_INFO, targetParts, toHex, type Algorithm, type HashFunction } from '../algorithms.ts'
import type { Segment } from '../keyspace/keyspace.ts'
import { Crypt } from './crypt.ts'
import { hashBytes } from './scalar.ts'
import { MAX_COMPARED_TARGETS, firstKey, digestKey, targetSet, targetSetOfKeys, type PackedTargets, type TargetSet } from './targets.ts'

const ZERO = Uint8Array.of(0)
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function hashOf (algorithm: Algorithm): HashFunction {
  return ALGORITHM_INFO[algorithm].hash
}

export function isCrypt (algorithm: Algorithm): boolean {
  return ALGORITHM_INFO[algorithm].kind === 'crypt'
}

// Whether the message is the plaintext itself.
export function isPlain (algorithm: Algorithm): boolean {
  return ALGORITHM_INFO[algorithm].kind === 'plain' && algorithm !== 'ntlm'
}

// The targets that share a salt (and for sha512crypt, rounds): one search pass covers them all.
// `set` holds their key words; `find` gives the whole target whose digest this is, if any.
export type SaltGroup = { salt: Uint8Array, rounds: number, set: TargetSet, find: (digest: Uint8Array) => Uint8Array | undefined }

// Prepared once per target list: a worker thread passes the same packing for every piece of a job.
const prepared = new WeakMap<object, { algorithm: Algorithm, groups: SaltGroup[] }>()

export function saltGroups (algorithm: Algorithm, targets: readonly Uint8Array[] | PackedTargets): SaltGroup[] {
  const known = prepared.get(targets)
  if (known?.algorithm === algorithm) return known.groups
  const packed = 'ends' in targets
  // Unsalted: one group, the targets their own digests, indexed without an object per target.
  const groups = ALGORITHM_INFO[algorithm].kind === 'plain'
    ? [plainGroup(hashOf(algorithm), packed ? targets : packTargets(targets))]
    : groupBySalt(algorithm, packed ? unpackTargets(targets) : targets)
  prepared.set(targets, { algorithm, groups })
  return groups
}

export function packTargets (targets: readonly Uint8Array[], shared = false): PackedTargets {
  const ends = new Uint32Array(shared ? new SharedArrayBuffer(4 * targets.length) : new ArrayBuffer(4 * targets.length))
  let total = 0
  for (const [i, t] of targets.entries()) ends[i] = total += t.length
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total))
  for (const [i, t] of targets.entries()) bytes.set(t, i === 0 ? 0 : ends[i - 1])
  return { id: nextPacking(), bytes, ends }
}

// Packings are told apart by id within a process.
let packings = 0
export const nextPacking = () => ++packings

export function unpackTargets (packed: PackedTargets): Uint8Array[] {
  return Array.from(packed.ends, (end, i) => packed.bytes.subarray(i === 0 ? 0 : packed.ends[i - 1], end))
}

// Targets that are bare digests: their key words, and target numbers sorted by key word, so a digest
// is found by a binary search and a byte compare. Twelve bytes a target beside the packed digests.
function plainGroup (hash: HashFunction, packed: PackedTargets): SaltGroup {
  const { bytes, ends } = packed
  const start = (i: number) => (i === 0 ? 0 : ends[i - 1])
  const keyWords = Int32Array.from({ length: ends.length }, (_, i) => digestKey(hash, bytes, start(i)))
  const set = targetSetOfKeys(hash, keyWords, ends.length <= MAX_COMPARED_TARGETS ? unpackTargets(packed) : null)
  const order = Int32Array.from({ length: ends.length }, (_, i) => i).sort((a, b) => keyWords[a] - keyWords[b])
  const sorted = set.keys
  const find = (digest: Uint8Array): Uint8Array | undefined => {
    const key = digestKey(hash, digest, 0)
    for (let j = firstKey(sorted, key); j < sorted.length && sorted[j] === key; j++) {
      const i = order[j]
      const from = start(i)
      if (ends[i] - from !== digest.length) continue
      let same = true
      for (let k = 0; k < digest.length && same; k++) same = bytes[from + k] === digest[k]
      if (same) return bytes.subarray(from, ends[i])
    }
    return undefined
  }
  return { salt: ZERO.subarray(0, 0), rounds: 0, set, find }
}

function groupBySalt (algorithm: Algorithm, targets: readonly Uint8Array[]): SaltGroup[] {
  const hash = hashOf(algorithm)
  const groups = new Map<string, { salt: Uint8Array, rounds: number, targets: Map<string, Uint8Array> }>()
  for (const target of targets) {
    const { digest, salt, rounds } = targetParts(algorithm, target)
    const key = `${rounds}:${toHex(salt)}`
    let group = groups.get(key)
    if (!group) groups.set(key, group = { salt, rounds, targets: new Map() })
    group.targets.set(toHex(digest), target)
  }
  return [...groups.values()].map(({ salt, rounds, targets: byDigest }) => ({
    salt,
    rounds,
    set: targetSet(hash, [...byDigest.values()].map((t) => targetParts(algorithm, t).digest)),
    find: (digest: Uint8Array) => byDigest.get(toHex(digest))
  }))
}

// Writes the message of plaintext source[from, to) and `salt` into out (room for twice the plaintext
// and the salt); returns its length.
export function writeMessage (algorithm: Algorithm, source: Uint8Array, from: number, to: number, out: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0)): number {
  let n = 0
  if (algorithm === 'ntlm') return writeUtf16(source, from, to, out)
  const saltFirst = ALGORITHM_INFO[algorithm].saltFirst === true
  if (saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  for (let i = from; i < to; i++) out[n++] = source[i]
  if (!saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  return n
}

function writeUtf16 (source: Uint8Array, from: number, to: number, out: Uint8Array): number {
  let n = 0
  let ascii = true
  for (let i = from; i < to && ascii; i++) ascii = source[i] < 0x80
  let text: string | null = null
  if (!ascii) {
    try {
      text = utf8.decode(source.subarray(from, to))
    } catch {} // not UTF-8: widened byte by byte
  }
  if (text === null) {
    for (let i = from; i < to; i++) { out[n++] = source[i]; out[n++] = 0 }
  } else {
    for (let i = 0; i < text.length; i++) { const unit = text.charCodeAt(i); out[n++] = unit & 0xff; out[n++] = unit >>> 8 }
  }
  return n
}

let crypt: Crypt | null = null

// The digest `plaintext` makes with a group's salt (and rounds).
export function digestOf (algorithm: Algorithm, plaintext: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0), rounds = 0): Uint8Array {
  if (algorithm === 'md5crypt') return (crypt ??= new Crypt()).md5crypt(plaintext, salt)
  if (algorithm === 'sha512crypt') return (crypt ??= new Crypt()).sha512crypt(plaintext, salt, rounds)
  const out = new Uint8Array(plaintext.length * 2 + salt.length)
  return hashBytes(hashOf(algorithm), out.subarray(0, writeMessage(algorithm, plaintext, 0, plaintext.length, out, salt)))
}

// Whether `plaintext` is a preimage of `target` (a whole target: digest and salt).
export function matches (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array): boolean {
  const { digest, salt, rounds } = targetParts(algorithm, target)
  const made = digestOf(algorithm, plaintext, salt, rounds)
  return made.length === digest.length && made.every((b, i) => b === digest[i])
}

// A segment of plaintexts as a segment of messages, with its odometer digits: NTLM's zero bytes and a
// salt's bytes are positions with a single-byte charset, which never move, so counts and offsets are
// unchanged. Null when messages are not a segment: NTLM over bytes beyond ASCII (whose UTF-16 form
// varies in length), and crypt schemes.
export function messageSegment (algorithm: Algorithm, segment: Segment, digits: Int32Array, salt: Uint8Array): { segment: Segment, digits: Int32Array } | null {
  const info = ALGORITHM_INFO[algorithm]
  if (info.kind === 'crypt') return null
  if (algorithm === 'ntlm') {
    if (segment.charsets.some((c) => c.some((b) => b >= 0x80))) return null
    const wide = new Int32Array(2 * digits.length)
    for (let i = 0; i < digits.length; i++) wide[2 * i] = digits[i]
    return { segment: { ...segment, charsets: segment.charsets.flatMap((c) => [c, ZERO]) }, digits: wide }
  }
  if (salt.length === 0) return { segment, digits }
  const literals = Array.from(salt, (b) => Uint8Array.of(b))
  const charsets = info.saltFirst ? [...literals, ...segment.charsets] : [...segment.charsets, ...literals]
  const all = new Int32Array(charsets.length)
  all.set(digits, info.saltFirst ? salt.length : 0)
  return { segment: { ...segment, charsets }, digits: all }
}
