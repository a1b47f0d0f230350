// How each algorithm turns a plaintext into the message its hash function reads. NTLM hashes the
// plaintext's UTF-16LE form, as Windows and hashcat -m 1000 do: UTF-8 decoded, characters beyond the
// BMP as surrogate pairs. A plaintext that is not valid UTF-8 has each byte widened (hashcat's -O
// kernels widen every plaintext that way; its default kernels treat such input their own way).
import type { Algorithm, HashFunction } from '../algorithms.ts'
import type { Segment } from '../keyspace/keyspace.ts'
import { hashBytes } from './scalar.ts'

const HASH_OF: Record<Algorithm, HashFunction> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512', ntlm: 'md4' }
const ZERO = Uint8Array.of(0)

export function hashOf (algorithm: Algorithm): HashFunction {
  return HASH_OF[algorithm]
}

// Whether the message is the plaintext itself.
export function isPlain (algorithm: Algorithm): boolean {
  return algorithm !== 'ntlm'
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

// Writes the message of plaintext source[from, to) into out (room for twice the plaintext); returns
// its length.
export function writeMessage (algorithm: Algorithm, source: Uint8Array, from: number, to: number, out: Uint8Array): number {
  let n = 0
  if (algorithm !== 'ntlm') {
    for (let i = from; i < to; i++) out[n++] = source[i]
    return n
  }
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

export function messageOf (algorithm: Algorithm, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length * 2 + 2)
  return out.subarray(0, writeMessage(algorithm, plaintext, 0, plaintext.length, out))
}

export function digestOf (algorithm: Algorithm, plaintext: Uint8Array): Uint8Array {
  return hashBytes(hashOf(algorithm), messageOf(algorithm, plaintext))
}

// A segment of plaintexts as a segment of messages, with its odometer digits: NTLM's zero bytes are
// positions with a single-byte charset, which never move, so counts and offsets are unchanged. Null
// when messages are not a segment (NTLM over bytes beyond ASCII, whose UTF-16 form varies in length).
export function messageSegment (algorithm: Algorithm, segment: Segment, digits: Int32Array): { segment: Segment, digits: Int32Array } | null {
  if (algorithm !== 'ntlm') return { segment, digits }
  if (segment.charsets.some((c) => c.some((b) => b >= 0x80))) return null
  const charsets = segment.charsets.flatMap((c) => [c, ZERO])
  const wide = new Int32Array(charsets.length)
  for (let i = 0; i < digits.length; i++) wide[2 * i] = digits[i]
  return { segment: { ...segment, charsets }, digits: wide }
}
