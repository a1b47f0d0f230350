// A job's targets, packed: every target's bytes in one buffer, found by an open-addressing index.
// Ten million MD5 targets take 16 bytes each, 4 for where each ends and about 7 for the index,
// where a string and a set entry each took over 200; a target's text (formatTarget, hashcat's format) is made when asked for.
import { formatTarget, isTarget, parseTarget, toHex, type Algorithm } from '../shared/algorithms.ts'
import { InvalidInputError } from '../shared/errors.ts'

// The index is kept at most this full, so a look-up probes a slot or two.
const MAX_LOAD = 0.6
const EMPTY = -1

export class TargetList {
  readonly algorithm: Algorithm
  readonly #bytes: Uint8Array
  readonly #ends: Uint32Array // where each target ends in #bytes
  readonly #index: Int32Array
  readonly size: number

  constructor (algorithm: Algorithm, bytes: Uint8Array, ends: Uint32Array, index: Int32Array, size: number) {
    this.algorithm = algorithm
    this.#bytes = bytes
    this.#ends = ends
    this.#index = index
    this.size = size
  }

  // Targets given as bytes, each checked; the same target twice is kept once.
  static from (algorithm: Algorithm, targets: Iterable<Uint8Array>): TargetList {
    const builder = new TargetListBuilder(algorithm)
    for (const target of targets) {
      if (!isTarget(algorithm, target)) throw new InvalidInputError(`target ${toHex(target)} is not a ${algorithm} target`)
      builder.add(target)
    }
    return builder.build()
  }

  // The i-th target's bytes (a view into the list).
  at (i: number): Uint8Array {
    return this.#bytes.subarray(i === 0 ? 0 : this.#ends[i - 1], this.#ends[i])
  }

  text (i: number): string {
    return formatTarget(this.algorithm, this.at(i))
  }

  * texts (): IterableIterator<string> {
    for (let i = 0; i < this.size; i++) yield this.text(i)
  }

  indexOf (target: Uint8Array): number {
    return find(this.#bytes, this.#ends, this.#index, target)
  }

  // By its text in hashcat's format; -1 for a text that is not one of them (or no target at all).
  indexOfText (text: string): number {
    let target: Uint8Array
    try {
      target = parseTarget(this.algorithm, text)
    } catch {
      return -1
    }
    return this.indexOf(target)
  }

  hasText (text: string): boolean {
    return this.indexOfText(text) >= 0
  }
}

// Collects targets, unchecked (the caller checks them), dropping repeats. `expected`: how many may
// come, so the buffers are sized once (a hash list's size says it); they grow if more come.
export class TargetListBuilder {
  readonly #algorithm: Algorithm
  #bytes: Uint8Array
  #ends: Uint32Array
  #index: Int32Array
  #size = 0

  constructor (algorithm: Algorithm, expected = 16, bytesEach = 16) {
    this.#algorithm = algorithm
    this.#bytes = new Uint8Array(Math.max(16, expected * bytesEach))
    this.#ends = new Uint32Array(Math.max(16, expected))
    this.#index = newIndex(Math.max(16, expected))
  }

  get size (): number { return this.#size }

  // False when the target is there already.
  add (target: Uint8Array): boolean {
    if (find(this.#bytes, this.#ends, this.#index, target) >= 0) return false
    const start = this.#size === 0 ? 0 : this.#ends[this.#size - 1]
    if (start + target.length > this.#bytes.length) this.#bytes = grown(this.#bytes, start + target.length)
    if (this.#size === this.#ends.length) this.#ends = grown(this.#ends, this.#size + 1)
    this.#bytes.set(target, start)
    this.#ends[this.#size] = start + target.length
    this.#size++
    if (this.#size > this.#index.length * MAX_LOAD) this.#reindex()
    else place(this.#index, hashOf(this.#bytes, start, start + target.length), this.#size - 1)
    return true
  }

  build (): TargetList {
    const used = this.#size === 0 ? 0 : this.#ends[this.#size - 1]
    return new TargetList(this.#algorithm, this.#bytes.subarray(0, used), this.#ends.subarray(0, this.#size), this.#index, this.#size)
  }

  #reindex (): void {
    this.#index = newIndex(this.#size)
    for (let i = 0; i < this.#size; i++) {
      const start = i === 0 ? 0 : this.#ends[i - 1]
      place(this.#index, hashOf(this.#bytes, start, this.#ends[i]), i)
    }
  }
}

// The targets not found yet: the list less a bit for each one found.
export class Remaining {
  readonly #targets: TargetList
  readonly #found: Uint8Array
  #left: number

  constructor (targets: TargetList) {
    this.#targets = targets
    this.#found = new Uint8Array(Math.ceil(targets.size / 8))
    this.#left = targets.size
  }

  get size (): number { return this.#left }

  has (text: string): boolean {
    const i = this.#targets.indexOfText(text)
    return i >= 0 && !this.#isFound(i)
  }

  // Whether the list's i-th target is still to be found.
  hasIndex (i: number): boolean {
    return i >= 0 && i < this.#targets.size && !this.#isFound(i)
  }

  // Marks a target found; false if it is not one, or was found before.
  delete (text: string): boolean {
    const i = this.#targets.indexOfText(text)
    if (i < 0 || this.#isFound(i)) return false
    this.#found[i >>> 3] |= 1 << (i & 7)
    this.#left--
    return true
  }

  // The bytes of each target not found yet, in the list's order.
  * bytes (): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.#targets.size; i++) if (!this.#isFound(i)) yield this.#targets.at(i)
  }

  * texts (): IterableIterator<string> {
    for (let i = 0; i < this.#targets.size; i++) if (!this.#isFound(i)) yield this.#targets.text(i)
  }

  #isFound (i: number): boolean {
    return (this.#found[i >>> 3] & (1 << (i & 7))) !== 0
  }
}

function newIndex (targets: number): Int32Array {
  let slots = 16
  while (slots * MAX_LOAD < targets) slots *= 2
  return new Int32Array(slots).fill(EMPTY)
}

function grown<T extends Uint8Array | Uint32Array> (array: T, needed: number): T {
  let length = array.length * 2
  while (length < needed) length *= 2
  const bigger = new (array.constructor as new (n: number) => T)(length)
  bigger.set(array)
  return bigger
}

// FNV-1a over the bytes: digests are random already, salted and crypt targets differ anywhere.
function hashOf (bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  return h >>> 0
}

function place (index: Int32Array, hash: number, value: number): void {
  const mask = index.length - 1
  let slot = hash & mask
  while (index[slot] !== EMPTY) slot = (slot + 1) & mask
  index[slot] = value
}

function find (bytes: Uint8Array, ends: Uint32Array, index: Int32Array, target: Uint8Array): number {
  const mask = index.length - 1
  for (let slot = hashOf(target, 0, target.length) & mask; index[slot] !== EMPTY; slot = (slot + 1) & mask) {
    const i = index[slot]
    const start = i === 0 ? 0 : ends[i - 1]
    if (ends[i] - start !== target.length) continue
    let same = true
    for (let k = 0; k < target.length && same; k++) same = bytes[start + k] === target[k]
    if (same) return i
  }
  return -1
}
