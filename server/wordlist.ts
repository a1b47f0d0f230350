// A wordlist on the server's disk, never held in memory: one streaming pass counts its words (lines,
// `\n` or `\r\n`, empty ones skipped) and remembers the byte offset of every WORDLIST_INDEX_STRIDE-th
// word; a chunk is then read by seeking to the nearest remembered offset.
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidInputError } from '../shared/errors.ts'
import { MAX_CANDIDATE_BYTES, WORDLIST_INDEX_STRIDE } from '../shared/limits.ts'
import type { WordlistSpec } from '../shared/messages.ts'

const NEWLINE = 0x0a
const CR = 0x0d

export class Wordlist {
  readonly path: string
  readonly words: number
  readonly tooLong: number // lines longer than MAX_CANDIDATE_BYTES, skipped (and counted, so it can be said)
  // Byte offset of word k * STRIDE for each k, then the file's size: the end of the last word.
  readonly #boundaries: number[]

  private constructor (path: string, words: number, tooLong: number, boundaries: number[]) {
    this.path = path
    this.words = words
    this.tooLong = tooLong
    this.#boundaries = boundaries
  }

  get spec (): WordlistSpec {
    return { type: 'wordlist', name: this.path, size: String(this.words) }
  }

  static async open (path: string): Promise<Wordlist> {
    const absolute = resolve(path)
    const offsets: number[] = []
    let words = 0
    let tooLong = 0
    let position = 0 // of the next byte to scan
    let lineStart = 0
    let lastByte = -1
    try {
      for await (const piece of createReadStream(absolute) as AsyncIterable<Buffer>) {
        for (let i = piece.indexOf(NEWLINE); ; i = piece.indexOf(NEWLINE, i + 1)) {
          const end = i < 0 ? -1 : position + i
          if (end < 0) break
          count(lineStart, end, piece[i - 1] === CR || (i === 0 && lastByte === CR))
          lineStart = end + 1
        }
        lastByte = piece[piece.length - 1]
        position += piece.length
      }
    } catch (error) {
      throw new InvalidInputError(`--wordlist ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    if (lineStart < position) count(lineStart, position, lastByte === CR)
    if (words === 0) throw new InvalidInputError(`--wordlist ${path}: no words in it (empty lines are skipped)`)
    return new Wordlist(absolute, words, tooLong, [...offsets, position])

    // A line [start, end) with `cr` when it ends in \r.
    function count (start: number, end: number, cr: boolean): void {
      const length = end - start - (cr ? 1 : 0)
      if (length === 0) return
      if (length > MAX_CANDIDATE_BYTES) { tooLong++; return }
      if (words % WORDLIST_INDEX_STRIDE === 0) offsets.push(start)
      words++
    }
  }

  // How many words from `first` fit in `maxBytes`, judged at index points so no file read is needed:
  // the rest of the current stride at least (under 1024 * 257 bytes), then whole strides.
  wordsWithin (first: bigint, maxBytes: number): number {
    const from = Number(first)
    const strides = this.#boundaries.length - 1
    const base = this.#boundaries[Math.floor(from / WORDLIST_INDEX_STRIDE)]
    let k = Math.floor(from / WORDLIST_INDEX_STRIDE) + 1
    while (k < strides && this.#boundaries[k + 1] - base <= maxBytes) k++
    const end = k < strides ? k * WORDLIST_INDEX_STRIDE : this.words
    return Math.max(1, end - from)
  }

  // Words [first, first + count) joined by newlines, exactly as the search must see them.
  async read (first: bigint, count: number): Promise<Uint8Array> {
    const from = Number(first)
    const stride = Math.floor(from / WORDLIST_INDEX_STRIDE)
    let skip = from - stride * WORDLIST_INDEX_STRIDE
    const out: Buffer[] = []
    let taken = 0
    const file: FileHandle = await open(this.path, 'r')
    try {
      let position = this.#boundaries[stride]
      let carry = Buffer.alloc(0)
      const buffer = Buffer.alloc(1 << 16)
      while (taken < count) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position)
        position += bytesRead
        const data = Buffer.concat([carry, buffer.subarray(0, bytesRead)])
        let start = 0
        for (let i = data.indexOf(NEWLINE); i >= 0 && taken < count; i = data.indexOf(NEWLINE, start)) {
          const word = data.subarray(start, data[i - 1] === CR && i > start ? i - 1 : i)
          start = i + 1
          if (word.length === 0 || word.length > MAX_CANDIDATE_BYTES) continue
          if (skip > 0) { skip--; continue }
          out.push(Buffer.from(word))
          taken++
        }
        carry = Buffer.from(data.subarray(start))
        if (bytesRead === 0) { // the last line has no newline
          const word = carry.at(-1) === CR ? carry.subarray(0, -1) : carry
          if (taken < count && word.length > 0 && word.length <= MAX_CANDIDATE_BYTES && skip === 0) { out.push(word); taken++ }
          break
        }
      }
    } finally {
      await file.close()
    }
    if (taken !== count) throw new InvalidInputError(`wordlist ${this.path} changed while in use: found ${taken} of ${count} words at ${first}`)
    return Uint8Array.from(Buffer.concat(out.flatMap((w, i) => (i === 0 ? [w] : [Buffer.of(NEWLINE), w]))))
  }
}
