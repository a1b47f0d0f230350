// The hash algorithms a job may use, and their targets as users write them (hashcat's hash formats)
// and as they travel (bytes). An algorithm is a hash function over the plaintext, over a message made
// from it (NTLM: its UTF-16LE form; salted modes: the plaintext and a salt), or a crypt scheme
// (md5crypt, sha512crypt); shared/hashing/modes.ts computes them.
//
// A target travels as bytes: the digest, then the salt (salted modes and md5crypt), and for
// sha512crypt the digest, its rounds (4 bytes, big-endian; 0 when the hash did not say) and the salt.
// Its text (hashcat's format, what the potfile and results show) is `formatTarget`.
import { InvalidInputError } from './errors.ts'
import { isHexForm, decodeHexForm } from './hex-form.ts'

export const ALGORITHMS = [
  'md5', 'sha1', 'sha256', 'sha512', 'ntlm',
  'md5-pass-salt', 'md5-salt-pass', 'sha1-pass-salt', 'sha1-salt-pass',
  'sha256-pass-salt', 'sha256-salt-pass', 'sha512-pass-salt', 'sha512-salt-pass',
  'md5crypt', 'sha512crypt'
] as const
export type Algorithm = typeof ALGORITHMS[number]
// The hash functions kernels compute.
export const HASH_FUNCTIONS = ['md4', 'md5', 'sha1', 'sha256', 'sha512'] as const
export type HashFunction = typeof HASH_FUNCTIONS[number]

// With this few targets (of one salt) the kernels compare each candidate with them directly, and MD5's
// and MD4's work back from them: the fastest path (worker/search/targets.ts). The server keeps work
// verification's canaries within it (server/verification.ts).
export const MAX_COMPARED_TARGETS = 4

// How an algorithm's targets are written and what they hold.
export type Kind = 'plain' | 'salted' | 'crypt'
// `cost`: about how many MD5 candidates one candidate costs, for sizing work before a worker's speed
// for it is measured (hashcat -b on a 2-core EPYC: MD5 400.8 MH/s, md5crypt 7,513 H/s, sha512crypt
// 1,493 H/s). Unset: as MD5.
type Info = { hashcat: number, hash: HashFunction, digestBytes: number, kind: Kind, saltFirst?: boolean, article: string, cost?: number }

export const ALGORITHM_INFO: Record<Algorithm, Info> = {
  md5: { hashcat: 0, hash: 'md5', digestBytes: 16, kind: 'plain', article: 'an md5' },
  sha1: { hashcat: 100, hash: 'sha1', digestBytes: 20, kind: 'plain', article: 'a sha1' },
  sha256: { hashcat: 1400, hash: 'sha256', digestBytes: 32, kind: 'plain', article: 'a sha256' },
  sha512: { hashcat: 1700, hash: 'sha512', digestBytes: 64, kind: 'plain', article: 'a sha512' },
  ntlm: { hashcat: 1000, hash: 'md4', digestBytes: 16, kind: 'plain', article: 'an ntlm' },
  'md5-pass-salt': { hashcat: 10, hash: 'md5', digestBytes: 16, kind: 'salted', article: 'an md5($pass.$salt)' },
  'md5-salt-pass': { hashcat: 20, hash: 'md5', digestBytes: 16, kind: 'salted', saltFirst: true, article: 'an md5($salt.$pass)' },
  'sha1-pass-salt': { hashcat: 110, hash: 'sha1', digestBytes: 20, kind: 'salted', article: 'a sha1($pass.$salt)' },
  'sha1-salt-pass': { hashcat: 120, hash: 'sha1', digestBytes: 20, kind: 'salted', saltFirst: true, article: 'a sha1($salt.$pass)' },
  'sha256-pass-salt': { hashcat: 1410, hash: 'sha256', digestBytes: 32, kind: 'salted', article: 'a sha256($pass.$salt)' },
  'sha256-salt-pass': { hashcat: 1420, hash: 'sha256', digestBytes: 32, kind: 'salted', saltFirst: true, article: 'a sha256($salt.$pass)' },
  'sha512-pass-salt': { hashcat: 1710, hash: 'sha512', digestBytes: 64, kind: 'salted', article: 'a sha512($pass.$salt)' },
  'sha512-salt-pass': { hashcat: 1720, hash: 'sha512', digestBytes: 64, kind: 'salted', saltFirst: true, article: 'a sha512($salt.$pass)' },
  md5crypt: { hashcat: 500, hash: 'md5', digestBytes: 16, kind: 'crypt', article: 'an md5crypt ($1$)', cost: 50_000 },
  sha512crypt: { hashcat: 1800, hash: 'sha512', digestBytes: 64, kind: 'crypt', article: 'a sha512crypt ($6$)', cost: 250_000 }
}

// An amount of MD5 work (candidates) as the same work in `algorithm`: divided by its cost, at least 1.
export function scaledByCost (algorithm: Algorithm, amount: number): number {
  return Math.max(1, Math.floor(amount / (ALGORITHM_INFO[algorithm].cost ?? 1)))
}

// hashcat's -m numbers, so users can keep the names they know.
export const HASHCAT_MODES: Record<string, Algorithm> = Object.fromEntries(ALGORITHMS.map((a) => [String(ALGORITHM_INFO[a].hashcat), a]))

// Salts hashcat's generic salted modes take (its limit for -m 10 and friends).
export const MAX_SALT_BYTES = 256
const CRYPT_SALT_BYTES = { md5crypt: 8, sha512crypt: 16 }
// sha512crypt's rounds: the default, and the bounds the scheme clamps to.
export const SHA512CRYPT_ROUNDS = { default: 5000, min: 1000, max: 999_999_999 }
export const MAX_TARGET_BYTES = 64 + 4 + MAX_SALT_BYTES

export function isAlgorithm (value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value)
}

export function parseAlgorithm (text: string): Algorithm {
  const name = text.trim().toLowerCase()
  if (isAlgorithm(name)) return name
  if (isAlgorithm(name.replace('-', ''))) return name.replace('-', '') as Algorithm // sha-256
  if (Object.hasOwn(HASHCAT_MODES, name)) return HASHCAT_MODES[name]
  throw new InvalidInputError(`unknown algorithm "${text}": use one of ${ALGORITHMS.join(', ')} (or hashcat's -m ${Object.keys(HASHCAT_MODES).join(', ')})`)
}

const HEX = /^[0-9a-f]*$/

// A target as bytes, split back into its parts.
export type TargetParts = { digest: Uint8Array, salt: Uint8Array, rounds: number }

export function targetParts (algorithm: Algorithm, target: Uint8Array): TargetParts {
  const digestBytes = ALGORITHM_INFO[algorithm].digestBytes
  const digest = target.subarray(0, digestBytes)
  if (algorithm !== 'sha512crypt') return { digest, salt: target.subarray(digestBytes), rounds: 0 }
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

// Whether `target` is a well-formed target of `algorithm` (as a peer might send it).
export function isTarget (algorithm: Algorithm, target: Uint8Array): boolean {
  const { digestBytes, kind } = ALGORITHM_INFO[algorithm]
  if (kind === 'plain') return target.length === digestBytes
  if (kind === 'salted') return target.length >= digestBytes && target.length <= digestBytes + MAX_SALT_BYTES
  const extra = algorithm === 'sha512crypt' ? 4 : 0
  const saltBytes = target.length - digestBytes - extra
  return saltBytes >= 0 && saltBytes <= CRYPT_SALT_BYTES[algorithm as 'md5crypt' | 'sha512crypt']
}

export type ParseOptions = { hexSalt?: boolean }

// A target as users write it: a hex digest; `digest:salt` for salted modes (the salt in hex with
// hexSalt, or in hashcat's $HEX[..] form); `$1$salt$hash` and `$6$[rounds=N$]salt$hash` for crypt.
export function parseTarget (algorithm: Algorithm, text: string, options: ParseOptions = {}): Uint8Array {
  const info = ALGORITHM_INFO[algorithm]
  const fail = (why: string): never => { throw new InvalidInputError(`"${text.length > 80 ? text.slice(0, 80) + '…' : text}" is not ${info.article} hash: ${why}`) }
  if (info.kind === 'crypt') return parseCrypt(algorithm as 'md5crypt' | 'sha512crypt', text.trim(), fail)
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
const SHA512CRYPT_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [63]
]

function cryptOrder (algorithm: 'md5crypt' | 'sha512crypt'): number[][] {
  return algorithm === 'md5crypt' ? MD5CRYPT_ORDER : SHA512CRYPT_ORDER
}

export function encodeCrypt64 (algorithm: 'md5crypt' | 'sha512crypt', digest: Uint8Array): string {
  let out = ''
  for (const group of cryptOrder(algorithm)) {
    let value = 0
    for (const i of group) value = (value << 8) | digest[i]
    for (let c = 0; c < [2, 3, 4][group.length - 1]; c++, value >>>= 6) out += CRYPT64[value & 63]
  }
  return out
}

function decodeCrypt64 (algorithm: 'md5crypt' | 'sha512crypt', text: string): Uint8Array | null {
  const digest = new Uint8Array(algorithm === 'md5crypt' ? 16 : 64)
  let at = 0
  for (const group of cryptOrder(algorithm)) {
    const chars = [2, 3, 4][group.length - 1]
    let value = 0
    for (let c = chars - 1; c >= 0; c--) {
      const v = CRYPT64.indexOf(text[at + c] ?? '')
      if (v < 0) return null
      value = value * 64 + v
    }
    at += chars
    if (value >= 2 ** (8 * group.length)) return null // a non-canonical last character
    for (let i = group.length - 1; i >= 0; i--, value = Math.floor(value / 256)) digest[group[i]] = value & 0xff
  }
  return at === text.length ? digest : null
}

function parseCrypt (algorithm: 'md5crypt' | 'sha512crypt', text: string, fail: (why: string) => never): Uint8Array {
  const id = algorithm === 'md5crypt' ? '$1$' : '$6$'
  if (!text.startsWith(id)) fail(`expected it to start with ${id}`)
  const fields = text.slice(3).split('$')
  let rounds: number | undefined
  if (algorithm === 'sha512crypt') {
    rounds = 0
    const given = /^rounds=([0-9]+)$/.exec(fields[0])
    if (given && fields.length === 3) {
      rounds = Math.min(SHA512CRYPT_ROUNDS.max, Math.max(SHA512CRYPT_ROUNDS.min, Number(given[1])))
      fields.shift()
    }
  }
  if (fields.length !== 2) fail(`expected ${id}salt$hash`)
  const [salt, encoded] = fields
  if (salt.length > CRYPT_SALT_BYTES[algorithm]) fail(`its salt has ${salt.length} characters; the scheme uses at most ${CRYPT_SALT_BYTES[algorithm]}`)
  const digest = decodeCrypt64(algorithm, encoded)
  if (!digest) fail(`expected ${algorithm === 'md5crypt' ? 22 : 86} characters of crypt's base64 after the salt`)
  return targetBytes(digest!, Buffer.from(salt, 'latin1'), rounds)
}

// A target in hashcat's format, as the potfile and the results show it (and parseTarget reads back).
export function formatTarget (algorithm: Algorithm, target: Uint8Array): string {
  const info = ALGORITHM_INFO[algorithm]
  if (info.kind === 'plain') return toHex(target)
  const { digest, salt, rounds } = targetParts(algorithm, target)
  if (info.kind === 'salted') return `${toHex(digest)}:${formatSalt(salt)}`
  const encoded = encodeCrypt64(algorithm as 'md5crypt' | 'sha512crypt', digest)
  const saltText = Buffer.from(salt).toString('latin1')
  if (algorithm === 'md5crypt') return `$1$${saltText}$${encoded}`
  return `$6$${rounds ? `rounds=${rounds}$` : ''}${saltText}$${encoded}`
}

// A salt as text when it reads back the same, else in hashcat's $HEX[..] form.
function formatSalt (salt: Uint8Array): string {
  const text = Buffer.from(salt).toString('utf8')
  const plain = Buffer.from(text, 'utf8').equals(salt) && !/[\x00-\x1f\x7f]/.test(text) && !isHexForm(salt)
  return plain ? text : `$HEX[${toHex(salt)}]`
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
