// The hash algorithms a job may use, and their targets as users write them (hashcat's hash formats)
// and as they travel (bytes). An algorithm is a hash function over the plaintext, over a message made
// from it (NTLM: its UTF-16LE form; salted modes: the plaintext and a salt), a crypt scheme
// (md5crypt, sha256crypt, sha512crypt), or a scheme of its own (NetNTLM, Kerberos, DCC2, LM, bcrypt,
// phpass, MySQL, Django, WPA: shared/hashing/schemes/); shared/hashing/modes.ts computes them.
//
// A target travels as bytes: the digest, then the salt (salted modes and md5crypt), for sha256crypt
// and sha512crypt the digest, its rounds (4 bytes, big-endian; 0 when the hash did not say) and the
// salt, and for a scheme the digest and its parameters (fields the scheme packed).
// Its text (hashcat's format, what the potfile and results show) is `formatTarget`.
import { InvalidInputError } from './errors.ts'
import { isHexForm, decodeHexForm } from './hex-form.ts'
import { SCHEMES, type SchemeName } from './hashing/schemes/index.ts'
import { ParamsError } from './hashing/schemes/scheme.ts'
import { BCRYPT_MAX_PASSWORD_BYTES } from './hashing/schemes/bcrypt.ts'
import { LM_HALF_BYTES } from './hashing/schemes/windows.ts'
import { WPA_PASSPHRASE_BYTES } from './hashing/schemes/wpa.ts'

export const ALGORITHMS = [
  'md5', 'sha1', 'sha256', 'sha512', 'ntlm',
  'md5-pass-salt', 'md5-salt-pass', 'sha1-pass-salt', 'sha1-salt-pass',
  'sha256-pass-salt', 'sha256-salt-pass', 'sha512-pass-salt', 'sha512-salt-pass',
  'md5crypt', 'sha256crypt', 'sha512crypt',
  'lm', 'netntlmv1', 'netntlmv2', 'dcc2', 'krb5tgs', 'krb5asrep', 'krb5tgs-aes128', 'krb5tgs-aes256', 'mysql', 'phpass', 'django', 'bcrypt', 'wpa'
] as const
// A mode we have no kernel for, passed through to hashcat workers by its number ("hashcat-1500"):
// its targets are hash lines as hashcat's parser wrote them back, its finds confirmed by a hashcat
// worker (docs/attacks.md, "Any hashcat mode").
export type PassThrough = `hashcat-${number}`
export type KnownAlgorithm = typeof ALGORITHMS[number]
export type Algorithm = KnownAlgorithm | PassThrough
// The hash functions kernels compute (defined beside their reference, which imports nothing of this file).
export { HASH_FUNCTIONS, type HashFunction } from './hashing/scalar.ts'
import type { HashFunction } from './hashing/scalar.ts'

// With this few targets (of one salt) the kernels compare each candidate with them directly, and MD5's
// and MD4's work back from them: the fastest path (worker/search/targets.ts). The server keeps work
// verification's canaries within it (server/verification.ts).
export const MAX_COMPARED_TARGETS = 4

// How an algorithm's targets are written and what they hold.
export type Kind = 'plain' | 'salted' | 'crypt' | 'scheme' | 'hashcat'
// `name`: hashcat's (`hashcat --example-hashes -m N`). `cost`: about how many MD5 candidates one
// candidate costs, for sizing work before a worker's speed for it is measured (hashcat -b on a 2-core
// EPYC: MD5 416 MH/s, md5crypt 7,513 H/s, sha512crypt 1,493 H/s; bench/ has the rest). Unset: as MD5.
// `hash`: the function the kernels compute (a scheme computes its own digests and compares them
// whole: its `hash` only types the search's unused prefilter). `shadow`: its hashes may come as shadow-file lines. `lengths`: the plaintexts it can have,
// in bytes (a candidate of another length is tried and matches nothing).
type Info = { hashcat: number, name: string, hash: HashFunction, digestBytes: number, kind: Kind, saltFirst?: boolean, article: string, cost?: number, shadow?: true, lengths?: { min: number, max: number } }

export const ALGORITHM_INFO: Record<KnownAlgorithm, Info> = {
  md5: { hashcat: 0, name: 'MD5', hash: 'md5', digestBytes: 16, kind: 'plain', article: 'an md5' },
  sha1: { hashcat: 100, name: 'SHA1', hash: 'sha1', digestBytes: 20, kind: 'plain', article: 'a sha1' },
  sha256: { hashcat: 1400, name: 'SHA2-256', hash: 'sha256', digestBytes: 32, kind: 'plain', article: 'a sha256' },
  sha512: { hashcat: 1700, name: 'SHA2-512', hash: 'sha512', digestBytes: 64, kind: 'plain', article: 'a sha512' },
  ntlm: { hashcat: 1000, name: 'NTLM', hash: 'md4', digestBytes: 16, kind: 'plain', article: 'an ntlm' },
  'md5-pass-salt': { hashcat: 10, name: 'md5($pass.$salt)', hash: 'md5', digestBytes: 16, kind: 'salted', article: 'an md5($pass.$salt)' },
  'md5-salt-pass': { hashcat: 20, name: 'md5($salt.$pass)', hash: 'md5', digestBytes: 16, kind: 'salted', saltFirst: true, article: 'an md5($salt.$pass)' },
  'sha1-pass-salt': { hashcat: 110, name: 'sha1($pass.$salt)', hash: 'sha1', digestBytes: 20, kind: 'salted', article: 'a sha1($pass.$salt)' },
  'sha1-salt-pass': { hashcat: 120, name: 'sha1($salt.$pass)', hash: 'sha1', digestBytes: 20, kind: 'salted', saltFirst: true, article: 'a sha1($salt.$pass)' },
  'sha256-pass-salt': { hashcat: 1410, name: 'sha256($pass.$salt)', hash: 'sha256', digestBytes: 32, kind: 'salted', article: 'a sha256($pass.$salt)' },
  'sha256-salt-pass': { hashcat: 1420, name: 'sha256($salt.$pass)', hash: 'sha256', digestBytes: 32, kind: 'salted', saltFirst: true, article: 'a sha256($salt.$pass)' },
  'sha512-pass-salt': { hashcat: 1710, name: 'sha512($pass.$salt)', hash: 'sha512', digestBytes: 64, kind: 'salted', article: 'a sha512($pass.$salt)' },
  'sha512-salt-pass': { hashcat: 1720, name: 'sha512($salt.$pass)', hash: 'sha512', digestBytes: 64, kind: 'salted', saltFirst: true, article: 'a sha512($salt.$pass)' },
  md5crypt: { hashcat: 500, name: 'md5crypt, MD5 (Unix), Cisco-IOS $1$ (MD5)', hash: 'md5', digestBytes: 16, kind: 'crypt', article: 'an md5crypt ($1$)', cost: 50_000, shadow: true },
  sha256crypt: { hashcat: 7400, name: 'sha256crypt $5$, SHA256 (Unix)', hash: 'sha256', digestBytes: 32, kind: 'crypt', article: 'a sha256crypt ($5$)', cost: 150_000, shadow: true },
  sha512crypt: { hashcat: 1800, name: 'sha512crypt $6$, SHA512 (Unix)', hash: 'sha512', digestBytes: 64, kind: 'crypt', article: 'a sha512crypt ($6$)', cost: 250_000, shadow: true },
  lm: { hashcat: 3000, name: 'LM', hash: 'md5', digestBytes: 8, kind: 'scheme', article: 'an LM (one half, 16 hex digits)', cost: 10, lengths: { min: 0, max: LM_HALF_BYTES } },
  netntlmv1: { hashcat: 5500, name: 'NetNTLMv1 / NetNTLMv1+ESS', hash: 'md4', digestBytes: 24, kind: 'scheme', article: 'a NetNTLMv1', cost: 10 },
  netntlmv2: { hashcat: 5600, name: 'NetNTLMv2', hash: 'md5', digestBytes: 16, kind: 'scheme', article: 'a NetNTLMv2', cost: 10 },
  dcc2: { hashcat: 2100, name: 'Domain Cached Credentials 2 (DCC2), MS Cache 2', hash: 'sha1', digestBytes: 16, kind: 'scheme', article: 'a DCC2 ($DCC2$)', cost: 40_000 },
  krb5tgs: { hashcat: 13100, name: 'Kerberos 5, etype 23, TGS-REP', hash: 'md5', digestBytes: 16, kind: 'scheme', article: 'a Kerberos TGS-REP ($krb5tgs$23$)', cost: 50 },
  krb5asrep: { hashcat: 18200, name: 'Kerberos 5, etype 23, AS-REP', hash: 'md5', digestBytes: 16, kind: 'scheme', article: 'a Kerberos AS-REP ($krb5asrep$23$)', cost: 50 },
  'krb5tgs-aes128': { hashcat: 19600, name: 'Kerberos 5, etype 17, TGS-REP', hash: 'sha1', digestBytes: 12, kind: 'scheme', article: 'a Kerberos AES128 TGS-REP ($krb5tgs$17$)', cost: 40_000 },
  'krb5tgs-aes256': { hashcat: 19700, name: 'Kerberos 5, etype 18, TGS-REP', hash: 'sha1', digestBytes: 12, kind: 'scheme', article: 'a Kerberos AES256 TGS-REP ($krb5tgs$18$)', cost: 40_000 },
  mysql: { hashcat: 300, name: 'MySQL4.1/MySQL5', hash: 'sha1', digestBytes: 20, kind: 'scheme', article: 'a MySQL4.1/5', cost: 4 },
  phpass: { hashcat: 400, name: 'phpass', hash: 'md5', digestBytes: 16, kind: 'scheme', article: 'a phpass ($P$ or $H$)', cost: 4_000 },
  django: { hashcat: 10000, name: 'Django (PBKDF2-SHA256)', hash: 'sha256', digestBytes: 32, kind: 'scheme', article: 'a Django PBKDF2-SHA256', cost: 60_000 },
  bcrypt: { hashcat: 3200, name: 'bcrypt $2*$, Blowfish (Unix)', hash: 'md5', digestBytes: 23, kind: 'scheme', article: 'a bcrypt ($2a$, $2b$ or $2y$)', cost: 300_000, shadow: true, lengths: { min: 0, max: BCRYPT_MAX_PASSWORD_BYTES } },
  wpa: { hashcat: 22000, name: 'WPA-PBKDF2-PMKID+EAPOL', hash: 'sha1', digestBytes: 16, kind: 'scheme', article: 'a WPA (WPA*01* or WPA*02*)', cost: 40_000, lengths: WPA_PASSPHRASE_BYTES }
}

// hashcat's mode numbers go up to 5 digits.
export const MAX_HASHCAT_MODE = 99_999
// A passed-through mode's cost is unknown until a worker measures it (7-Zip runs a thousand
// candidates a second on a CPU, descrypt millions): its first chunks are sized as for a slow mode.
const PASS_THROUGH_COST = 1_000

// What we know of an algorithm; of a passed-through mode, its number.
export function infoOf (algorithm: Algorithm): Info {
  if (!isPassThrough(algorithm)) return ALGORITHM_INFO[algorithm]
  const mode = passThroughMode(algorithm)
  return { hashcat: mode, name: `hashcat -m ${mode}`, hash: 'md5', digestBytes: 0, kind: 'hashcat', article: `a hashcat -m ${mode}`, cost: PASS_THROUGH_COST }
}

export function isPassThrough (algorithm: string): algorithm is PassThrough {
  return /^hashcat-(0|[1-9][0-9]{0,4})$/.test(algorithm) && !Object.hasOwn(HASHCAT_MODES, algorithm.slice(8))
}

export const passThroughMode = (algorithm: PassThrough): number => Number(algorithm.slice(8))

// An amount of MD5 work (candidates) as the same work in `algorithm`: divided by its cost, at least 1.
export function scaledByCost (algorithm: Algorithm, amount: number): number {
  return Math.max(1, Math.floor(amount / (infoOf(algorithm).cost ?? 1)))
}

// hashcat's -m numbers, so users can keep the names they know.
export const HASHCAT_MODES: Record<string, KnownAlgorithm> = Object.fromEntries(ALGORITHMS.map((a) => [String(infoOf(a).hashcat), a]))

// Every mode, by hashcat's number.
export const modesByNumber = (): KnownAlgorithm[] => [...ALGORITHMS].sort((a, b) => infoOf(a).hashcat - infoOf(b).hashcat)

// What the mode table ends with.
export const PASS_THROUGH_NOTE = 'Any other of hashcat\'s -m numbers N runs as hashcat-N on hashcat workers only: each find confirmed by another worker\'s hashcat, no canaries (docs/attacks.md).'

// Every mode as a table, by hashcat's number: its number, our name, hashcat's name (--help, ctl
// modes).
export function modeTable (): string[] {
  const rows = modesByNumber()
  const width = Math.max(...rows.map((a) => a.length))
  return [`${'-m'.padStart(5)}  ${'name'.padEnd(width)}  hashcat's name`, ...rows.map((a) => `${String(infoOf(a).hashcat).padStart(5)}  ${a.padEnd(width)}  ${infoOf(a).name}`), PASS_THROUGH_NOTE]
}

// Salts hashcat's generic salted modes take (its limit for -m 10 and friends).
export const MAX_SALT_BYTES = 256
type CryptAlgorithm = 'md5crypt' | 'sha256crypt' | 'sha512crypt'
const CRYPT_SALT_BYTES: Record<CryptAlgorithm, number> = { md5crypt: 8, sha256crypt: 16, sha512crypt: 16 }
// sha256crypt's and sha512crypt's rounds: the default, and the bounds the scheme clamps to.
export const SHA_CRYPT_ROUNDS = { default: 5000, min: 1000, max: 999_999_999 }
// The largest target: a Kerberos ticket's (its encrypted part is up to 20 KiB).
export const MAX_TARGET_BYTES = 24 * 1024

const hasRounds = (algorithm: Algorithm) => algorithm === 'sha256crypt' || algorithm === 'sha512crypt'
const schemeOf = (algorithm: Algorithm) => SCHEMES[algorithm as SchemeName]

export function isKnownAlgorithm (value: unknown): value is KnownAlgorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value)
}

export function isAlgorithm (value: unknown): value is Algorithm {
  return isKnownAlgorithm(value) || (typeof value === 'string' && isPassThrough(value))
}

// hashcat's names, lower-cased, and each part of a name hashcat writes as several
// ("sha512crypt $6$, SHA512 (Unix)": "sha512crypt $6$" and "sha512 (unix)"), where only one mode has it.
const HASHCAT_NAMES: Map<string, Algorithm> = (() => {
  const names = new Map<string, Algorithm | null>()
  for (const algorithm of ALGORITHMS) {
    const full = infoOf(algorithm).name.toLowerCase()
    for (const name of new Set([full, ...full.split(/, | \/ /)])) names.set(name, names.has(name) && names.get(name) !== algorithm ? null : algorithm)
  }
  return new Map([...names].filter((entry): entry is [string, Algorithm] => entry[1] !== null))
})()

// hashcat's older WPA modes, whose captures hcxpcapngtool converts to 22000's lines.
const OLD_WPA_MODES = new Set(['2500', '2501', '16800', '16801'])

// Our names, hashcat's -m numbers, or hashcat's names where only one mode has them (case aside).
export function parseAlgorithm (text: string): Algorithm {
  const name = text.trim().toLowerCase()
  if (isAlgorithm(name)) return name
  if (isAlgorithm(name.replace('-', ''))) return name.replace('-', '') as Algorithm // sha-256
  if (Object.hasOwn(HASHCAT_MODES, name)) return HASHCAT_MODES[name]
  const named = HASHCAT_NAMES.get(name)
  if (named) return named
  if (OLD_WPA_MODES.has(name)) throw new InvalidInputError(`hashcat's -m ${name} is one of its older WPA modes: convert the capture with hcxpcapngtool and use -m 22000 (wpa)`)
  // A number that is no mode of ours: hashcat workers run it (hashcat itself says if it has it).
  if (/^(0|[1-9][0-9]*)$/.test(name) && Number(name) <= MAX_HASHCAT_MODE) return `hashcat-${Number(name)}`
  // Modes whose names hold what was typed, or whose name it holds ("netntlm", "kerberos", "wpa2").
  const near = name.length < 3 ? [] : modesByNumber().filter((a) => a.includes(name) || infoOf(a).name.toLowerCase().includes(name) || (a.length >= 3 && name.includes(a)))
  const hint = near.length > 0 ? `did you mean ${near.map((a) => `${a} (${infoOf(a).hashcat})`).join(', ')}? ` : ''
  throw new InvalidInputError(`unknown hash mode "${text}": ${hint}give our name, hashcat's -m number or hashcat's name for it (npm run ctl -- modes lists ours; any other -m number runs on hashcat workers)`)
}

// The modes `line` reads as, besides `algorithm` (for a line of another mode: "it reads as -m 1000").
// Only where a line is named in an error: it tries every parser.
export function modesReading (line: string, algorithm: Algorithm): Algorithm[] {
  return modesByNumber().filter((other) => {
    if (other === algorithm || infoOf(other).kind === 'salted') return false // a salted mode reads any digest:anything
    try {
      parseTarget(other, line)
      return true
    } catch {
      return false
    }
  })
}

const HEX = /^[0-9a-f]*$/

// A target as bytes, split back into its parts.
export type TargetParts = { digest: Uint8Array, salt: Uint8Array, rounds: number }

export function targetParts (algorithm: Algorithm, target: Uint8Array): TargetParts {
  const { digestBytes, kind } = infoOf(algorithm)
  if (kind === 'hashcat') return { digest: target, salt: target.subarray(target.length), rounds: 0 } // the whole line
  const digest = target.subarray(0, digestBytes)
  if (!hasRounds(algorithm)) return { digest, salt: target.subarray(digestBytes), rounds: 0 }
  const view = new DataView(target.buffer, target.byteOffset + digestBytes, 4)
  return { digest, salt: target.subarray(digestBytes + 4), rounds: view.getUint32(0) }
}

function targetBytes (digest: Uint8Array, salt: Uint8Array, rounds?: number): Uint8Array {
  const out = new Uint8Array(digest.length + (rounds === undefined ? 0 : 4) + salt.length)
  out.set(digest)
  if (rounds !== undefined) new DataView(out.buffer).setUint32(digest.length, rounds)
  out.set(salt, out.length - salt.length)
  return out
}

// A hash line of a mode we pass to hashcat: printable ASCII, 1 to MAX_TARGET_BYTES bytes.
export function isHashLine (line: Uint8Array): boolean {
  return line.length > 0 && line.length <= MAX_TARGET_BYTES && line.every((b) => b >= 0x20 && b < 0x7f)
}

// Whether `target` is a well-formed target of `algorithm` (as a peer might send it).
export function isTarget (algorithm: Algorithm, target: Uint8Array): boolean {
  const { digestBytes, kind } = infoOf(algorithm)
  if (kind === 'hashcat') return isHashLine(target)
  if (kind === 'plain') return target.length === digestBytes
  if (kind === 'salted') return target.length >= digestBytes && target.length <= digestBytes + MAX_SALT_BYTES
  if (kind === 'scheme') {
    if (target.length < digestBytes || target.length > MAX_TARGET_BYTES) return false
    try {
      schemeOf(algorithm).prepare(target.subarray(digestBytes))
      return true
    } catch (error) {
      if (error instanceof ParamsError) return false
      throw error
    }
  }
  const extra = hasRounds(algorithm) ? 4 : 0
  const saltBytes = target.length - digestBytes - extra
  return saltBytes >= 0 && saltBytes <= CRYPT_SALT_BYTES[algorithm as CryptAlgorithm]
}

export type ParseOptions = { hexSalt?: boolean }

// A target as users write it: a hex digest; `digest:salt` for salted modes (the salt in hex with
// hexSalt, or in hashcat's $HEX[..] form); `$1$salt$hash` and `$5$` or `$6$[rounds=N$]salt$hash` for
// crypt; a scheme's own format (hashcat's).
export function parseTarget (algorithm: Algorithm, text: string, options: ParseOptions = {}): Uint8Array {
  const info = infoOf(algorithm)
  const fail = (why: string): never => { throw new InvalidInputError(`"${text.length > 80 ? text.slice(0, 80) + '…' : text}" is not ${info.article} hash: ${why}`) }
  if (info.kind === 'hashcat') { // read by a hashcat worker's parser before its job starts (server/pass-through.ts)
    const line = Buffer.from(text.trim(), 'latin1')
    if (!isTarget(algorithm, line)) fail(`a hash line of a mode we pass to hashcat must be printable ASCII, 1 to ${MAX_TARGET_BYTES} characters`)
    return Uint8Array.from(line)
  }
  if (info.kind === 'crypt') return parseCrypt(algorithm as CryptAlgorithm, text.trim(), fail)
  if (info.kind === 'scheme') {
    // A parsed target is one the scheme can prepare (a peer's are checked the same way: isTarget).
    try {
      const scheme = schemeOf(algorithm)
      const { digest, params } = scheme.parse(text, fail)
      scheme.prepare(params)
      const target = targetBytes(digest, params)
      if (target.length > MAX_TARGET_BYTES) fail(`it has ${target.length} bytes; at most ${MAX_TARGET_BYTES} are taken`)
      return target
    } catch (error) {
      if (error instanceof ParamsError) fail(error.message)
      throw error
    }
  }
  const colon = info.kind === 'salted' ? text.indexOf(':') : -1
  if (info.kind === 'salted' && colon < 0) fail('expected digest:salt')
  const hex = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase()
  if (hex.length !== info.digestBytes * 2 || !HEX.test(hex)) fail(`expected ${info.digestBytes * 2} hex digits${info.kind === 'salted' ? ' before the colon' : ''}`)
  const digest = Uint8Array.from(Buffer.from(hex, 'hex'))
  if (info.kind === 'plain') return digest
  const saltText = text.slice(colon + 1)
  let salt: Uint8Array
  if (options.hexSalt) {
    if (saltText.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(saltText)) fail('with --hex-salt the salt must be hex digits, an even number of them')
    salt = Uint8Array.from(Buffer.from(saltText, 'hex'))
  } else {
    const raw = Buffer.from(saltText, 'utf8')
    salt = isHexForm(raw) ? raw.subarray(0, decodeHexForm(raw, 0, raw.length, raw)) : raw
  }
  if (salt.length > MAX_SALT_BYTES) fail(`the salt has ${salt.length} bytes; at most ${MAX_SALT_BYTES}`)
  return targetBytes(digest, Uint8Array.from(salt))
}

// crypt(3)'s base64 alphabet; its digests are written in a scheme-specific byte order, 3 bytes to
// 4 characters, least significant character first.
const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
// Which digest bytes each group of three holds (md5crypt: 16 bytes, the last group one byte).
const MD5CRYPT_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]]
const SHA256CRYPT_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [31, 30]]
const SHA512CRYPT_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [63]
]

const CRYPT_ORDER: Record<CryptAlgorithm, number[][]> = { md5crypt: MD5CRYPT_ORDER, sha256crypt: SHA256CRYPT_ORDER, sha512crypt: SHA512CRYPT_ORDER }
const CRYPT_ID: Record<CryptAlgorithm, string> = { md5crypt: '$1$', sha256crypt: '$5$', sha512crypt: '$6$' }

export function encodeCrypt64 (algorithm: CryptAlgorithm, digest: Uint8Array): string {
  let out = ''
  for (const group of CRYPT_ORDER[algorithm]) {
    let value = 0
    for (const i of group) value = (value << 8) | digest[i]
    for (let c = 0; c < [2, 3, 4][group.length - 1]; c++, value >>>= 6) out += CRYPT64[value & 63]
  }
  return out
}

function decodeCrypt64 (algorithm: CryptAlgorithm, text: string): Uint8Array | null {
  const digest = new Uint8Array(infoOf(algorithm).digestBytes)
  let at = 0
  for (const group of CRYPT_ORDER[algorithm]) {
    const chars = [2, 3, 4][group.length - 1]
    let value = 0
    for (let c = chars - 1; c >= 0; c--) {
      const char = text[at + c]
      const v = char === undefined ? -1 : CRYPT64.indexOf(char)
      if (v < 0) return null
      value = value * 64 + v
    }
    at += chars
    if (value >= 2 ** (8 * group.length)) return null // a non-canonical last character
    for (let i = group.length - 1; i >= 0; i--, value = Math.floor(value / 256)) digest[group[i]] = value & 0xff
  }
  return at === text.length ? digest : null
}

function parseCrypt (algorithm: CryptAlgorithm, text: string, fail: (why: string) => never): Uint8Array {
  const id = CRYPT_ID[algorithm]
  if (!text.startsWith(id)) fail(`expected it to start with ${id}`)
  const fields = text.slice(3).split('$')
  let rounds: number | undefined
  if (hasRounds(algorithm)) {
    rounds = 0
    const given = /^rounds=([0-9]+)$/.exec(fields[0])
    if (given && fields.length === 3) {
      rounds = Math.min(SHA_CRYPT_ROUNDS.max, Math.max(SHA_CRYPT_ROUNDS.min, Number(given[1])))
      fields.shift()
    }
  }
  if (fields.length !== 2) fail(`expected ${id}salt$hash`)
  const [salt, encoded] = fields
  if (salt.length > CRYPT_SALT_BYTES[algorithm]) fail(`its salt has ${salt.length} characters; the scheme uses at most ${CRYPT_SALT_BYTES[algorithm]}`)
  const digest = decodeCrypt64(algorithm, encoded)
  if (!digest) fail(`expected ${{ md5crypt: 22, sha256crypt: 43, sha512crypt: 86 }[algorithm]} characters of crypt's base64 after the salt`)
  return targetBytes(digest!, Buffer.from(salt, 'latin1'), rounds)
}

// A target in hashcat's format, as the potfile and the results show it (and parseTarget reads back).
export function formatTarget (algorithm: Algorithm, target: Uint8Array): string {
  const info = infoOf(algorithm)
  if (info.kind === 'plain') return toHex(target)
  if (info.kind === 'hashcat') return Buffer.from(target).toString('latin1')
  const { digest, salt, rounds } = targetParts(algorithm, target)
  if (info.kind === 'salted') return `${toHex(digest)}:${formatSalt(salt)}`
  if (info.kind === 'scheme') return schemeOf(algorithm).format(digest, salt)
  const encoded = encodeCrypt64(algorithm as CryptAlgorithm, digest)
  const saltText = Buffer.from(salt).toString('latin1')
  return `${CRYPT_ID[algorithm as CryptAlgorithm]}${rounds ? `rounds=${rounds}$` : ''}${saltText}$${encoded}`
}

// The key hashcat's potfile keeps a result under: the hash's text, or a scheme's own (WPA's PMK and
// ESSID).
export function potfileKey (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array): string {
  const form = potfileForm(algorithm)
  if (!form) return formatTarget(algorithm, target)
  const { digest, salt } = targetParts(algorithm, target)
  return form.key(digest, salt, plaintext)
}

// What a potfile is searched by for a target's result: its text, or the part of a scheme's own key
// it knows (Potfile indexes those parts).
export function potfileLookup (algorithm: Algorithm, target: Uint8Array): string {
  const form = potfileForm(algorithm)
  if (!form) return formatTarget(algorithm, target)
  const { digest, salt } = targetParts(algorithm, target)
  return form.lookup(digest, salt)
}

// A result's hash as hashcat shows it (--show, and as it cracks).
export function shownHash (algorithm: Algorithm, target: Uint8Array): string {
  const form = potfileForm(algorithm)
  if (!form) return formatTarget(algorithm, target)
  const { digest, salt } = targetParts(algorithm, target)
  return form.shown(digest, salt)
}

export const hasPotfileForm = (algorithm: Algorithm): boolean => potfileForm(algorithm) !== undefined
const potfileForm = (algorithm: Algorithm) => (infoOf(algorithm).kind === 'scheme' ? schemeOf(algorithm).potfile : undefined)

// A salt as text when it reads back the same, else in hashcat's $HEX[..] form.
function formatSalt (salt: Uint8Array): string {
  const text = Buffer.from(salt).toString('utf8')
  const plain = Buffer.from(text, 'utf8').equals(salt) && !/[\x00-\x1f\x7f]/.test(text) && !isHexForm(salt)
  return plain ? text : `$HEX[${toHex(salt)}]`
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
