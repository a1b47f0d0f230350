// bcrypt (-m 3200, `$2a$`, `$2b$`, `$2y$`; Provos and Mazières, "A Future-Adaptable Password
// Scheme", 1999): Blowfish's key schedule made expensive (EksBlowfish: the salt and the password
// mixed in 2^cost times), then "OrpheanBeholderScryDoubt" encrypted 64 times; 23 of its 24 bytes are
// the hash. The variants differ only in bugs of old implementations on long or 8-bit passwords that
// hashcat does not model, and neither do we.
import { ParamsError, type Scheme } from './scheme.ts'

export const BCRYPT_COST = { min: 4, max: 31 }
// The key is the password and a NUL, cut at 72 bytes: so hashcat takes passwords of at most 72.
const MAX_KEY_BYTES = 72
export const BCRYPT_MAX_PASSWORD_BYTES = 72
const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const MAGIC = 'OrpheanBeholderScryDoubt'

// Big-endian 6-bit groups (base64's order, bcrypt's alphabet, no padding).
function encode (bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const value = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.ceil(((Math.min(3, bytes.length - i)) * 8) / 6)
    for (let c = 0; c < chars; c++) out += BCRYPT64[(value >>> (18 - 6 * c)) & 63]
  }
  return out
}

function decode (text: string, bytes: number): Uint8Array | null {
  const out = new Uint8Array(bytes)
  for (let i = 0, at = 0; i < bytes; i += 3) {
    const chars = Math.ceil(((Math.min(3, bytes - i)) * 8) / 6)
    let value = 0
    for (let c = 0; c < 4; c++) {
      const char = c < chars ? text[at++] : '.'
      const v = char === undefined ? -1 : BCRYPT64.indexOf(char)
      if (v < 0) return null
      value = (value << 6) | v
    }
    for (let b = 0; b < 3 && i + b < bytes; b++) out[i + b] = (value >>> (16 - 8 * b)) & 0xff
  }
  return out
}

type Prepared = { cost: number, salt: Uint32Array }

export const bcrypt: Scheme<Prepared> = {
  parse (line, fail) {
    const match = /^\$2([aby])\$([0-9]{2})\$(.{22})(.*)$/.exec(line.trim())
    if (!match) fail('expected $2a$, $2b$ or $2y$, a two-digit cost, $, then 53 characters of salt and hash')
    const [, variant, costText, salt, encoded] = match!
    const cost = Number(costText)
    if (cost < BCRYPT_COST.min || cost > BCRYPT_COST.max) fail(`its cost must be ${BCRYPT_COST.min} to ${BCRYPT_COST.max}`)
    const saltBytes = decode(salt, 16)
    // hashcat writes the salt back from its bytes: a salt with stray low bits would not read back.
    if (!saltBytes || encode(saltBytes) !== salt) fail('its salt is not 22 characters of canonical bcrypt base64')
    const digest = decode(encoded, 23)
    if (encoded.length !== 31 || !digest || encode(digest) !== encoded) fail('expected 31 characters of bcrypt\'s base64 after the salt')
    return { digest: digest!, params: Uint8Array.from(Buffer.from(`${variant}${costText}${salt}`, 'latin1')) }
  },
  format: (digest, params) => {
    const text = Buffer.from(params).toString('latin1')
    return `$2${text[0]}$${text.slice(1, 3)}$${text.slice(3)}${encode(digest)}`
  },
  prepare (params) {
    const text = Buffer.from(params).toString('latin1')
    const cost = Number(text.slice(1, 3))
    const salt = decode(text.slice(3), 16)
    if (params.length !== 25 || !'aby'.includes(text[0]) || !/^[0-9]{2}$/.test(text.slice(1, 3)) || cost < BCRYPT_COST.min || cost > BCRYPT_COST.max || !salt) throw new ParamsError('bcrypt parameters are a variant, a cost and 22 characters of salt')
    return { cost, salt: words(salt) }
  },
  compute (plaintext, { cost, salt }) {
    const key = new Uint8Array(Math.min(plaintext.length + 1, MAX_KEY_BYTES))
    key.set(plaintext.subarray(0, key.length))
    return new Blowfish().eksHash(key, salt, cost)
  }
}

const words = (bytes: Uint8Array) => Uint32Array.from({ length: bytes.length / 4 }, (_, i) => ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0)

// Blowfish's initial subkeys are the fractional hex digits of pi, in order (18 P words, then the
// four S-boxes of 256): computed once with Machin's formula rather than written out.
let PI_WORDS: Uint32Array | null = null

function piWords (): Uint32Array {
  if (PI_WORDS) return PI_WORDS
  const count = 18 + 4 * 256
  const bits = BigInt(32 * count + 64) // 64 guard bits
  const one = 1n << bits
  const atanInverse = (x: bigint) => {
    let sum = 0n
    let power = one / x
    const x2 = x * x
    for (let k = 1n; power !== 0n; k += 2n, power /= x2) sum += ((k & 2n) === 0n ? 1n : -1n) * (power / k)
    return sum
  }
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n)
  const fraction = (pi % (3n << bits)) >> 64n // drop the 3 and the guard bits
  const out = new Uint32Array(count)
  for (let i = count - 1, f = fraction; i >= 0; i--, f >>= 32n) out[i] = Number(f & 0xffffffffn)
  return (PI_WORDS = out)
}

class Blowfish {
  readonly p = new Uint32Array(18)
  readonly s = new Uint32Array(1024)
  readonly #block = new Uint32Array(2)

  constructor () {
    const pi = piWords()
    this.p.set(pi.subarray(0, 18))
    this.s.set(pi.subarray(18))
  }

  #encrypt (l: number, r: number): void {
    const { p, s } = this
    for (let i = 0; i < 16; i += 2) {
      l ^= p[i]
      r ^= (((s[l >>> 24] + s[256 | ((l >>> 16) & 0xff)]) ^ s[512 | ((l >>> 8) & 0xff)]) + s[768 | (l & 0xff)])
      r ^= p[i + 1]
      l ^= (((s[r >>> 24] + s[256 | ((r >>> 16) & 0xff)]) ^ s[512 | ((r >>> 8) & 0xff)]) + s[768 | (r & 0xff)])
    }
    this.#block[0] = r ^ p[17]
    this.#block[1] = l ^ p[16]
  }

  // The key schedule with the key's bytes cycled over P, each encryption's input XORed with the
  // salt's words in turn (none: Blowfish's own schedule).
  #expand (key: Uint8Array, salt: Uint32Array | null): void {
    let at = 0
    for (let i = 0; i < 18; i++) {
      let word = 0
      for (let b = 0; b < 4; b++, at = (at + 1) % key.length) word = (word << 8) | key[at]
      this.p[i] ^= word
    }
    let l = 0
    let r = 0
    let next = 0
    const fill = (table: Uint32Array, count: number) => {
      for (let i = 0; i < count; i += 2) {
        if (salt) { l ^= salt[next]; r ^= salt[next + 1]; next = (next + 2) & 3 }
        this.#encrypt(l, r)
        l = table[i] = this.#block[0]
        r = table[i + 1] = this.#block[1]
      }
    }
    fill(this.p, 18)
    fill(this.s, 1024)
  }

  eksHash (key: Uint8Array, salt: Uint32Array, cost: number): Uint8Array {
    const saltBytes = new Uint8Array(16)
    for (let i = 0; i < 4; i++) saltBytes.set([salt[i] >>> 24, salt[i] >>> 16, salt[i] >>> 8, salt[i]], 4 * i)
    this.#expand(key, salt)
    for (let i = 2 ** cost; i > 0; i--) {
      this.#expand(key, null)
      this.#expand(saltBytes, null)
    }
    const text = words(Uint8Array.from(Buffer.from(MAGIC, 'latin1')))
    for (let j = 0; j < 6; j += 2) {
      for (let i = 0; i < 64; i++) {
        this.#encrypt(text[j], text[j + 1])
        text[j] = this.#block[0]
        text[j + 1] = this.#block[1]
      }
    }
    const out = new Uint8Array(24)
    for (let i = 0; i < 6; i++) out.set([text[i] >>> 24, text[i] >>> 16, text[i] >>> 8, text[i]], 4 * i)
    return out.subarray(0, 23)
  }
}
