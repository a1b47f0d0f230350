// A wordlist on the server's disk, never held in memory: one streaming pass counts its words (lines,
// `\n` or `\r\n`, empty ones skipped) and remembers the byte offset of every WORDLIST_INDEX_STRIDE-th
// word; a chunk is then read by seeking to the nearest remembered offset.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidInputError } from '../../shared/errors.ts'
import { decodeHexForm, isHexForm } from '../../shared/hex-form.ts'
import { MAX_CANDIDATE_BYTES, type WordlistSpec, type WordsFile } from '../../shared/keyspace/spec.ts'

// The server remembers the file offset of every this-many words: a billion-word list costs 8 MB.
export const WORDLIST_INDEX_STRIDE = 1024

const NEWLINE = 0x0a
const NEWLINE_BYTES = Uint8Array.of(NEWLINE)
const BOM_BYTES = 3
const CR = 0x0d

// A file's size (decimal) and SHA-256 (hex).
export type WordlistSource = { bytes: string, sha256: string }

export class Wordlist {
  readonly path: string
  readonly words: number
  readonly tooLong: number // lines longer than MAX_CANDIDATE_BYTES, skipped (and counted, so it can be said)
  readonly bom: boolean // it began with a UTF-8 byte order mark, which was skipped
  // What the file was when indexed: a restored session checks it is searching the same words.
  readonly source: WordlistSource
  // The words as a file of their own, each followed by a newline (a worker's cache holds it for
  // hashcat): its digest, size and whether every byte is ASCII.
  readonly file: WordsFile
  // Byte offset of word k * STRIDE for each k, then the file's size: the end of the last word.
  readonly #boundaries: number[]

  private constructor (path: string, words: number, tooLong: number, bom: boolean, boundaries: number[], source: WordlistSource, file: WordsFile) {
    this.path = path
    this.file = file
    this.words = words
    this.tooLong = tooLong
    this.bom = bom
    this.source = source
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
    let carry: Buffer[] = [] // the start of a line that began in an earlier piece (up to a word's length and a CR)
    let carried = 0
    const digest = createHash('sha256')
    const wordsDigest = createHash('sha256') // of the words as a file: each word and a newline
    let wordsBytes = 0
    let ascii = true
    let crEnds = false
    let longest = 0
    let bom = false
    const decoded = new Uint8Array(MAX_CANDIDATE_BYTES)
    try {
      for await (const piece of createReadStream(absolute) as AsyncIterable<Buffer>) {
        digest.update(piece)
        let from = 0
        // A UTF-8 byte order mark is not part of the first word (hashcat skips it too).
        if (position === 0 && piece[0] === 0xef && piece[1] === 0xbb && piece[2] === 0xbf) {
          lineStart = from = BOM_BYTES
          bom = true
        }
        for (let i = piece.indexOf(NEWLINE, from); i >= 0; i = piece.indexOf(NEWLINE, i + 1)) {
          line(piece.subarray(from, i), lineStart)
          from = i + 1
          lineStart = position + from
        }
        if (carried <= MAX_CANDIDATE_BYTES + 1) carry.push(piece.subarray(from))
        carried += piece.length - from
        position += piece.length
      }
    } catch (error) {
      throw new InvalidInputError(`--wordlist ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    if (carried > 0) line(Buffer.alloc(0), lineStart)
    if (words === 0) throw new InvalidInputError(`--wordlist ${path}: no words in it (empty lines are skipped)`)
    const file = { sha256: wordsDigest.digest('hex'), bytes: wordsBytes, ascii, crEnds, longest }
    return new Wordlist(absolute, words, tooLong, bom, [...offsets, position], { bytes: String(position), sha256: digest.digest('hex') }, file)

    // A line's bytes from this piece (`tail`), after any carried from earlier pieces, starting at
    // file offset `start`.
    function line (tail: Buffer, start: number): void {
      const length = carried + tail.length
      const bytes = carried === 0 ? tail : Buffer.concat([...carry, tail])
      carry = []
      carried = 0
      const size = length > 0 && bytes[bytes.length - 1] === CR ? length - 1 : length
      if (size === 0) return
      if (size > MAX_CANDIDATE_BYTES) { tooLong++; return }
      if (words % WORDLIST_INDEX_STRIDE === 0) offsets.push(start)
      words++
      const word = bytes.subarray(0, size)
      wordsDigest.update(word)
      wordsDigest.update(NEWLINE_BYTES)
      wordsBytes += size + 1
      // Of the bytes the word stands for: $HEX[e9] is no ASCII word.
      if (ascii) for (const byte of isHexForm(word) ? decoded.subarray(0, decodeHexForm(word, 0, size, decoded)) : word) if (byte > 0x7f) ascii = false
      if (word[size - 1] === CR) crEnds = true
      if (size > longest) longest = size
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

  // Words [first, first + count) joined by newlines, exactly as the search must see them. The index
  // says which bytes hold them, so one read fetches them all.
  async read (first: bigint, count: number): Promise<Uint8Array> {
    const from = Number(first)
    const strides = this.#boundaries.length - 1
    const stride = Math.floor(from / WORDLIST_INDEX_STRIDE)
    const lastStride = Math.min(strides, Math.ceil((from + count) / WORDLIST_INDEX_STRIDE))
    const start = this.#boundaries[Math.min(stride, strides)]
    let bytes = Buffer.allocUnsafe(this.#boundaries[lastStride] - start)
    const file: FileHandle = await open(this.path, 'r')
    try {
      bytes = bytes.subarray(0, (await file.read(bytes, 0, bytes.length, start)).bytesRead) // short if the file shrank
    } finally {
      await file.close()
    }
    const out = Buffer.allocUnsafe(bytes.length)
    let length = 0
    let skip = from - stride * WORDLIST_INDEX_STRIDE
    let taken = 0
    for (let lineStart = 0; lineStart < bytes.length && taken < count;) {
      let lineEnd = bytes.indexOf(NEWLINE, lineStart)
      if (lineEnd < 0) lineEnd = bytes.length
      const wordEnd = lineEnd > lineStart && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd
      const size = wordEnd - lineStart
      if (size > 0 && size <= MAX_CANDIDATE_BYTES) {
        if (skip > 0) {
          skip--
        } else {
          if (taken > 0) out[length++] = NEWLINE
          length += bytes.copy(out, length, lineStart, wordEnd)
          taken++
        }
      }
      lineStart = lineEnd + 1
    }
    if (taken !== count) throw new InvalidInputError(`wordlist ${this.path} changed while in use: found ${taken} of ${count} words at ${first}`)
    return out.subarray(0, length)
  }
}
