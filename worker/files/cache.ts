// The worker's copies of the files hashcat reads (a job's words, its rule files), named by the SHA-256
// of their bytes, in a directory of their own (mode 0700) under a size limit: the least recently used
// go first when room is needed. A download is appended to `<sha256>.part` a piece at a time and kept
// across restarts (the next download of it resumes); it becomes `<sha256>` only once its digest and
// size are the ones the server named.
import { createHash } from 'node:crypto'
import { createReadStream, mkdirSync, chmodSync, readdirSync, statSync, statfsSync, rmSync, utimesSync, existsSync } from 'node:fs'
import { open, rename, truncate, writeFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FileCacheError } from '../../shared/errors.ts'

export const DEFAULT_CACHE_BYTES = 4 * 1024 ** 3
const SHA256_NAME = /^[0-9a-f]{64}$/
const PART = '.part'
const NEWLINE = 0x0a
const NEWLINE_BYTES = Uint8Array.of(NEWLINE)
// The offset of every this-many lines of a cached words file is remembered once it is first sliced.
const LINE_INDEX_STRIDE = 1024
const READ_BYTES = 1024 * 1024

export class FileCache {
  readonly dir: string
  readonly limit: number
  readonly #inUse = new Set<string>() // never evicted: files of the jobs in hand, downloads under way
  readonly #lineIndex = new Map<string, number[]>() // by file: offsets of lines 0, STRIDE, 2 STRIDE... and the size
  readonly #puts = new Map<string, Promise<void>>() // writes under way, by file

  constructor (dir: string, limit = DEFAULT_CACHE_BYTES) {
    this.dir = dir
    this.limit = limit
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
  }

  // The complete files held, for HELLO.
  held (): string[] {
    return readdirSync(this.dir).filter((name) => SHA256_NAME.test(name))
  }

  // Whether the file is here; using it makes it the most recently used.
  has (sha256: string): boolean {
    const path = this.path(sha256)
    if (!existsSync(path)) return false
    const now = new Date()
    utimesSync(path, now, now)
    return true
  }

  path (sha256: string): string {
    if (!SHA256_NAME.test(sha256)) throw new FileCacheError(`"${sha256.slice(0, 80)}" is not a SHA-256 in hex`)
    return join(this.dir, sha256)
  }

  // Files of the jobs in hand (words and rule files) are not evicted to make room for others.
  use (sha256s: Iterable<string>): void {
    this.#inUse.clear()
    for (const sha of sha256s) this.#inUse.add(sha)
  }

  // Starts or resumes a download of a words file of `bytes` bytes and `lines` lines: makes room for
  // it, and returns how many whole lines the part already holds (a torn last line is cut off; a part
  // with more lines than the file is thrown away).
  async resume (sha256: string, bytes: number, lines: number): Promise<{ lines: number, bytes: number }> {
    const part = this.path(sha256) + PART
    this.#inUse.add(sha256)
    const have = existsSync(part) ? statSync(part).size : 0
    const kept = have > 0 && have <= bytes ? await countLines(part) : null
    // Nothing yet, or a part that is not this file's (larger, or with more lines): it starts afresh.
    if (!kept || kept.lines > lines) {
      this.#makeRoom(bytes, sha256)
      await writeFile(part, new Uint8Array(0), { mode: 0o600 })
      return { lines: 0, bytes: 0 }
    }
    this.#makeRoom(bytes - have, sha256)
    if (kept.end < have) await truncate(part, kept.end)
    return { lines: kept.lines, bytes: kept.end }
  }

  // Words joined by newlines, appended with a newline after the last.
  async appendLines (sha256: string, words: Uint8Array): Promise<void> {
    const file = await open(this.path(sha256) + PART, 'a', 0o600)
    try {
      await file.writev([words, NEWLINE_BYTES])
    } finally {
      await file.close()
    }
  }

  // The download is complete: kept if its size and digest are the server's, else thrown away.
  async finish (sha256: string, bytes: number): Promise<void> {
    const part = this.path(sha256) + PART
    const size = (await stat(part)).size
    const digest = size === bytes ? await fileDigest(part) : null
    if (digest !== sha256) {
      rmSync(part, { force: true })
      throw new FileCacheError(`the download of ${sha256.slice(0, 12)}... has ${size === bytes ? `SHA-256 ${digest!.slice(0, 12)}...` : `${size} bytes, not ${bytes}`}: discarded`)
    }
    await rename(part, this.path(sha256))
  }

  // A small file in one piece (a rule file), checked against its digest; one write of it at a time.
  put (sha256: string, data: Uint8Array): Promise<void> {
    const pending = this.#puts.get(sha256)
    if (pending) return pending
    const put = this.#put(sha256, data).finally(() => this.#puts.delete(sha256))
    this.#puts.set(sha256, put)
    return put
  }

  async #put (sha256: string, data: Uint8Array): Promise<void> {
    if (this.has(sha256)) return
    const digest = createHash('sha256').update(data).digest('hex')
    if (digest !== sha256) throw new FileCacheError(`a file said to have SHA-256 ${sha256.slice(0, 12)}... has ${digest.slice(0, 12)}...`)
    this.#makeRoom(data.length, sha256)
    const part = this.path(sha256) + PART
    await writeFile(part, data, { mode: 0o600 })
    await rename(part, this.path(sha256))
  }

  // Lines [first, first + count) of a cached words file, written to `out` (hashcat's -a 7 takes its
  // words from a file of their own: its base there is the mask).
  async slice (sha256: string, first: number, count: number, out: string): Promise<void> {
    const { path, start, end } = await this.#lines(sha256, first, count)
    const source = await open(path, 'r')
    const target = await open(out, 'w', 0o600)
    try {
      const buffer = Buffer.allocUnsafe(READ_BYTES)
      for (let at = start; at < end;) {
        const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, end - at), at)
        if (bytesRead === 0) throw new FileCacheError(`${path} ended at ${at} bytes, before line ${first + count}`)
        await target.write(buffer.subarray(0, bytesRead))
        at += bytesRead
      }
    } finally {
      await source.close()
      await target.close()
    }
  }

  // The same lines in memory, joined by newlines, as a task carries words.
  async readLines (sha256: string, first: number, count: number): Promise<Uint8Array> {
    const { path, start, end } = await this.#lines(sha256, first, count)
    const bytes = Buffer.allocUnsafe(end - start)
    const file = await open(path, 'r')
    try {
      const { bytesRead } = await file.read(bytes, 0, bytes.length, start)
      if (bytesRead !== bytes.length) throw new FileCacheError(`${path} ended before line ${first + count}`)
    } finally {
      await file.close()
    }
    return bytes.subarray(0, Math.max(0, bytes.length - 1))
  }

  // Where lines [first, first + count) of a cached file lie.
  async #lines (sha256: string, first: number, count: number): Promise<{ path: string, start: number, end: number }> {
    const path = this.path(sha256)
    const index = this.#lineIndex.get(sha256) ?? await lineIndex(path)
    this.#lineIndex.set(sha256, index)
    return { path, start: await lineOffset(path, index, first), end: await lineOffset(path, index, first + count) }
  }

  // Evicts the least recently used files (and parts of downloads not under way) until `bytes` more
  // fit under the limit, and checks the disk has them.
  #makeRoom (bytes: number, keep: string): void {
    if (bytes > this.limit) throw new FileCacheError(`a file of ${bytes} bytes is larger than this worker's cache (--cache-size ${this.limit})`)
    const entries = readdirSync(this.dir).flatMap((name) => {
      const sha = name.endsWith(PART) ? name.slice(0, -PART.length) : name
      if (!SHA256_NAME.test(sha)) return []
      const info = statSync(join(this.dir, name))
      return [{ name, sha, size: info.size, used: info.mtimeMs }]
    }).sort((a, b) => a.used - b.used)
    let used = entries.reduce((n, e) => n + e.size, 0)
    for (const entry of entries) {
      if (used + bytes <= this.limit) break
      if (entry.sha === keep || this.#inUse.has(entry.sha)) continue
      rmSync(join(this.dir, entry.name), { force: true })
      this.#lineIndex.delete(entry.sha)
      used -= entry.size
    }
    if (used + bytes > this.limit) throw new FileCacheError(`no room for ${bytes} bytes in the cache (${used} of ${this.limit} used by files in use)`)
    const disk = statfsSync(this.dir)
    const free = disk.bavail * disk.bsize
    if (free < bytes) throw new FileCacheError(`no room for ${bytes} bytes on the disk of ${this.dir} (${free} free)`)
  }
}

async function fileDigest (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path) as AsyncIterable<Buffer>) hash.update(piece)
  return hash.digest('hex')
}

// Whole lines in a file, and where the last of them ends.
async function countLines (path: string): Promise<{ lines: number, end: number }> {
  let lines = 0
  let end = 0
  let position = 0
  for await (const piece of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = piece.indexOf(NEWLINE); i >= 0; i = piece.indexOf(NEWLINE, i + 1)) {
      lines++
      end = position + i + 1
    }
    position += piece.length
  }
  return { lines, end }
}

async function lineIndex (path: string): Promise<number[]> {
  const offsets = [0]
  let lines = 0
  let position = 0
  for await (const piece of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = piece.indexOf(NEWLINE); i >= 0; i = piece.indexOf(NEWLINE, i + 1)) {
      if (++lines % LINE_INDEX_STRIDE === 0) offsets.push(position + i + 1)
    }
    position += piece.length
  }
  offsets.push(position)
  return offsets
}

// The byte offset of line `line` (the file's size for the line after its last).
async function lineOffset (path: string, index: number[], line: number): Promise<number> {
  const stride = Math.floor(line / LINE_INDEX_STRIDE)
  if (stride >= index.length - 1) throw new FileCacheError(`${path} has no line ${line}`)
  let at = index[stride]
  let skip = line - stride * LINE_INDEX_STRIDE
  if (skip === 0) return at
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, at)
      if (bytesRead === 0) throw new FileCacheError(`${path} has no line ${line}`)
      for (let i = buffer.indexOf(NEWLINE); i >= 0 && i < bytesRead; i = buffer.indexOf(NEWLINE, i + 1)) {
        if (--skip === 0) return at + i + 1
      }
      at += bytesRead
    }
  } finally {
    await file.close()
  }
}
