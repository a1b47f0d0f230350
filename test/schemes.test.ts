// The scheme modes (NetNTLM, Kerberos RC4 and AES, DCC2, LM, bcrypt, sha256crypt, phpass, MySQL, Django, WPA)
// against hashcat: lists our implementation made, cracked by hashcat 6.2.6 (test/vectors/modes),
// read back and written as hashcat writes them; each mode's example hash and a list of several
// targets searched from a wordlist, as a WASM worker's thread searches; malformed lines named.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { badLinesWarning, readHashList } from '../server/inputs/hash-list.ts'
import { tempDir } from './helpers.ts'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ALGORITHM_INFO, infoOf, formatTarget, isTarget, modeTable, parseAlgorithm, parseTarget, potfileKey, shownHash, targetParts, type Algorithm } from '../shared/algorithms.ts'
import { canaryTarget, matches } from '../shared/hashing/modes.ts'
import { ntHash } from '../shared/hashing/nt.ts'
import { hmac, rc4 } from '../shared/hashing/primitives.ts'
import { packFields, unpackFields } from '../shared/hashing/schemes/scheme.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { search } from '../worker/search/search.ts'
import { searchWords } from '../worker/search/words.ts'

const SEED = Number(process.env.TEST_SEED ?? 2929)
const SCHEMES = (Object.keys(ALGORITHM_INFO) as Algorithm[]).filter((a) => infoOf(a).kind === 'scheme' || a === 'sha256crypt')
const vectors = (name: string) => readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')
const lines = (text: string) => text.split('\n').filter(Boolean)
const example = (algorithm: Algorithm) => lines(vectors('hashcat-examples.tsv')).map((l) => l.split('\t')).find(([mode]) => Number(mode) === infoOf(algorithm).hashcat)!

function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return (seed >>> 0) % below
  }
}

// A --show line: the hash, a colon, the password (ours hold no colon).
const split = (line: string) => ({ hash: line.slice(0, line.lastIndexOf(':')), password: line.slice(line.lastIndexOf(':') + 1) })

describe('scheme modes against hashcat', () => {
  it('knows each mode by our name, hashcat\'s number and hashcat\'s name', () => {
    expect(SCHEMES).toHaveLength(14)
    for (const algorithm of SCHEMES) {
      const { hashcat, name } = infoOf(algorithm)
      expect(parseAlgorithm(algorithm)).toBe(algorithm)
      expect(parseAlgorithm(String(hashcat))).toBe(algorithm)
      expect(parseAlgorithm(name.toUpperCase())).toBe(algorithm)
    }
    expect(parseAlgorithm('NetNTLMv1+ESS')).toBe('netntlmv1')
    expect(parseAlgorithm('SHA256 (Unix)')).toBe('sha256crypt')
    const table = modeTable()
    for (const algorithm of SCHEMES) expect(table).toContainEqual(expect.stringMatching(new RegExp(`^ *${infoOf(algorithm).hashcat}  ${algorithm} +${infoOf(algorithm).name.replace(/[$()*+./]/g, '\\$&')}$`)))
    expect(() => parseAlgorithm('netntlm')).toThrow(/unknown hash mode "netntlm": did you mean ntlm \(1000\), netntlmv1 \(5500\), netntlmv2 \(5600\)\? give our name, hashcat's -m number or hashcat's name for it \(npm run ctl -- modes lists ours; any other -m number runs on hashcat workers\)/)
    expect(() => parseAlgorithm('kerberos')).toThrow(/did you mean krb5tgs \(13100\), krb5asrep \(18200\), krb5tgs-aes128 \(19600\), krb5tgs-aes256 \(19700\)\?/)
    expect(() => parseAlgorithm('wpa2')).toThrow(/did you mean wpa \(22000\)\?/)
    expect(() => parseAlgorithm('2500')).toThrow(/older WPA modes: convert the capture with hcxpcapngtool and use -m 22000/)
  })

  for (const algorithm of SCHEMES) {
    const mode = infoOf(algorithm).hashcat
    it(`-m ${mode} ${algorithm}: reads each line hashcat cracked, keys and shows it as hashcat's potfile and --show do, and verifies its password`, () => {
      const list = lines(vectors(`modes/${mode}.hashes`))
      const shown = lines(vectors(`modes/${mode}.show`)).map(split)
      const potfile = new Set(lines(vectors(`modes/${mode}.potfile`)))
      expect(shown).toHaveLength(list.length - 1) // the last password is not in the wordlist
      for (const [i, line] of list.entries()) {
        const target = parseTarget(algorithm, line)
        expect(isTarget(algorithm, target)).toBe(true)
        expect(parseTarget(algorithm, formatTarget(algorithm, target))).toEqual(target)
        if (i === list.length - 1) continue
        expect(shownHash(algorithm, target)).toBe(shown[i].hash)
        expect(potfile.has(`${potfileKey(algorithm, target, Buffer.from(shown[i].password))}:${shown[i].password}`), line).toBe(true)
        expect(matches(algorithm, target, Buffer.from(shown[i].password)), line).toBe(true)
        expect(matches(algorithm, target, Buffer.from(shown[i].password + '1')), line).toBe(false)
      }
    })
  }
})

describe('searching scheme targets', () => {
  for (const algorithm of SCHEMES) {
    const mode = infoOf(algorithm).hashcat
    it(`-m ${mode} ${algorithm}: hashcat's example among random words, then a list of several targets, as a worker's thread searches`, () => {
      const next = random(SEED + mode)
      const [, hash, password] = example(algorithm)
      // Slow schemes get fewer words: each candidate costs milliseconds per target.
      const filler = infoOf(algorithm).cost! >= 10_000 ? 12 : 60
      const word = () => Array.from({ length: 8 + next(6) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[next(36)]).join('')
      const words = Array.from({ length: filler }, word)
      const at = next(words.length + 1)
      words.splice(at, 0, password)
      const target = parseTarget(algorithm, hash)
      const found = searchList(algorithm, [target], words)
      expect(found, `seed ${SEED}: "${password}" at word ${at}`).toEqual([[shownHash(algorithm, target), password]])

      // hashcat's cracked list: every password it found, among as many random words, and the target it did not.
      const list = lines(vectors(`modes/${mode}.hashes`))
      const shown = lines(vectors(`modes/${mode}.show`)).map(split)
      const pool = Array.from({ length: filler }, word)
      for (const { password } of shown) pool.splice(next(pool.length + 1), 0, password)
      const hits = searchList(algorithm, list.map((l) => parseTarget(algorithm, l)), pool)
      expect(hits.sort()).toEqual(shown.map(({ hash, password }) => [hash, password]).sort())
    })
  }

  it('LM upper-cases a candidate and takes halves of up to 7 bytes; WPA passphrases of 8 to 63', () => {
    const [, hash] = example('lm')
    const target = parseTarget('lm', hash)
    expect(matches('lm', target, Buffer.from('hashcat'))).toBe(true)
    expect(matches('lm', target, Buffer.from('HASHCAT!'))).toBe(false)
    // a mask the length of the half: every candidate tried, the one found
    const keyspace = keyspaceFrom(maskSpec('hashc?l?l', []))
    const result = search({ algorithm: 'lm', targets: [target], keyspace }, 0n, Number(keyspace.size))
    expect(result.hashed).toBe(26 * 26)
    expect(result.hits.map((h) => Buffer.from(h.plaintext).toString())).toEqual(['hashcat'])
    const [, wpaHash, wpaPassword] = example('wpa')
    expect(matches('wpa', parseTarget('wpa', wpaHash), Buffer.from(wpaPassword.slice(0, 7)))).toBe(false)
  })

  it('names what is wrong with a malformed hash of each mode', () => {
    for (const [algorithm, text, why] of [
      ['netntlmv2', 'user:domain:1122334455667788:' + '0'.repeat(32) + ':0101', /expected user::domain and 3 more fields/],
      ['netntlmv2', 'user::domain:11223344556677:' + '0'.repeat(32) + ':0101', /server challenge must be 16 hex digits, not 14/],
      ['netntlmv1', 'u::d:' + '0'.repeat(48) + ':' + '0'.repeat(47) + 'x:1122334455667788', /NT response must be hex digits/],
      ['krb5tgs', '$krb5tgs$17$*u$r$s*$' + '0'.repeat(32) + '$' + '0'.repeat(64), /expected it to start with \$krb5tgs\$23\$/],
      ['krb5tgs', '$krb5tgs$23$*u$r$s*$' + '0'.repeat(32) + '$' + '0'.repeat(62), /its edata2 has 31 bytes; at least 32/],
      ['krb5asrep', '$krb5asrep$23$u@r:' + '0'.repeat(32), /expected \$krb5asrep\$23\$\[account\]checksum\$edata2/],
      ['dcc2', '$DCC2$10240#user', /expected \$DCC2\$iterations#user#hash/],
      ['dcc2', '$DCC2$0#user#' + '0'.repeat(32), /iteration count must be 1 to/],
      ['lm', 'aad3b435b51404eeaad3b435b51404ef', /32 hex digits: an NTLM hash is -m 1000; a whole LM hash is two halves, to give as two lines \(aad3b435b51404ee and aad3b435b51404ef\)/],
      ['lm', '0'.repeat(30), /hash must be 16 hex digits, not 30/],
      ['mysql', '*' + '0'.repeat(40), /MySQL writes a leading \*, which is not part of hashcat's format: remove it/],
      ['phpass', '$P$!12345678' + '.'.repeat(22), /cost character "!" is out of phpass's range/],
      ['django', 'pbkdf2_sha1$1000$salt$' + 'A'.repeat(27) + '=', /expected pbkdf2_sha256\$iterations\$salt\$ and 44 characters of base64/],
      ['bcrypt', '$2a$03$' + '.'.repeat(53), /its cost must be 4 to 31/],
      ['bcrypt', '$2x$05$' + '.'.repeat(53), /expected \$2a\$, \$2b\$ or \$2y\$/],
      ['wpa', 'WPA*03*' + '0'.repeat(32) + '*' + '0'.repeat(12) + '*' + '0'.repeat(12) + '*00***', /expected WPA\*01\* or WPA\*02\*/],
      ['wpa', 'WPA*02*' + '0'.repeat(32) + '*' + '0'.repeat(12) + '*' + '0'.repeat(12) + '*00*' + '0'.repeat(64) + '*0103*00', /its EAPOL frame has 2 bytes/],
      ['sha256crypt', '$5$salt$short', /expected 43 characters of crypt's base64/],
      // parsed, but no target the scheme could prepare: named here, never a crash later
      ['phpass', '$P$9ééééééééIagS59wHZvyQMArzfx58u.', /expected \$P\$ or \$H\$, a cost character, 8 printable ASCII characters of salt/],
      ['netntlmv2', `${'€'.repeat(30_000)}::D:${'11'.repeat(8)}:${'22'.repeat(16)}:0101`, /is not a NetNTLMv2 hash: a field of more than 65535 bytes/],
      ['bcrypt', '$2a$05$MBCzKhG1KhezLh.0LRa0Kv' + 'w12nLJtpHy6DIaU.JAnqJUDYspHC.Ou', /its salt is not 22 characters of canonical bcrypt base64/],
      ['krb5tgs-aes256', '$krb5tgs$18$$REALM$' + '0'.repeat(24) + '$' + '0'.repeat(64), /expected \$krb5tgs\$18\$user\$realm\$\[\*spn\*\$\]checksum\$edata2/],
      ['krb5tgs-aes128', '$krb5tgs$17$u$R$' + '0'.repeat(32) + '$' + '0'.repeat(64), /checksum must be 24 hex digits, not 32/]
    ] as const) {
      expect(() => parseTarget(algorithm, text), `${algorithm}: ${text}`).toThrow(why)
    }
  })

  it('says what a bad line of a list may be instead: another mode, a user prefix to take with --username or not', async () => {
    const dir = tempDir('taskorch-hints-')
    const read = async (algorithm: Algorithm, lines: string[], username = false) => {
      const path = join(dir, `${algorithm}-${username}.txt`)
      writeFileSync(path, lines.join('\r\n') + '\r\n')
      const list = await readHashList(path, algorithm, { username })
      return badLinesWarning(path, list) ?? ''
    }
    const ntlm = 'b4b9b02e6f09a9bd760f388b67351e2b'
    expect(await read('lm', [example('lm')[1], ntlm])).toMatch(/lm-false\.txt:2: .*32 hex digits: an NTLM hash is -m 1000; a whole LM hash is two halves.* \(it reads as -m 0 md5 or -m 1000 ntlm\)/)
    expect(await read('krb5tgs', [example('krb5tgs')[1], example('krb5tgs-aes128')[1]])).toMatch(/:2: .*expected it to start with \$krb5tgs\$23\$ \(it reads as -m 19600 krb5tgs-aes128\)/)
    expect(await read('dcc2', [example('dcc2')[1], `CORP/alice:${example('dcc2')[1]}`])).toMatch(/:2: .* \(it starts with a user name: add --username\)/)
    expect(await read('netntlmv2', [`alice:${example('netntlmv2')[1]}`, example('netntlmv2')[1]], true)).toMatch(/:2: .* \(with --username the line's first field is taken as the user, which this hash does not have: drop --username\)/)
    expect(await read('mysql', [example('mysql')[1], `*${example('mysql')[1].toUpperCase()}`])).toMatch(/MySQL writes a leading \*, which is not part of hashcat's format: remove it/)
  })

  it('reads an AS-REP of a machine account, whose name ends in $', () => {
    const [, hash] = example('krb5asrep')
    const machine = hash.replace('user@domain.com:', 'WS01$@CORP.LOCAL:')
    expect(formatTarget('krb5asrep', parseTarget('krb5asrep', machine))).toBe(machine)
  })

  // Work verification's canaries must be found by hashcat workers too: a Kerberos canary is a real
  // ticket of the canary's password (hashcat's kernels check the decrypted ticket's first bytes), and
  // reads back from its text as the same target.
  it('makes a Kerberos canary a ticket hashcat would accept, and any canary a target its text reads back as', () => {
    for (const algorithm of SCHEMES) {
      const [, hash] = example(algorithm)
      const source = parseTarget(algorithm, hash)
      const candidate = Buffer.from('canary-pw-1')
      const canary = canaryTarget(algorithm, source, algorithm === 'lm' ? Buffer.from('CANARY') : candidate)!
      expect(canary, algorithm).not.toBeNull()
      expect(matches(algorithm, canary, algorithm === 'lm' ? Buffer.from('CANARY') : candidate), algorithm).toBe(true)
      expect(parseTarget(algorithm, formatTarget(algorithm, canary)), algorithm).toEqual(canary)
    }
    for (const [algorithm, tag, confounder] of [['krb5tgs', 0x63, 8], ['krb5asrep', 0x79, 8]] as const) {
      const canary = canaryTarget(algorithm, parseTarget(algorithm, example(algorithm)[1]), Buffer.from('pw'))!
      const [, checksum, edata] = unpackFields(targetParts(algorithm, canary).salt, 3)
      const k1 = hmac('md5', ntHash(Buffer.from('pw')), Uint8Array.of(algorithm === 'krb5tgs' ? 2 : 8, 0, 0, 0))
      const ticket = rc4(hmac('md5', k1, checksum), edata)
      expect([...ticket.subarray(confounder, confounder + 2)]).toEqual([tag, 0x82])
    }
    expect(canaryTarget('wpa', parseTarget('wpa', example('wpa')[1]), Buffer.from('short'))).toBeNull() // no passphrase of 5 bytes
  })

  it('refuses a peer\'s target whose parameters are not the scheme\'s', () => {
    const [, hash] = example('netntlmv2')
    const target = parseTarget('netntlmv2', hash)
    expect(isTarget('netntlmv2', target)).toBe(true)
    expect(isTarget('netntlmv2', target.subarray(0, target.length - 1))).toBe(false)
    expect(isTarget('netntlmv2', Buffer.concat([target, Buffer.of(0)]))).toBe(false)
    expect(isTarget('bcrypt', Buffer.alloc(23 + 25))).toBe(false)
    expect(isTarget('lm', Buffer.alloc(9))).toBe(false)
    // a PMKID carries no nonce, frame or message pair, as its text cannot
    const pmkid = parseTarget('wpa', example('wpa')[1])
    const [type, ap, sta, essid] = unpackFields(targetParts('wpa', pmkid).salt, 7)
    expect(isTarget('wpa', Buffer.concat([pmkid.subarray(0, 16), packFields(type, ap, sta, essid, new Uint8Array(32), new Uint8Array(0), new Uint8Array(0))]))).toBe(false)
    expect(targetParts('netntlmv2', target).digest).toHaveLength(16)
  })
})

// The hits a thread's wordlist search makes: [hash as hashcat writes it, password].
function searchList (algorithm: Algorithm, targets: Uint8Array[], words: string[]): [string, string][] {
  const keyspace = keyspaceFrom({ type: 'wordlist', name: '/w', size: String(words.length) })
  const result = searchWords({ algorithm, targets, keyspace, parts: { rules: null, combination: null } }, Buffer.from(words.join('\n')), 0n, words.length)
  expect(result.hashed).toBe(words.length)
  return result.hits.map((h) => [shownHash(algorithm, h.hash), Buffer.from(h.plaintext).toString()])
}
