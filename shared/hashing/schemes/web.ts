// The web applications' schemes: MySQL 4.1+ (-m 300), phpass (WordPress, phpBB, Drupal 7's
// predecessor; -m 400) and Django's PBKDF2-SHA256 (-m 10000).
import { createHash } from 'node:crypto'
import { pbkdf2 } from '../primitives.ts'
import { WasmHasher } from '../wasm-hash.ts'
import { ParamsError, hex, hexField, packFields, readUint32, text, uint32, unpackFields, utf8, type Scheme } from './scheme.ts'

// MySQL's PASSWORD(): SHA-1 of the password's SHA-1. hashcat writes it as 40 hex digits, without
// MySQL's leading `*`.
export const mysql: Scheme<null> = {
  parse (line, fail) {
    if (line.trim().startsWith('*')) fail('MySQL writes a leading *, which is not part of hashcat\'s format: remove it')
    return { digest: hexField(line.trim(), 'hash', fail, 20), params: new Uint8Array(0) }
  },
  format: (digest) => hex(digest),
  prepare (params) {
    if (params.length !== 0) throw new ParamsError('MySQL hashes take no parameters')
    return null
  },
  compute: (plaintext) => createHash('sha1').update(createHash('sha1').update(plaintext).digest()).digest()
}

// phpass's base64: crypt's alphabet, 3 bytes to 4 characters, least significant 6 bits first.
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function encode64 (bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const value = bytes[i] | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) out += ITOA64[(value >>> (6 * c)) & 63]
  }
  return out
}

function decode64 (text: string, bytes: number): Uint8Array | null {
  const out = new Uint8Array(bytes)
  for (let i = 0, at = 0; i < bytes; i += 3) {
    const chars = Math.min(4, Math.ceil(((bytes - i) * 8) / 6))
    let value = 0
    for (let c = 0; c < chars; c++) {
      const char = text[at++]
      const v = char === undefined ? -1 : ITOA64.indexOf(char)
      if (v < 0) return null
      value |= v << (6 * c)
    }
    for (let b = 0; b < 3 && i + b < bytes; b++) out[i + b] = (value >>> (8 * b)) & 0xff
  }
  return encode64(out) === text ? out : null // one spelling per digest
}

// phpass: MD5(salt, password), then 2^cost times MD5(digest, password). `$P$` (or phpBB's `$H$`),
// the cost as one character, 8 characters of salt, 22 of digest.
type Phpass = { salt: Uint8Array, count: number }
let md5: WasmHasher | null = null
export const PHPASS_COST = { min: 7, max: 30 }
export const phpass: Scheme<Phpass> = {
  parse (line, fail) {
    const trimmed = line.trim()
    const match = /^\$([PH])\$(.)([\x21-\x7e]{8})(.*)$/.exec(trimmed)
    if (!match) fail('expected $P$ or $H$, a cost character, 8 printable ASCII characters of salt and 22 of hash')
    const [, id, cost, salt, encoded] = match!
    const log2 = ITOA64.indexOf(cost)
    if (log2 < PHPASS_COST.min || log2 > PHPASS_COST.max) fail(`its cost character "${cost}" is out of phpass's range (${ITOA64[PHPASS_COST.min]} to ${ITOA64[PHPASS_COST.max]})`)
    const digest = decode64(encoded, 16)
    if (!digest) fail('expected 22 characters of phpass\'s base64 after the salt')
    return { digest: digest!, params: utf8(`${id}${cost}${salt}`) }
  },
  format: (digest, params) => `$${text(params.subarray(0, 1))}$${text(params.subarray(1))}${encode64(digest)}`,
  prepare (params) {
    const log2 = ITOA64.indexOf(String.fromCharCode(params[1]))
    if (params.length !== 10 || (params[0] !== 0x50 && params[0] !== 0x48) || log2 < PHPASS_COST.min || log2 > PHPASS_COST.max) throw new ParamsError('phpass parameters are an id, a cost and 8 bytes of salt')
    return { salt: params.subarray(2), count: 2 ** log2 }
  },
  compute (plaintext, { salt, count }) {
    const hasher = (md5 ??= new WasmHasher('md5'))
    const input = hasher.input
    input.set(salt)
    input.set(plaintext, salt.length)
    let digest = hasher.hash(salt.length + plaintext.length)
    // Each round's message is the last digest and the password, which stays in place behind it.
    input.set(plaintext, 16)
    for (let i = 0; i < count; i++) {
      input.set(digest)
      digest = hasher.hash(16 + plaintext.length)
    }
    return digest.slice()
  }
}

// Django's default hasher: `pbkdf2_sha256$iterations$salt$base64(PBKDF2-HMAC-SHA256, 32 bytes)`.
type Django = { salt: Uint8Array, iterations: number }
export const DJANGO_ITERATIONS = { min: 1, max: 0x7fffffff }
export const django: Scheme<Django> = {
  parse (line, fail) {
    const match = /^pbkdf2_sha256\$([0-9]{1,10})\$([^$]*)\$([A-Za-z0-9+/]{43}=)$/.exec(line.trim())
    if (!match) fail('expected pbkdf2_sha256$iterations$salt$ and 44 characters of base64')
    const iterations = Number(match![1])
    if (iterations < DJANGO_ITERATIONS.min || iterations > DJANGO_ITERATIONS.max) fail(`its iteration count must be ${DJANGO_ITERATIONS.min} to ${DJANGO_ITERATIONS.max}`)
    const digest = Uint8Array.from(Buffer.from(match![3], 'base64'))
    if (Buffer.from(digest).toString('base64') !== match![3]) fail('its hash is not canonical base64')
    return { digest, params: packFields(uint32(iterations), utf8(match![2])) }
  },
  format (digest, params) {
    const [iterations, salt] = unpackFields(params, 2)
    return `pbkdf2_sha256$${readUint32(iterations)}$${text(salt)}$${Buffer.from(digest).toString('base64')}`
  },
  prepare (params) {
    const [iterations, salt] = unpackFields(params, 2)
    const count = readUint32(iterations)
    if (count < DJANGO_ITERATIONS.min || count > DJANGO_ITERATIONS.max) throw new ParamsError('a Django iteration count out of range')
    return { salt, iterations: count }
  },
  compute: (plaintext, { salt, iterations }) => pbkdf2('sha256', plaintext, salt, iterations, 32)
}
