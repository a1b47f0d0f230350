// A job's targets packed (server/targets.ts), and hash lists read into them: every target found by
// its bytes and its text, each kept once, the file's lines split as readline splits them.
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatTarget, parseTarget } from '../shared/algorithms.ts'
import { badLinesWarning, readHashList } from '../server/inputs/hash-list.ts'
import { describeJob, requestOf } from '../server/job-description.ts'
import { Remaining, TargetList, TargetListBuilder } from '../server/targets.ts'
import { hex, referenceDigest, seededRandom, tempDir } from './helpers.ts'

describe('packed targets', () => {
  it('finds each of many targets by bytes and text, keeps repeats once, and grows past its first size', () => {
    const random = seededRandom()
    const digests = Array.from({ length: 5_000 }, () => referenceDigest('md5', String(random())))
    const builder = new TargetListBuilder('md5', 4) // far too small: it grows and re-indexes
    for (const d of digests) expect(builder.add(d)).toBe(true)
    for (const d of digests.slice(0, 100)) expect(builder.add(d)).toBe(false)
    const list = builder.build()
    expect(list.size).toBe(5_000)
    for (const [i, d] of digests.entries()) {
      expect(list.indexOf(d)).toBe(i)
      expect(list.indexOfText(d.toString('hex').toUpperCase())).toBe(i)
      expect(Buffer.from(list.at(i)).equals(d)).toBe(true)
    }
    expect(list.indexOf(referenceDigest('md5', 'absent'))).toBe(-1)
    expect(list.indexOfText('not a digest')).toBe(-1)
    expect([...list.texts()]).toEqual(digests.map((d) => d.toString('hex')))
  })

  it('holds salted targets of any length, told apart by their salt', () => {
    const digest = referenceDigest('md5', 'x')
    const texts = [`${digest.toString('hex')}:a`, `${digest.toString('hex')}:ab`, `${digest.toString('hex')}:`]
    const list = TargetList.from('md5-pass-salt', texts.map((t) => parseTarget('md5-pass-salt', t)))
    expect(list.size).toBe(3)
    texts.forEach((text, i) => expect(list.indexOfText(text)).toBe(i))
    expect([...list.texts()]).toEqual(texts.map((t) => formatTarget('md5-pass-salt', parseTarget('md5-pass-salt', t))))
    expect(() => TargetList.from('sha1', [digest])).toThrow(/is not a sha1 target/)
  })

  it('counts what is left as targets are found, once each', () => {
    const list = TargetList.from('md5', ['a', 'b', 'c'].map((p) => referenceDigest('md5', p)))
    const remaining = new Remaining(list)
    expect(remaining.delete(hex('md5', 'b'))).toBe(true)
    expect(remaining.delete(hex('md5', 'b'))).toBe(false)
    expect(remaining.delete(hex('md5', 'z'))).toBe(false)
    expect(remaining.size).toBe(2)
    expect([...remaining.texts()]).toEqual([hex('md5', 'a'), hex('md5', 'c')])
    expect([...remaining.bytes()].map((b) => Buffer.from(b).toString('hex'))).toEqual([hex('md5', 'a'), hex('md5', 'c')])
  })
})

describe('hash lists read into packed targets', () => {
  it('reads lines ended by \\n, \\r\\n or \\r, upper-case hex, spaces and comments, across read boundaries', async () => {
    const dir = tempDir('taskorch-targets-')
    const random = seededRandom()
    // Over 1 MiB, so lines straddle the reader's blocks; endings and padding drawn at random.
    const digests = Array.from({ length: 40_000 }, (_, i) => hex('md5', `p${i}`))
    const endings = ['\n', '\r\n', '\r']
    let text = '# a list\n'
    for (const d of digests) {
      const shown = random() < 0.3 ? d.toUpperCase() : d
      text += (random() < 0.1 ? '  ' : '') + shown + (random() < 0.1 ? ' \t' : '') + endings[Math.floor(random() * 3)]
      if (random() < 0.05) text += '\n' // a blank line
    }
    text += digests[7] // a repeat, and no ending at the end of the file
    const path = join(dir, 'list.txt')
    writeFileSync(path, text)
    const list = await readHashList(path, 'md5')
    expect([...list.targets.texts()]).toEqual(digests)
  })

  it('names the file and line of a bad line, counting every kind of line ending; --strict stops at it', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'bad.txt')
    writeFileSync(path, `${hex('md5', 'a')}\r\n# note\r${hex('md5', 'b')}\n\n${'g'.repeat(32)}\n`)
    await expect(readHashList(path, 'md5', { strict: true })).rejects.toThrow(/bad\.txt:5: "g{32}" is not an md5 hash: expected 32 hex digits/)
  })

  // As hashcat does ("Token length exception: 1/5 hashes"): the job starts with the good lines.
  it('skips bad lines by default, naming the first five with file, line and why, and counting the rest', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'mixed.txt')
    writeFileSync(path, [hex('md5', 'a'), ...Array.from({ length: 7 }, (_, i) => `bad${i}`), hex('md5', 'b')].join('\n'))
    const list = await readHashList(path, 'md5')
    expect([...list.targets.texts()]).toEqual([hex('md5', 'a'), hex('md5', 'b')])
    expect(badLinesWarning(path, list)).toBe(`${path}: skipped 7 line(s) that are no hash of the mode (--strict stops at the first): ${[2, 3, 4, 5, 6].map((n) => `${path}:${n}: "bad${n - 2}" is not an md5 hash: expected 32 hex digits`).join('; ')}; and 2 more`)
    writeFileSync(path, 'bad\n')
    await expect(readHashList(path, 'md5')).rejects.toThrow(/mixed\.txt: no hashes in it \(blank lines, # comments and 1 line\(s\) that are no md5 hash \(.*mixed\.txt:1: "bad" is not an md5 hash/)
    // A digest:salt line read as sha512crypt: a shadow line, named as one.
    writeFileSync(path, `${hex('md5', 'a')}:s4lt\n`)
    await expect(readHashList(path, 'sha512crypt', { strict: true })).rejects.toThrow(/mixed\.txt:1: read as a shadow line \(user:hash:\.\.\.\), its hash field: "s4lt" is not a sha512crypt \(\$6\$\) hash/)
  })
})

// What the line reader did before it was rewritten for speed, kept: found in review.
describe('hash lists: the reader keeps its old meaning', () => {
  it('keeps a salt\'s trailing spaces and tabs and a user name\'s leading ones', async () => {
    const dir = tempDir('taskorch-targets-')
    const digest = hex('md5', 'x')
    const path = join(dir, 'salted.txt')
    writeFileSync(path, `${digest}:salt  \n${digest}:salt\t\n`)
    const list = await readHashList(path, 'md5-pass-salt')
    expect([...list.targets.texts()]).toEqual([`${digest}:salt  `, `${digest}:$HEX[73616c7409]`])
    writeFileSync(path, `  alice:${digest}\n`)
    expect((await readHashList(path, 'md5', { username: true })).users.get(digest)).toEqual(['  alice'])
  })

  it('skips lines that are blank to String.trim (form feed, no-break space, a byte order mark)', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'blank.txt')
    writeFileSync(path, `\uFEFF\n\f\n\v\n\u00a0\n${hex('md5', 'a')}\n`)
    expect([...(await readHashList(path, 'md5')).targets.texts()]).toEqual([hex('md5', 'a')])
  })

  it('takes a list whose every hash was also given with --target', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'same.txt')
    writeFileSync(path, `${hex('md5', 'a')}\n`)
    const job = describeJob({ target: [hex('md5', 'a')], targets: path, mask: '?d' })!
    expect([...((await requestOf(job)).request.targets as TargetList).texts()]).toEqual([hex('md5', 'a')])
  })

  it('refuses a line too long to be a hash at once, and a huge file without sizing anything by it', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'long.txt')
    writeFileSync(path, `${hex('md5', 'a')}\n${'a'.repeat(8 * 1024 * 1024)}`)
    const started = performance.now()
    await expect(readHashList(path, 'md5')).rejects.toThrow(/long\.txt:2: the line is longer than \d+ bytes/)
    expect(performance.now() - started).toBeLessThan(10_000) // a scan per block made this quadratic
    const sparse = join(dir, 'sparse.txt')
    writeFileSync(sparse, `${hex('md5', 'a')}\n`)
    truncateSync(sparse, 10 * 1024 ** 3) // 10 GB of zero bytes after the hash: a bad second line
    await expect(readHashList(sparse, 'md5')).rejects.toThrow(/sparse\.txt:2: /)
  })
})

// secretsdump's and pwdump's lines (`user:rid:LM:NT:::`) are the NTLM hashes an audit brings. hashcat
// -m 1000 reads them as it reads a bare NT hash, the user with --username (6.2.6, checked by hand:
// `--left --username` printed `CORP\alice:b4b9...`).
describe('pwdump lines', () => {
  it('give -m 1000 their NT hash, and their user with --username, as hashcat reads them', async () => {
    const dir = tempDir('taskorch-targets-')
    const path = join(dir, 'ntds.txt')
    const nt = 'b4b9b02e6f09a9bd760f388b67351e2b'
    writeFileSync(path, [
      `CORP\\alice:1104:aad3b435b51404eeaad3b435b51404ee:${nt}:::`,
      'bob:1105:NO PASSWORD*********************:8743b52063cd84097a65d1633f5c74f5:::',
      `CORP\\carol:1106:aad3b435b51404eeaad3b435b51404ee:${nt.toUpperCase()}:::`
    ].join('\n') + '\n')
    const named = await readHashList(path, 'ntlm', { username: true })
    expect([...named.targets.texts()]).toEqual([nt, '8743b52063cd84097a65d1633f5c74f5'])
    expect(Object.fromEntries(named.users)).toEqual({ [nt]: ['CORP\\alice', 'CORP\\carol'], '8743b52063cd84097a65d1633f5c74f5': ['bob'] })
    const bare = await readHashList(path, 'ntlm')
    expect([[...bare.targets.texts()], bare.users.size, bare.rejected]).toEqual([[nt, '8743b52063cd84097a65d1633f5c74f5'], 0, 0])
  })
})
