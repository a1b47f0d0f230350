// Salted and crypt modes: hashcat's formats read and written back, digests against hashcat's example
// hashes and Python's crypt(3), searches with several salts (mask and range segments through every
// kernel, wordlists with rules through the block kernel and the scalar path), hash lists with users,
// shadow lines, hex salts and errors that name file and line.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ALGORITHM_INFO, infoOf, formatTarget, parseTarget, targetParts, type Algorithm } from '../shared/algorithms.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { fastBlocks, fastKernels } from '../worker/search/index.ts'
import { digestOf, matches } from '../shared/hashing/modes.ts'
import { packTargets, saltGroups } from '../worker/search/salts.ts'
import { search } from '../worker/search/search.ts'
import { searchWords } from '../worker/search/words.ts'
import { candidateAt, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec, rangeSpec } from '../shared/keyspace/spec.ts'
import { parseRules } from '../shared/rules/rules.ts'
import { readHashList } from '../server/inputs/hash-list.ts'
import { tempDir } from './helpers.ts'

const SEED = Number(process.env.TEST_SEED ?? 4242)
const SALTED = (Object.keys(ALGORITHM_INFO) as Algorithm[]).filter((a) => infoOf(a).kind === 'salted')

function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return (seed >>> 0) % below
  }
}

// What hashcat's generic salted modes compute, with node:crypto.
function saltedHex (algorithm: Algorithm, plaintext: Uint8Array, salt: Uint8Array): string {
  const info = infoOf(algorithm)
  const message = info.saltFirst ? Buffer.concat([salt, plaintext]) : Buffer.concat([plaintext, salt])
  return createHash(info.hash).update(message).digest('hex')
}

const vectors = (name: string) => readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8').trim().split('\n').map((l) => l.split('\t'))

describe('hash formats', () => {
  it('reads hashcat\'s example hash of every salted and crypt mode, verifies its password, and writes it back', () => {
    for (const [mode, hash, password] of vectors('hashcat-examples.tsv')) {
      const algorithm = (Object.keys(ALGORITHM_INFO) as Algorithm[]).find((a) => String(infoOf(a).hashcat) === mode)!
      const target = parseTarget(algorithm, hash)
      expect(matches(algorithm, target, Buffer.from(password)), `-m ${mode}`).toBe(true)
      expect(matches(algorithm, target, Buffer.from(password + 'x')), `-m ${mode}`).toBe(false)
      expect(formatTarget(algorithm, target)).toBe(hash)
    }
  })

  it('agrees with crypt(3) on md5crypt, sha256crypt and sha512crypt: empty, UTF-8 and long passwords, salts of 0 to 16, odd rounds', () => {
    for (const [algorithm, passwordHex, line] of vectors('crypt.tsv')) {
      const target = parseTarget(algorithm as Algorithm, line)
      expect(matches(algorithm as Algorithm, target, Buffer.from(passwordHex, 'hex')), line).toBe(true)
      expect(formatTarget(algorithm as Algorithm, target)).toBe(line)
    }
  })

  it('takes salts as text, in $HEX[..] form or with --hex-salt in hex, and names what is wrong', () => {
    const digest = saltedHex('md5-pass-salt', Buffer.from('pw'), Buffer.from('a:b\n'))
    const target = parseTarget('md5-pass-salt', `${digest}:$HEX[613a620a]`)
    expect(Buffer.from(targetParts('md5-pass-salt', target).salt).toString()).toBe('a:b\n')
    expect(parseTarget('md5-pass-salt', `${digest}:613a620a`, { hexSalt: true })).toEqual(target)
    expect(formatTarget('md5-pass-salt', target)).toBe(`${digest}:$HEX[613a620a]`)
    expect(formatTarget('md5-pass-salt', parseTarget('md5-pass-salt', `${digest}:s a:lt`))).toBe(`${digest}:s a:lt`)
    for (const [algorithm, text, message] of [
      ['md5-pass-salt', digest, /expected digest:salt/],
      ['md5-pass-salt', `${digest.slice(1)}:x`, /expected 32 hex digits before the colon/],
      ['sha1-salt-pass', `${'a'.repeat(40)}:xyz`, null],
      ['md5-pass-salt', `${digest}:${'s'.repeat(257)}`, /the salt has 257 bytes; at most 256/],
      ['md5crypt', '$1$saltsaltx$qjXMvbEw8oaL.CzflDtaK/', /its salt has 9 characters; the scheme uses at most 8/],
      ['md5crypt', '$6$salt$abc', /expected it to start with \$1\$/],
      ['sha512crypt', '$6$salt$tooshort', /expected 86 characters of crypt's base64/]
    ] as const) {
      if (message === null) expect(() => parseTarget(algorithm, text)).not.toThrow()
      else expect(() => parseTarget(algorithm, text)).toThrow(message)
    }
    expect(() => parseTarget('md5-pass-salt', `${digest}:zz`, { hexSalt: true })).toThrow(/with --hex-salt the salt must be hex digits/)
  })
})

describe('searching salted targets', () => {
  const kernelSets = [['scalar', []], ['wasm', fastKernels]] as const
  for (const algorithm of SALTED) {
    for (const [name, kernels] of kernelSets) {
      it(`${algorithm}: a mask and a range, three salts, every plant found (${name})`, () => {
        const next = random(SEED + SALTED.indexOf(algorithm))
        for (const spec of [maskSpec('?l?d?1', ['xyz', '', '', ''], { min: 1 }), rangeSpec(995, 2_000_000)]) {
          const keyspace = keyspaceFrom(spec)
          const salts = [Buffer.from('s4lt'), Buffer.from(''), Buffer.from([0xff, 0x3a, 0x00])]
          const plants = salts.map((salt) => ({ salt, index: BigInt(next(Number(keyspace.size > 50_000n ? 50_000n : keyspace.size))) }))
          const targets = plants.map(({ salt, index }) => parseTarget(algorithm, `${saltedHex(algorithm, candidateAt(keyspace, index), salt)}:${salt.toString('hex')}`, { hexSalt: true }))
          const length = Number(keyspace.size > 50_000n ? 50_000n : keyspace.size)
          const result = search({ algorithm, targets, keyspace }, 0n, length, { kernels: [...kernels] })
          expect(result.hashed).toBe(length)
          for (const [i, { index }] of plants.entries()) {
            const hit = result.hits.find((h) => Buffer.from(h.hash).equals(targets[i]))
            expect(hit, `seed ${SEED}, salt ${i}, index ${index}`).toBeDefined()
            expect(Buffer.from(hit!.plaintext)).toEqual(Buffer.from(candidateAt(keyspace, BigInt(hit!.index))))
          }
        }
      })
    }

    for (const [name, blocks] of [['block kernel', fastBlocks], ['scalar', undefined]] as const) {
      it(`${algorithm}: words through best64 with two salts (${name})`, () => {
        const next = random(SEED + 100 + SALTED.indexOf(algorithm))
        const best64 = parseRules(readFileSync(new URL('./vectors/rules/best64.rule', import.meta.url)), 'best64.rule')
        const words = Array.from({ length: 300 }, (_, i) => Buffer.from(`w${i}${'abcdefghij'.slice(0, next(10))}`))
        const keyspace = keyspaceFrom({ type: 'wordlist', name: '/w', size: String(words.length), rules: [{ name: 'best64', sha256: '0'.repeat(64), count: best64.count }] })
        const salts = [Buffer.from('pepper'), Buffer.from('x'.repeat(40))]
        const chosen = [next(words.length), next(words.length)]
        const targets = chosen.map((w, i) => parseTarget(algorithm, `${saltedHex(algorithm, Buffer.concat([words[w], Buffer.from('1')]), salts[i])}:${salts[i]}`))
        const packed = Buffer.concat(words.flatMap((w, i) => (i ? [Buffer.of(10), w] : [w])))
        const result = searchWords({ algorithm, targets, keyspace, parts: { rules: [best64], combination: null } }, packed, 0n, Number(keyspace.size), { blocks })
        expect(result.hashed).toBe(Number(keyspace.size))
        for (const [i, target] of targets.entries()) {
          const hit = result.hits.find((h) => Buffer.from(h.hash).equals(target))
          expect(hit, `seed ${SEED}, ${algorithm}, salt ${i}`).toBeDefined()
          expect(Buffer.from(hit!.plaintext).toString()).toBe(`${words[chosen[i]]}1`)
        }
      })
    }
  }

  it('md5crypt and sha512crypt: a small range, each target its own salt, plants at random', () => {
    const next = random(SEED + 7)
    for (const [algorithm, prefix] of [['md5crypt', '$1$'], ['sha512crypt', '$6$rounds=1000$']] as const) {
      const size = algorithm === 'md5crypt' ? 120 : 24
      const keyspace = keyspaceFrom(rangeSpec(0, size))
      const secrets = [String(next(size / 2)), String(size / 2 + next(size / 2))]
      // Targets made with our implementation (checked against crypt(3) above), through their text.
      const targets = secrets.map((s, i) => {
        const salt = Buffer.from(`salt${i}`)
        const rounds = algorithm === 'sha512crypt' ? Buffer.from([0, 0, 0x03, 0xe8]) : Buffer.alloc(0) // 1000
        const digest = digestOf(algorithm, Buffer.from(s), salt, 1000)
        const text = formatTarget(algorithm, Buffer.concat([digest, rounds, salt]))
        expect(text.startsWith(`${prefix}salt${i}$`)).toBe(true)
        return parseTarget(algorithm, text)
      })
      const result = search({ algorithm, targets, keyspace }, 0n, Number(keyspace.size))
      expect(result.hits.map((h) => Buffer.from(h.plaintext).toString()).sort(), `seed ${SEED}`).toEqual([...secrets].sort())
    }
  })
})

describe('hash lists', () => {
  it('reads user:hash lines, shadow lines (skipping accounts without a password) and hex salts', async () => {
    const dir = tempDir('taskorch-lists-')
    const md5crypt = '$1$38652870$DUjsu4TTlTsOe/xxZ05uf/'
    const shadow = join(dir, 'shadow')
    writeFileSync(shadow, `root:${md5crypt}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nnobody:!:19000::::::\nbob:${md5crypt}:19001:0:99999:7:::\n`)
    const list = await readHashList(shadow, 'md5crypt')
    expect(list.targets.size).toBe(1) // one hash, two users
    expect(list.locked).toBe(2)
    expect(list.users.get(md5crypt)).toEqual(['root', 'bob'])

    const salted = join(dir, 'salted.txt')
    const digest = saltedHex('sha256-salt-pass', Buffer.from('pw'), Buffer.from([1, 2]))
    writeFileSync(salted, `# users\r\nalice:${digest}:0102\r\n\r\ncarol:${digest}:0102\r\n`)
    const users = await readHashList(salted, 'sha256-salt-pass', { username: true, hexSalt: true })
    expect(users.users.get(`${digest}:$HEX[0102]`)).toEqual(['alice', 'carol'])
  })

  it('names the file and line of a malformed salted line, and of a missing user', async () => {
    const dir = tempDir('taskorch-lists-')
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, `${'a'.repeat(32)}:salt\n${'a'.repeat(31)}:salt\n`)
    await expect(readHashList(bad, 'md5-pass-salt', { strict: true })).rejects.toThrow(InvalidInputError)
    await expect(readHashList(bad, 'md5-pass-salt', { strict: true })).rejects.toThrow(/bad\.txt:2: ".*" is not an md5\(\$pass\.\$salt\) hash: expected 32 hex digits before the colon/)
    writeFileSync(bad, `${'a'.repeat(32)}\n`)
    await expect(readHashList(bad, 'md5', { username: true, strict: true })).rejects.toThrow(/bad\.txt:1: with --username a line is user:hash/)
  })
})

describe('a list of bare digests', () => {
  it('finds each digest by its key word and bytes, among others that share the key word, packed or not', () => {
    const base = createHash('md5').update('shared key word').digest()
    const twins = Array.from({ length: 50 }, (_, i) => Uint8Array.from(base, (b, j) => (j === 15 ? i : b))) // MD5's key word is bytes 0-3
    const others = Array.from({ length: 1000 }, (_, i) => createHash('md5').update(`other ${i}`).digest())
    const targets = [...others.slice(0, 500), ...twins, ...others.slice(500)]
    for (const list of [targets, packTargets(targets)]) {
      const [group] = saltGroups('md5', list)
      for (const t of targets) expect(Buffer.from(group.find(t)!)).toEqual(Buffer.from(t))
      expect(group.find(Uint8Array.from(base, (b, j) => (j === 15 ? 200 : b)))).toBeUndefined() // same key word, no such target
      expect(group.find(createHash('md5').update('absent').digest())).toBeUndefined()
      expect(group.set.keyWords.length).toBe(targets.length)
    }
  })
})
