// The building blocks the schemes share: HMAC, PBKDF2 and AES (node:crypto's, native; HMAC-MD5 over
// WASM's MD5, which is cheaper per call), single DES
// (node:crypto's two-key triple DES with both keys equal, since OpenSSL 3 keeps plain DES in its legacy
// provider) and RC4, which OpenSSL 3 dropped too (RFC 6229's keystream, written out below).
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto'
import { WasmHasher } from './wasm-hash.ts'

export type MacHash = 'md5' | 'sha1' | 'sha256'

export function hmac (hash: MacHash, key: Uint8Array, ...message: Uint8Array[]): Uint8Array {
  const mac = createHmac(hash, key)
  for (const part of message) mac.update(part)
  return mac.digest()
}

let md5: WasmHasher | null = null
const HMAC_BLOCK_BYTES = 64

// HMAC-MD5 over WASM's MD5 (wasm-hash.ts), for keys of at most a block (NT hashes and their HMACs):
// NetNTLMv2 and Kerberos RC4 take several per candidate, and node:crypto's cost per call (an object
// each) was most of theirs.
export function hmacMd5 (key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length > HMAC_BLOCK_BYTES) throw new RangeError(`an HMAC-MD5 key of ${key.length} bytes; at most ${HMAC_BLOCK_BYTES} here`)
  const hasher = (md5 ??= new WasmHasher('md5'))
  const input = hasher.input
  for (let i = 0; i < HMAC_BLOCK_BYTES; i++) input[i] = (key[i] ?? 0) ^ 0x36
  input.set(message, HMAC_BLOCK_BYTES)
  input.set(hasher.hash(HMAC_BLOCK_BYTES + message.length), HMAC_BLOCK_BYTES)
  for (let i = 0; i < HMAC_BLOCK_BYTES; i++) input[i] = (key[i] ?? 0) ^ 0x5c
  return hasher.hash(HMAC_BLOCK_BYTES + 16).slice()
}

export function pbkdf2 (hash: 'sha1' | 'sha256', password: Uint8Array, salt: Uint8Array, iterations: number, bytes: number): Uint8Array {
  return pbkdf2Sync(password, salt, iterations, bytes, hash)
}

// A DES key from 7 bytes: 56 key bits spread over 8 bytes, each byte's lowest bit (parity) unused.
export function desKey (seven: Uint8Array): Uint8Array {
  const k = new Uint8Array(16)
  k[0] = seven[0]
  for (let i = 1; i < 7; i++) k[i] = ((seven[i - 1] << (8 - i)) | (seven[i] >> i)) & 0xff
  k[7] = seven[6] << 1
  for (let i = 0; i < 8; i++) k[i] &= 0xfe
  k.copyWithin(8, 0, 8) // E(k) D(k) E(k) is E(k)
  return k
}

// One block encrypted with single DES under a key from desKey.
export function desEncrypt (key: Uint8Array, block: Uint8Array): Uint8Array {
  return createCipheriv('des-ede-ecb', key, null).setAutoPadding(false).update(block)
}

export function rc4 (key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i)
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff
    const t = s[i]; s[i] = s[j]; s[j] = t
  }
  const out = new Uint8Array(data.length)
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff
    j = (j + s[i]) & 0xff
    const t = s[i]; s[i] = s[j]; s[j] = t
    out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff]
  }
  return out
}

// AES over whole 16-byte blocks, no padding; `cbc`: chained from a zero IV (else each block alone).
export function aesEncrypt (key: Uint8Array, data: Uint8Array, cbc = false): Uint8Array {
  return createCipheriv(`aes-${key.length * 8}-${cbc ? 'cbc' : 'ecb'}`, key, cbc ? Buffer.alloc(16) : null).setAutoPadding(false).update(data)
}

export function aesDecrypt (key: Uint8Array, data: Uint8Array, cbc = false): Uint8Array {
  return createDecipheriv(`aes-${key.length * 8}-${cbc ? 'cbc' : 'ecb'}`, key, cbc ? Buffer.alloc(16) : null).setAutoPadding(false).update(data)
}
