// How a search groups a job's targets by salt (one pass covers a group), packs them to share between
// threads, and turns a segment of plaintexts into one of messages.
import { ALGORITHM_INFO, infoOf, MAX_COMPARED_TARGETS, targetParts, toHex, type Algorithm, type HashFunction } from '../../shared/algorithms.ts'
import type { Segment } from '../../shared/keyspace/keyspace.ts'
import { ZERO, hashOf, isScheme } from '../../shared/hashing/modes.ts'
import { firstKey, digestKey, targetSet, targetSetOfKeys, type PackedTargets, type TargetSet } from './targets.ts'

// The targets that share a salt (and for sha256crypt and sha512crypt, rounds; a scheme's parameters): one search pass covers them all.
// `set` holds their key words; `find` gives the whole target whose digest this is, if any.
export type SaltGroup = { salt: Uint8Array, rounds: number, set: TargetSet, find: (digest: Uint8Array) => Uint8Array | undefined }

// Prepared once per target list: a worker thread passes the same packing for every piece of a job.
const prepared = new WeakMap<object, { algorithm: Algorithm, groups: SaltGroup[] }>()

export function saltGroups (algorithm: Algorithm, targets: readonly Uint8Array[] | PackedTargets): SaltGroup[] {
  const known = prepared.get(targets)
  if (known?.algorithm === algorithm) return known.groups
  const packed = 'ends' in targets
  // Unsalted: one group, the targets their own digests, indexed without an object per target.
  const groups = infoOf(algorithm).kind === 'plain'
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
  const scheme = isScheme(algorithm)
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
    // A scheme's digests are compared whole (`find`): its kernels' prefilter has nothing to hold.
    set: targetSet(hash, scheme ? [] : [...byDigest.values()].map((t) => targetParts(algorithm, t).digest)),
    find: (digest: Uint8Array) => byDigest.get(toHex(digest))
  }))
}

// A segment of plaintexts as a segment of messages, with its odometer digits: NTLM's zero bytes and a
// salt's bytes are positions with a single-byte charset, which never move, so counts and offsets are
// unchanged. Null when messages are not a segment: NTLM over bytes beyond ASCII (whose UTF-16 form
// varies in length), and schemes.
export function messageSegment (algorithm: Algorithm, segment: Segment, digits: Int32Array, salt: Uint8Array): { segment: Segment, digits: Int32Array } | null {
  const info = infoOf(algorithm)
  if (isScheme(algorithm)) return null
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
