// The worker's file cache: content-addressed files under a size limit, downloads resumed after a
// restart and kept only when their digest is the one named, least recently used evicted first, and
// lines sliced out for hashcat's -a 7.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileCacheError } from '../shared/errors.ts'
import { FileCache } from '../worker/files/cache.ts'
import { tempDir } from './helpers.ts'

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')
const words = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `word${from + i}`)

describe('FileCache', () => {
  it('keeps its directory private and names files by their SHA-256 alone', () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'))
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700)
    expect(() => cache.path('../../etc/passwd')).toThrow(FileCacheError)
    expect(() => cache.path('A'.repeat(64))).toThrow(/is not a SHA-256 in hex/)
  })

  it('takes a download in pieces, resumes it after a restart at its last whole line, and keeps it once its digest checks', async () => {
    const dir = join(tempDir('taskorch-cache-'), 'cache')
    const text = words(0, 3000).join('\n') + '\n'
    const id = sha(text)
    const bytes = Buffer.byteLength(text)
    let cache = new FileCache(dir)
    expect(await cache.resume(id, bytes, 3000)).toEqual({ lines: 0, bytes: 0 })
    await cache.appendLines(id, Buffer.from(words(0, 1000).join('\n')))
    // A restart in the middle of a write: a torn last line is cut off, the whole ones kept.
    writeFileSync(join(dir, `${id}.part`), 'word1000\nwor', { flag: 'a' })
    cache = new FileCache(dir)
    expect(cache.has(id)).toBe(false)
    const resumed = await cache.resume(id, bytes, 3000)
    expect(resumed.lines).toBe(1001)
    await cache.appendLines(id, Buffer.from(words(1001, 3000).join('\n')))
    await cache.finish(id, bytes)
    expect(cache.has(id)).toBe(true)
    expect(readFileSync(cache.path(id), 'utf8')).toBe(text)
    expect(cache.held()).toEqual([id])
  })

  it('starts again a part with more lines than the file has (left by a hostile or broken server)', async () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'))
    const id = sha('one\ntwo\n')
    writeFileSync(cache.path(id) + '.part', '\n\n\n\n')
    expect(await cache.resume(id, 8, 2)).toEqual({ lines: 0, bytes: 0 })
    expect(readFileSync(cache.path(id) + '.part').length).toBe(0)
  })

  it('writes a rule file asked for twice at once once', async () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'))
    const rule = Buffer.from(':\nu\n')
    await Promise.all([cache.put(sha(rule), rule), cache.put(sha(rule), rule)])
    expect(readFileSync(cache.path(sha(rule)))).toEqual(rule)
  })

  it('discards a download whose bytes are not the ones named', async () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'))
    const id = sha('one\ntwo\n')
    await cache.resume(id, 8, 2)
    await cache.appendLines(id, Buffer.from('one\ntwX'))
    await expect(cache.finish(id, 8)).rejects.toThrow(/has SHA-256 .*: discarded/)
    expect(cache.has(id)).toBe(false)
    expect(existsSync(cache.path(id) + '.part')).toBe(false)
    await expect(cache.put(id, Buffer.from('one\ntwX\n'))).rejects.toBeInstanceOf(FileCacheError)
  })

  it('evicts the least recently used files for room, never those in use, and says when a file cannot fit', async () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'), 100)
    const files = ['a', 'b', 'c'].map((c) => Buffer.from(c.repeat(39) + '\n'))
    for (const [i, file] of files.entries()) {
      await cache.put(sha(file), file)
      // Distinct times, oldest first, whatever the file system's clock resolution.
      utimesSync(cache.path(sha(file)), new Date(1000 * (i + 1)), new Date(1000 * (i + 1)))
    }
    // Three of 40 bytes do not fit in 100: the oldest went when the third came.
    expect(cache.held().sort()).toEqual([sha(files[1]), sha(files[2])].sort())
    cache.has(sha(files[1])) // used now: c is the least recently used
    const [d, e] = ['d', 'e'].map((c) => Buffer.from(c.repeat(39) + '\n'))
    await cache.put(sha(d), d)
    expect(cache.held().sort()).toEqual([sha(files[1]), sha(d)].sort())
    cache.use([sha(files[1]), sha(d)]) // the jobs in hand need both
    await expect(cache.put(sha(e), e)).rejects.toThrow(/no room for 40 bytes in the cache \(80 of 100 used by files in use\)/)
    cache.use([sha(d)])
    await cache.put(sha(e), e)
    expect(cache.held().sort()).toEqual([sha(d), sha(e)].sort())
    await expect(cache.resume(sha('x'), 101, 1)).rejects.toThrow(/larger than this worker's cache \(--cache-size 100\)/)
  })

  it('slices any run of lines out of a cached file, to a file or to memory, across its index strides', async () => {
    const cache = new FileCache(join(tempDir('taskorch-cache-'), 'cache'))
    const all = words(0, 5000)
    const text = Buffer.from(all.join('\n') + '\n')
    await cache.put(sha(text), text)
    const out = join(cache.dir, 'slice.txt')
    for (const [first, count] of [[0, 1], [0, 5000], [1023, 2], [1024, 1024], [4999, 1], [2500, 2500], [17, 3000]]) {
      await cache.slice(sha(text), first, count, out)
      expect(readFileSync(out, 'utf8'), `${first}+${count}`).toBe(all.slice(first, first + count).join('\n') + '\n')
      expect(Buffer.from(await cache.readLines(sha(text), first, count)).toString(), `${first}+${count}`).toBe(all.slice(first, first + count).join('\n'))
    }
    await expect(cache.slice(sha(text), 4999, 2, out)).rejects.toThrow(/has no line 5001/)
  })
})
