// Windows' password hash (the NT hash, hashcat -m 1000): MD4 of the password's UTF-16LE form. The
// network and domain schemes (NetNTLM, Kerberos RC4, DCC2) start from it.
import { hashBytes } from './scalar.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

// The UTF-16LE form of plaintext source[from, to) into out (room for twice the plaintext); returns
// its length. UTF-8 is decoded, characters beyond the BMP become surrogate pairs; a plaintext that is
// not valid UTF-8 has each byte widened (hashcat's -O kernels widen every plaintext that way).
export function writeUtf16 (source: Uint8Array, from: number, to: number, out: Uint8Array): number {
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

export function utf16 (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * bytes.length)
  return out.subarray(0, writeUtf16(bytes, 0, bytes.length, out))
}

export function ntHash (password: Uint8Array): Uint8Array {
  return hashBytes('md4', utf16(password))
}
