// Kerberos 5 with RC4-HMAC (etype 23): service tickets asked for a user's SPN (Kerberoasting,
// -m 13100, `$krb5tgs$23$*user$realm$spn*$checksum$edata2`) and AS-REP replies for accounts without
// pre-authentication (-m 18200, `$krb5asrep$23$user@realm:checksum$edata2`). The key is the NT hash;
// RFC 4757 §3: K1 = HMAC-MD5(key, usage), K3 = HMAC-MD5(K1, checksum), the ticket part RC4-decrypted
// with K3, and its checksum HMAC-MD5(K1, plaintext). The digest a find is compared on is that checksum.
import { randomBytes } from 'node:crypto'
import { aesDecrypt, aesEncrypt, hmac, hmacMd5, pbkdf2, rc4 } from '../primitives.ts'
import { ntHash } from '../nt.ts'
import { ParamsError, hex, hexField, packFields, text, unpackFields, utf8, type Scheme } from './scheme.ts'

// hashcat's bounds on the encrypted part (module_13100.c, module_18200.c).
export const KERBEROS_EDATA_BYTES = { min: 32, max: 20_480 }

type Prepared = { checksum: Uint8Array, edata: Uint8Array }

// `prefix`: the mode's signature; `account`: how the account part is written and ends (the rest is
// `checksum$edata2`), null when the hash may not name one.
function kerberos (prefix: string, usage: number, account: RegExp): Scheme<Prepared> {
  const usageBytes = Uint8Array.of(usage, 0, 0, 0) // RFC 4757: little-endian
  return {
    parse (line, fail) {
      const trimmed = line.trim()
      if (!trimmed.startsWith(prefix)) fail(`expected it to start with ${prefix}`)
      const rest = trimmed.slice(prefix.length)
      const named = account.exec(rest)
      const name = named ? named[0] : ''
      const [checksumText, edataText, extra] = rest.slice(name.length).split('$')
      if (edataText === undefined || extra !== undefined) fail(`expected ${prefix}[account]checksum$edata2`)
      const digest = hexField(checksumText, 'checksum', fail, 16)
      const edata = hexField(edataText, 'edata2', fail, undefined, KERBEROS_EDATA_BYTES.max)
      if (edata.length < KERBEROS_EDATA_BYTES.min) fail(`its edata2 has ${edata.length} bytes; at least ${KERBEROS_EDATA_BYTES.min}`)
      return { digest, params: packFields(utf8(name), digest, edata) }
    },
    format (digest, params) {
      const [name, , edata] = unpackFields(params, 3)
      return `${prefix}${text(name)}${hex(digest)}$${hex(edata)}`
    },
    prepare (params) {
      const [, checksum, edata] = unpackFields(params, 3)
      if (checksum.length !== 16 || edata.length < KERBEROS_EDATA_BYTES.min) throw new ParamsError('a Kerberos checksum has 16 bytes, its edata2 at least 32')
      return { checksum, edata }
    },
    compute (plaintext, { checksum, edata }) {
      const k1 = hmacMd5(ntHash(plaintext), usageBytes)
      return hmacMd5(k1, rc4(hmacMd5(k1, checksum), edata))
    },
    canary (plaintext, params) {
      const [name, , edata] = unpackFields(params, 3)
      const ticket = ticketPlaintext(usage === 2 ? TICKET_TAG : AS_REP_TAG, 8, edata.length)
      const k1 = hmacMd5(ntHash(plaintext), usageBytes)
      const checksum = hmacMd5(k1, ticket)
      return { digest: checksum, params: packFields(name, checksum, rc4(hmacMd5(k1, checksum), ticket)) }
    }
  }
}

// The ASN.1 application tags a ticket's decrypted part starts with: EncTicketPart, EncASRepPart.
const TICKET_TAG = 0x63
const AS_REP_TAG = 0x79

// A ticket's plaintext of `length` bytes as hashcat's kernels expect one: a random confounder, the
// tag with a 2-byte length, a SEQUENCE, the ticket flags' context tag, then random bytes.
function ticketPlaintext (tag: number, confounder: number, length: number): Uint8Array {
  const out = Uint8Array.from(randomBytes(length))
  const body = length - confounder
  out.set([tag, 0x82, (body - 4) >> 8, (body - 4) & 0xff, 0x30, 0x82, (body - 8) >> 8, (body - 8) & 0xff, 0xa0, 0x07, 0x03, 0x05, 0x00], confounder)
  return out
}

// The account part: `*user$realm$spn*$` (the SPN may hold `$`, never `*`) in a TGS-REP hash;
// everything up to the first colon in an AS-REP one (a machine account's name ends in `$`), which
// may be absent too.
export const krb5tgs = kerberos('$krb5tgs$23$', 2, /^\*[^*]*\*\$/)
export const krb5asrep = kerberos('$krb5asrep$23$', 8, /^[^:]*:/)

// Kerberos 5 with AES (etype 17, AES128; 18, AES256; RFC 3962) service tickets (-m 19600, 19700:
// `$krb5tgs$17$user$realm$[*spn*$]checksum$edata2`; hashcat writes them back without the SPN, and so
// do we). The key is PBKDF2-HMAC-SHA1(password, the realm upper-cased and the user, 4096) through
// DK(key, "kerberos"); usage 2's encryption and integrity keys decrypt the ticket (AES-CBC with
// ciphertext stealing, zero IV) and check its HMAC-SHA1-96. The digest a find is compared on is that
// checksum.
type AesPrepared = { salt: Uint8Array, keyBytes: number, edata: Uint8Array }
const AES_CHECKSUM_BYTES = 12
const KERBEROS_ITERATIONS = 4096
const TGS_USAGE = 2

function kerberosAes (etype: 17 | 18): Scheme<AesPrepared> {
  const prefix = `$krb5tgs$${etype}$`
  const keyBytes = etype === 17 ? 16 : 32
  return {
    parse (line, fail) {
      const trimmed = line.trim()
      if (!trimmed.startsWith(prefix)) fail(`expected it to start with ${prefix}`)
      const match = /^([^$*]+)\$([^$*]+)\$(?:\*[^*]*\*\$)?([^$]*)\$([^$]*)$/.exec(trimmed.slice(prefix.length))
      if (!match) fail(`expected ${prefix}user$realm$[*spn*$]checksum$edata2`)
      const [, user, realm, checksumText, edataText] = match!
      const digest = hexField(checksumText, 'checksum', fail, AES_CHECKSUM_BYTES)
      const edata = hexField(edataText, 'edata2', fail, undefined, KERBEROS_EDATA_BYTES.max)
      if (edata.length < KERBEROS_EDATA_BYTES.min) fail(`its edata2 has ${edata.length} bytes; at least ${KERBEROS_EDATA_BYTES.min}`)
      return { digest, params: packFields(utf8(user), utf8(realm), edata) }
    },
    format (digest, params) {
      const [user, realm, edata] = unpackFields(params, 3)
      return `${prefix}${text(user)}$${text(realm)}$${hex(digest)}$${hex(edata)}`
    },
    prepare (params) {
      const [user, realm, edata] = unpackFields(params, 3)
      if (edata.length < KERBEROS_EDATA_BYTES.min) throw new ParamsError('a Kerberos edata2 has at least 32 bytes')
      const salt = new Uint8Array(realm.length + user.length)
      salt.set(realm.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b)))
      salt.set(user, realm.length)
      return { salt, keyBytes, edata }
    },
    compute (plaintext, { salt, keyBytes, edata }) {
      const { encryption, integrity } = kerberosAesKeys(plaintext, salt, keyBytes)
      return hmac('sha1', integrity, decryptCts(encryption, edata)).subarray(0, AES_CHECKSUM_BYTES)
    },
    canary (plaintext, params) {
      const [user, realm, edata] = unpackFields(params, 3)
      const { salt } = this.prepare(params)
      const { encryption, integrity } = kerberosAesKeys(plaintext, salt, keyBytes)
      const ticket = ticketPlaintext(TICKET_TAG, 16, edata.length)
      const digest = hmac('sha1', integrity, ticket).subarray(0, AES_CHECKSUM_BYTES)
      return { digest, params: packFields(user, realm, encryptCts(encryption, ticket)) }
    }
  }
}

// A password's ticket keys (RFC 3962 §4, RFC 3961 §5.3): the string-to-key, then usage 2's
// encryption (0xAA) and integrity (0x55) keys.
export function kerberosAesKeys (password: Uint8Array, salt: Uint8Array, keyBytes: number): { encryption: Uint8Array, integrity: Uint8Array } {
  const base = derive(pbkdf2('sha1', password, salt, KERBEROS_ITERATIONS, keyBytes), KERBEROS_CONSTANT)
  const usage = (suffix: number) => nfold(Uint8Array.of(0, 0, 0, TGS_USAGE, suffix), 16)
  return { encryption: derive(base, usage(0xaa)), integrity: derive(base, usage(0x55)) }
}

const KERBEROS_CONSTANT = nfold(utf8('kerberos'), 16)

// RFC 3961 §5.1 DK for AES: the key's encryption of the n-folded constant, chained until it is as
// long as the key (random-to-key is the identity).
function derive (key: Uint8Array, constant: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length)
  let block = constant
  for (let at = 0; at < key.length; at += 16) {
    block = aesEncrypt(key, block)
    out.set(block.subarray(0, Math.min(16, key.length - at)), at)
  }
  return out
}

// RFC 3961 §5.1 n-fold: copies of the input, each rotated 13 bits right of the last, to the least
// common multiple of both lengths, added in `bytes`-long pieces with end-around carry.
export function nfold (input: Uint8Array, bytes: number): Uint8Array {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  const total = (input.length * bytes) / gcd(input.length, bytes)
  const bits = input.length * 8
  const copies = new Uint8Array(total)
  for (let i = 0; i < total; i++) {
    const copy = Math.floor(i / input.length)
    // bit b of the copy is bit (b - 13 * copy) mod bits of the input
    let byte = 0
    for (let b = 0; b < 8; b++) {
      const bit = ((((i % input.length) * 8 + b - 13 * copy) % bits) + bits) % bits
      byte = (byte << 1) | ((input[bit >> 3] >> (7 - (bit & 7))) & 1)
    }
    copies[i] = byte
  }
  const sum = new Array<number>(bytes).fill(0)
  for (let i = 0; i < total; i++) sum[i % bytes] += copies[i]
  // Carries run right to left; what leaves the first byte comes back in at the last.
  for (let carry = 1; carry !== 0;) {
    carry = 0
    for (let i = bytes - 1; i >= 0; i--) {
      const value = sum[i] + carry
      sum[i] = value & 0xff
      carry = value >>> 8
    }
    if (carry !== 0) sum[bytes - 1] += carry
  }
  return Uint8Array.from(sum)
}

// AES-CBC with ciphertext stealing as Kerberos uses it (RFC 3962 §5: zero IV, the last two blocks
// swapped, the last one possibly short).
function decryptCts (key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length === 16) return aesDecrypt(key, data)
  const blocks = Math.ceil(data.length / 16)
  const tail = data.length - 16 * (blocks - 1) // bytes of the last, short block: 1 to 16
  const head = data.subarray(0, 16 * (blocks - 2))
  const out = new Uint8Array(data.length)
  out.set(aesDecrypt(key, head, true))
  const previous = blocks > 2 ? data.subarray(16 * (blocks - 3), 16 * (blocks - 2)) : new Uint8Array(16)
  const swapped = data.subarray(16 * (blocks - 2), 16 * (blocks - 1)) // the real last block's encryption
  const short = data.subarray(16 * (blocks - 1))
  const d = aesDecrypt(key, swapped)
  const penultimate = new Uint8Array(16) // the real second-to-last block's encryption, rebuilt
  penultimate.set(short)
  penultimate.set(d.subarray(tail), tail)
  for (let i = 0; i < tail; i++) out[16 * (blocks - 1) + i] = d[i] ^ penultimate[i]
  const p = aesDecrypt(key, penultimate)
  for (let i = 0; i < 16; i++) out[16 * (blocks - 2) + i] = p[i] ^ previous[i]
  return out
}

// The inverse of decryptCts: CBC over the plaintext zero-padded to whole blocks, then the last two
// blocks swapped and the last cut to the plaintext's length.
export function encryptCts (key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length === 16) return aesEncrypt(key, data)
  const padded = new Uint8Array(Math.ceil(data.length / 16) * 16)
  padded.set(data)
  const chained = aesEncrypt(key, padded, true)
  const blocks = padded.length / 16
  const out = new Uint8Array(data.length)
  out.set(chained.subarray(0, 16 * (blocks - 2)))
  out.set(chained.subarray(16 * (blocks - 1)), 16 * (blocks - 2))
  out.set(chained.subarray(16 * (blocks - 2), 16 * (blocks - 2) + data.length - 16 * (blocks - 1)), 16 * (blocks - 1))
  return out
}

export const krb5tgsAes128 = kerberosAes(17)
export const krb5tgsAes256 = kerberosAes(18)
