// Wordlists: the server's streaming index (CRLF, empty and over-long lines, no final newline), reads
// at any offset, chunks bounded in bytes, and the worker's word search against node:crypto.
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fastBlocks } from '../worker/search/index.ts'
import { searchWords } from '../worker/search/words.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { encodeMessage } from '../shared/protocol/codec.ts'
import { AEAD_TAG_BYTES, MAX_FRAME_BYTES, WORDLIST_CHUNK_BYTES } from '../shared/protocol/limits.ts'
import { validateServerMessage } from '../shared/protocol/worker-protocol.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import { WORDLIST_INDEX_STRIDE, Wordlist } from '../server/inputs/wordlist.ts'
import { UNSALTED, referenceDigest, tempDir } from './helpers.ts'

function file (content: string | Buffer): string {
  const path = join(tempDir('taskorch-words-'), 'words.txt')
  writeFileSync(path, content)
  return path
}

// Deterministic words of 1..20 bytes, some with bytes above 0x7f.
function makeWords (count: number): string[] {
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
  return Array.from({ length: count }, (_, i) => Array.from({ length: 1 + (next() % 20) }, () => String.fromCharCode(0x21 + (next() % 200))).join('') + i)
}

describe('Wordlist', () => {
  it('counts words across \\n, \\r\\n, empty lines, over-long lines and a missing final newline', async () => {
    const long = 'x'.repeat(257)
    const list = await Wordlist.open(file(`one\r\ntwo\n\n\r\nthree\n${long}\nfour`))
    expect([list.words, list.tooLong]).toEqual([4, 1])
    expect(Buffer.from(await list.read(0n, 4)).toString()).toBe('one\ntwo\nthree\nfour')
    expect(Buffer.from(await list.read(2n, 2)).toString()).toBe('three\nfour')
  })

  it('names its words as a file of their own: each word and a newline, its digest, size and whether it is ASCII', async () => {
    const long = 'x'.repeat(257)
    const list = await Wordlist.open(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`one\r\ntwo\n\n\r\nthree\n${long}\nfour`)])))
    const expected = 'one\ntwo\nthree\nfour\n'
    expect(list.file).toEqual({ sha256: createHash('sha256').update(expected).digest('hex'), bytes: expected.length, ascii: true, crEnds: false, longest: 5 })
    // Words split across the stream's 64 KiB pieces, a byte above 0x7f in the last.
    const words = makeWords(30_000)
    const big = await Wordlist.open(file(Buffer.from(words.join('\r\n'), 'latin1')))
    const normal = Buffer.from(words.join('\n') + '\n', 'latin1')
    expect(big.file).toEqual({ sha256: createHash('sha256').update(normal).digest('hex'), bytes: normal.length, ascii: false, crEnds: false, longest: Math.max(...words.map((w) => Buffer.byteLength(w, 'latin1'))) })
    // A line ending \r\r\n keeps one carriage return in its word, which hashcat would strip.
    expect((await Wordlist.open(file('ab\r\r\ncd\r\n'))).file).toMatchObject({ bytes: 7, crEnds: true })
    // A $HEX[..] word is the bytes it encodes: NTLM on hashcat must not take $HEX[e9] for ASCII.
    expect((await Wordlist.open(file('ab\n$HEX[e9]\n'))).file).toMatchObject({ ascii: false })
    expect((await Wordlist.open(file('ab\n$HEX[41]\n'))).file).toMatchObject({ ascii: true })
  })

  it('sees a \\r\\n split between two reads of the file', async () => {
    // A 256-byte word (the longest allowed) whose \r is the last byte of the first 64 KiB read: taking
    // the \r for part of the word would make it 257 bytes and drop it.
    const path = file(('x'.repeat(98) + '\r\n').repeat(652) + 'x'.repeat(77) + '\r\n' + 'y'.repeat(256) + '\r\nlast')
    const list = await Wordlist.open(path)
    expect([list.words, list.tooLong]).toEqual([655, 0])
    expect(Buffer.from(await list.read(653n, 2)).toString()).toBe('y'.repeat(256) + '\nlast')
  })

  it('reads any run of words, across index strides, exactly as written', async () => {
    const words = makeWords(5 * WORDLIST_INDEX_STRIDE + 17)
    const content = Buffer.from(words.map((w, i) => w + (i % 2 ? '\r\n' : '\n') + (i % 97 === 0 ? '\n' : '')).join(''), 'latin1')
    const list = await Wordlist.open(file(content))
    expect(list.words).toBe(words.length)
    for (const [first, count] of [[0, 1], [0, words.length], [WORDLIST_INDEX_STRIDE - 1, 2], [3 * WORDLIST_INDEX_STRIDE + 5, 1500], [words.length - 1, 1]]) {
      const got = Buffer.from(await list.read(BigInt(first), count)).toString('latin1')
      expect(got, `${first}+${count}`).toBe(words.slice(first, first + count).join('\n'))
    }
    await expect(list.read(BigInt(words.length - 1), 2)).rejects.toThrow(/changed while in use/)
  })

  it('bounds chunks in bytes, never at zero words', async () => {
    const words = makeWords(20 * WORDLIST_INDEX_STRIDE)
    const list = await Wordlist.open(file(words.join('\n')))
    for (const limit of [64 * 1024, 300 * 1024]) {
      for (const first of [0, 1000, 7 * WORDLIST_INDEX_STRIDE, words.length - 10]) {
        const count = list.wordsWithin(BigInt(first), limit)
        expect(count).toBeGreaterThan(0)
        const bytes = (await list.read(BigInt(first), count)).length
        // One stride of these words is under 64 KiB, so the limit always holds.
        expect(bytes, `${first} at ${limit}`).toBeLessThanOrEqual(limit)
      }
    }
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'md5', targets: [createHash('md5').digest()], keyspace: list.spec, capLength: (o) => list.wordsWithin(o, 64 * 1024) })
    scheduler.addWorker({ id: 'w', name: 'w', address: 'a', cores: 1, threads: 64 })
    for (const chunk of scheduler.assign('w')) expect((await list.read(chunk.offset, chunk.length)).length).toBeLessThanOrEqual(64 * 1024)
    expect(job.unassigned[0].offset).toBeGreaterThan(0n)
  })

  it('refuses a missing or empty file with its name', async () => {
    await expect(Wordlist.open('/nonexistent/words.txt')).rejects.toThrow(/--wordlist \/nonexistent\/words.txt: cannot read it \(ENOENT\)/)
    await expect(Wordlist.open(file('\n\r\n\n'))).rejects.toThrow(/no words in it/)
  })

  it('fits a full chunk in one frame, and the worker refuses a bigger one', () => {
    const words = new Uint8Array(WORDLIST_CHUNK_BYTES).fill(0x61)
    const task = { type: 'task', jobId: '1', chunkId: '1.99999', offset: '123456789012', length: 1, words } as const
    expect(encodeMessage(task).length + AEAD_TAG_BYTES).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    expect(() => validateServerMessage({ ...task, words: new Uint8Array(WORDLIST_CHUNK_BYTES + 1) })).toThrow(/"words" must be at most 1048576 bytes/)
  })
})

const plainWords = (n: number) => keyspaceFrom({ type: 'wordlist', name: '/words', size: String(n) })

describe('searchWords', () => {
  for (const [algorithm, blocks] of UNSALTED.flatMap((a) => [[a, fastBlocks], [a, undefined]] as const)) {
    it(`${algorithm} agrees with node:crypto on words at every padding boundary (${blocks ? 'block kernel' : 'scalar'})`, () => {
      const lengths = [1, 54, 55, 56, 63, 64, 65, 111, 112, 119, 120, 127, 128, 200, 256]
      const words = lengths.map((n, i) => Buffer.alloc(n, 0x61 + i))
      const packed = Buffer.concat(words.flatMap((w, i) => (i ? [Buffer.of(0x0a), w] : [w])))
      const targets = words.filter((_, i) => i % 2 === 0).map((w) => referenceDigest(algorithm, w))
      const progress = new Int32Array(new SharedArrayBuffer(4))
      const result = searchWords({ algorithm, targets, keyspace: plainWords(2000), parts: { rules: null, combination: null } }, packed, 1000n, words.length, { progress, blocks })
      expect(result.hashed).toBe(words.length)
      expect(progress[0]).toBe(words.length)
      // Batched candidates are verified when their batch is hashed: hits come in no particular order.
      expect(result.hits.map((h) => Number(h.index)).sort((a, b) => a - b)).toEqual(words.map((_, i) => 1000 + i).filter((_, i) => i % 2 === 0))
      for (const hit of result.hits) expect(Buffer.from(hit.hash)).toEqual(referenceDigest(algorithm, hit.plaintext))
    })
  }

  it('stops at a batch boundary when cancelled', () => {
    const cancel = new Int32Array(new SharedArrayBuffer(4))
    Atomics.store(cancel, 0, 1)
    expect(searchWords({ algorithm: 'md5', targets: [createHash('md5').digest()], keyspace: plainWords(2), parts: { rules: null, combination: null } }, Buffer.from('a\nb'), 0n, 2, { cancel })).toEqual({ hashed: 0, hits: [], cancelled: true })
  })
})

describe('hashcat parity', () => {
  it('skips a byte order mark and reads $HEX[..] words as hashcat does (fixture from hashcat --stdout)', async () => {
    const listed = new URL('./vectors/hashcat-wordlist.txt', import.meta.url).pathname
    const expected = readFileSync(new URL('./vectors/hashcat-wordlist.stdout', import.meta.url)).toString('latin1').split('\n').slice(0, -1).filter(Boolean)
    const list = await Wordlist.open(listed)
    expect(list.bom).toBe(true)
    expect(list.words).toBe(expected.length)
    const words = await list.read(0n, list.words)
    const targets = expected.map((w) => createHash('md5').update(Buffer.from(w, 'latin1')).digest())
    const result = searchWords({ algorithm: 'md5', targets, keyspace: plainWords(list.words), parts: { rules: null, combination: null } }, words, 0n, list.words, { blocks: fastBlocks })
    expect(result.hashed).toBe(expected.length)
    expect(result.hits.map((h) => [Number(h.index), Buffer.from(h.plaintext).toString('latin1')]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(expected.map((w, i) => [i, w]))
  })
})
