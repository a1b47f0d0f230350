// How each algorithm turns a plaintext into what its hash function reads, and whether a plaintext is
// a target's preimage (what the server checks of every find). NTLM hashes the plaintext's UTF-16LE form, as Windows and hashcat -m 1000
// do: UTF-8 decoded, characters beyond the BMP as surrogate pairs; a plaintext that is not valid
// UTF-8 has each byte widened (hashcat's -O kernels widen every plaintext that way; its default
// kernels treat such input their own way). Salted modes hash the plaintext and the salt in the
// algorithm's order; crypt schemes run their own rounds (crypt.ts).
import { ALGORITHM_INFO, targetParts, type Algorithm, type HashFunction } from '../algorithms.ts'
import { Crypt } from './crypt.ts'
import { hashBytes } from './scalar.ts'

export const ZERO = Uint8Array.of(0)
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function hashOf (algorithm: Algorithm): HashFunction {
  return ALGORITHM_INFO[algorithm].hash
}

export function isCrypt (algorithm: Algorithm): boolean {
  return ALGORITHM_INFO[algorithm].kind === 'crypt'
}

// Whether the message is the plaintext itself.
export function isPlain (algorithm: Algorithm): boolean {
  return ALGORITHM_INFO[algorithm].kind === 'plain' && algorithm !== 'ntlm'
}

// Writes the message of plaintext source[from, to) and `salt` into out (room for twice the plaintext
// and the salt); returns its length.
export function writeMessage (algorithm: Algorithm, source: Uint8Array, from: number, to: number, out: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0)): number {
  let n = 0
  if (algorithm === 'ntlm') return writeUtf16(source, from, to, out)
  const saltFirst = ALGORITHM_INFO[algorithm].saltFirst === true
  if (saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  for (let i = from; i < to; i++) out[n++] = source[i]
  if (!saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  return n
}

function writeUtf16 (source: Uint8Array, from: number, to: number, out: Uint8Array): number {
  let n = 0
  let ascii = true
  for (let i = from; i < to && ascii; i++) ascii = source[i] < 0x80
  let text: string | null = null
  if (!ascii) {
    try {
      text = utf8.decode(source.subarray(from, to))
    } catch {} // not UTF-8: widened byte by byte
  }
  if (text === null) {
    for (let i = from; i < to; i++) { out[n++] = source[i]; out[n++] = 0 }
  } else {
    for (let i = 0; i < text.length; i++) { const unit = text.charCodeAt(i); out[n++] = unit & 0xff; out[n++] = unit >>> 8 }
  }
  return n
}

let crypt: Crypt | null = null

// The digest `plaintext` makes with a group's salt (and rounds).
export function digestOf (algorithm: Algorithm, plaintext: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0), rounds = 0): Uint8Array {
  if (algorithm === 'md5crypt') return (crypt ??= new Crypt()).md5crypt(plaintext, salt)
  if (algorithm === 'sha512crypt') return (crypt ??= new Crypt()).sha512crypt(plaintext, salt, rounds)
  const out = new Uint8Array(plaintext.length * 2 + salt.length)
  return hashBytes(hashOf(algorithm), out.subarray(0, writeMessage(algorithm, plaintext, 0, plaintext.length, out, salt)))
}

// Whether `plaintext` is a preimage of `target` (a whole target: digest and salt).
export function matches (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array): boolean {
  const { digest, salt, rounds } = targetParts(algorithm, target)
  const made = digestOf(algorithm, plaintext, salt, rounds)
  return made.length === digest.length && made.every((b, i) => b === digest[i])
}
