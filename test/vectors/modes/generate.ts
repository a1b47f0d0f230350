// Makes the hash lists hashcat cracks in generate.sh: for each scheme mode, targets with random
// parameters (user and domain names in mixed case, challenges, blobs, salts, iteration counts, key
// versions) whose digests our implementation computes, one more whose password is not in the
// wordlist, and the wordlist: every password among random words. Seeded: the same files each run.
//   node --import tsx test/vectors/modes/generate.ts
import { writeFileSync } from 'node:fs'
import { ALGORITHM_INFO, infoOf, formatTarget, parseTarget, targetParts, type Algorithm } from '../../../shared/algorithms.ts'
import { digestOf } from '../../../shared/hashing/modes.ts'
import { ntHash } from '../../../shared/hashing/nt.ts'
import { aesEncrypt, hmac, rc4 } from '../../../shared/hashing/primitives.ts'
import { kerberosAesKeys } from '../../../shared/hashing/schemes/kerberos.ts'

const SEED = 29
let state = SEED
const next = (below: number) => {
  state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
  return (state >>> 0) % below
}
const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[next(chars.length)]).join('')
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
const ALNUM = LETTERS + '0123456789'
const hexOf = (n: number) => pick('0123456789abcdef', 2 * n)
const dir = new URL('.', import.meta.url)

// A password for the mode: LM's are at most 7 bytes, WPA's 8 to 63.
function password (algorithm: Algorithm): string {
  if (algorithm === 'lm') return pick(LETTERS.slice(26) + '0123456789!', 3 + next(5))
  return pick(ALNUM + '!-_ ', algorithm === 'wpa' ? 8 + next(8) : 4 + next(9))
}

// The hash's text with a zero digest, for the generic path: parsed, its digest computed and set.
const TEMPLATES: Partial<Record<Algorithm, () => string>> = {
  sha256crypt: () => `$5$${next(2) ? `rounds=${1000 + next(4000)}$` : ''}${pick(ALNUM + './', next(17))}$${'.'.repeat(43)}`,
  lm: () => '0'.repeat(16),
  netntlmv1: () => `${pick(LETTERS, 1 + next(8))}::${pick(LETTERS, next(8)).toUpperCase()}:${next(2) ? `${hexOf(8)}${'0'.repeat(32)}` : hexOf(24)}:${'0'.repeat(48)}:${hexOf(8)}`,
  netntlmv2: () => `${pick(LETTERS, 1 + next(10))}::${pick(ALNUM, next(12))}:${hexOf(8)}:${'0'.repeat(32)}:0101000000000000${hexOf(16 + next(80))}`,
  dcc2: () => `$DCC2$${[10240, 10240, 5000][next(3)]}#${pick(ALNUM, 1 + next(12))}#${'0'.repeat(32)}`,
  mysql: () => '0'.repeat(40),
  phpass: () => `$${'PH'[next(2)]}$${'79B'[next(3)]}${pick(ALNUM + './', 8)}${'.'.repeat(22)}`,
  django: () => `pbkdf2_sha256$${[1000, 10000, 20000][next(3)]}$${pick(ALNUM, 4 + next(12))}$${'A'.repeat(43)}=`,
  bcrypt: () => `$2${'aby'[next(3)]}$0${4 + next(2)}$${pick('./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 21)}${'.Oeu'[next(4)]}${'.'.repeat(31)}`,
  wpa: () => {
    const essid = Buffer.from(pick(ALNUM + '-', 1 + next(20))).toString('hex')
    if (next(2)) return `WPA*01*${'0'.repeat(32)}*${hexOf(6)}*${hexOf(6)}*${essid}***`
    // An EAPOL-Key frame (message 2): key version 1 (HMAC-MD5) or 2 (HMAC-SHA1), the SNonce, the MIC zeroed.
    const version = 1 + next(2)
    const body = `0103007502010${(8 + version).toString(16)}00000000000000000001${hexOf(32)}${'0'.repeat(32)}${'0'.repeat(16)}${'0'.repeat(16)}${'0'.repeat(32)}0016${hexOf(22)}`
    return `WPA*02*${'0'.repeat(32)}*${hexOf(6)}*${hexOf(6)}*${essid}*${hexOf(32)}*${body}*0${next(2) ? 0 : 2}`
  }
}

// Kerberos: the ticket's plaintext encrypted under the password's keys, so the checksum holds. It
// starts as real ones do, which hashcat's kernels check before the checksum: 8 bytes of confounder,
// then the part's ASN.1 application tag (TGS-REP's EncTicketPart 0x63, AS-REP's EncASRepPart 0x79)
// with a 2-byte length, a SEQUENCE, and for a ticket its flags' tag.
function kerberos (algorithm: 'krb5tgs' | 'krb5asrep', pw: string): string {
  const length = 300 + next(200)
  const body = `${algorithm === 'krb5tgs' ? '63' : '79'}82${(length - 4).toString(16).padStart(4, '0')}3082${(length - 8).toString(16).padStart(4, '0')}a00703050040a00000`
  const plain = Buffer.from(`${hexOf(8)}${body}${hexOf(length - body.length / 2)}`, 'hex')
  const k1 = hmac('md5', ntHash(Buffer.from(pw)), Uint8Array.of(algorithm === 'krb5tgs' ? 2 : 8, 0, 0, 0))
  const checksum = hmac('md5', k1, plain)
  const edata = rc4(hmac('md5', k1, checksum), plain)
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
  return algorithm === 'krb5tgs'
    ? `$krb5tgs$23$*${pick(LETTERS, 3 + next(6))}$${pick(LETTERS, 4).toUpperCase()}.LOCAL$MSSQLSvc/${pick(LETTERS, 5)}.local:1433*$${hex(checksum)}$${hex(edata)}`
    : `$krb5asrep$23$${pick(LETTERS, 3 + next(6))}@${pick(LETTERS, 4).toUpperCase()}.LOCAL:${hex(checksum)}$${hex(edata)}`
}

// An AES ticket (etype 17 or 18): 16 bytes of confounder and the same ASN.1 start, encrypted with
// AES-CBC and ciphertext stealing (the last two blocks swapped, the last cut to its length).
function kerberosAes (algorithm: 'krb5tgs-aes128' | 'krb5tgs-aes256', pw: string): string {
  const user = pick(LETTERS, 3 + next(6))
  const realm = `${pick(LETTERS, 4)}.local`
  const length = 300 + next(200)
  const body = `6382${(length - 4).toString(16).padStart(4, '0')}3082${(length - 8).toString(16).padStart(4, '0')}a00703050040a00000`
  const plain = Buffer.from(`${hexOf(16)}${body}${hexOf(length - body.length / 2)}`, 'hex')
  const { encryption, integrity } = kerberosAesKeys(Buffer.from(pw), Buffer.from(realm.toUpperCase() + user), algorithm === 'krb5tgs-aes128' ? 16 : 32)
  const padded = Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)])
  const chained = Buffer.from(aesEncrypt(encryption, padded, true))
  const blocks = padded.length / 16
  const edata = Buffer.concat([chained.subarray(0, 16 * (blocks - 2)), chained.subarray(16 * (blocks - 1)), chained.subarray(16 * (blocks - 2), 16 * (blocks - 2) + plain.length - 16 * (blocks - 1))])
  const checksum = Buffer.from(hmac('sha1', integrity, plain)).subarray(0, 12)
  return `$krb5tgs$${algorithm === 'krb5tgs-aes128' ? 17 : 18}$${user}$${realm}$${next(2) ? `*MSSQLSvc/${user}.local:1433*$` : ''}${checksum.toString('hex')}$${edata.toString('hex')}`
}

function line (algorithm: Algorithm, pw: string): string {
  if (algorithm === 'krb5tgs' || algorithm === 'krb5asrep') return kerberos(algorithm, pw)
  if (algorithm === 'krb5tgs-aes128' || algorithm === 'krb5tgs-aes256') return formatTarget(algorithm, parseTarget(algorithm, kerberosAes(algorithm, pw)))
  const target = parseTarget(algorithm, TEMPLATES[algorithm]!())
  const { salt, rounds } = targetParts(algorithm, target)
  target.set(digestOf(algorithm, Buffer.from(pw), salt, rounds))
  return formatTarget(algorithm, target)
}

const MODES: Algorithm[] = ['sha256crypt', 'lm', 'netntlmv1', 'netntlmv2', 'dcc2', 'krb5tgs', 'krb5asrep', 'mysql', 'phpass', 'django', 'bcrypt', 'wpa', 'krb5tgs-aes128', 'krb5tgs-aes256']
const TARGETS = 4
const words: string[] = []
for (const algorithm of MODES) {
  const lines: string[] = []
  for (let i = 0; i <= TARGETS; i++) {
    const pw = password(algorithm)
    lines.push(line(algorithm, pw))
    if (i < TARGETS) words.push(pw) // the last is not in the wordlist: --show leaves it out
  }
  writeFileSync(new URL(`${infoOf(algorithm).hashcat}.hashes`, dir), lines.join('\n') + '\n')
}
for (let i = 0; i < 200; i++) words.splice(next(words.length + 1), 0, pick(ALNUM, 4 + next(10)))
writeFileSync(new URL('words.txt', dir), words.join('\n') + '\n')
