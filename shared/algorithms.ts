// The hash algorithms a job may use, with their digest sizes. An algorithm is a hash function over the
// plaintext, or over a message made from it (NTLM: MD4 of its UTF-16LE form); shared/kernels/modes.ts
// says which.
import { InvalidInputError } from './errors.ts'

export const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512', 'ntlm'] as const
export type Algorithm = typeof ALGORITHMS[number]
// The hash functions kernels compute (a job's algorithm may wrap one in salts or an encoding).
export const HASH_FUNCTIONS = ['md4', 'md5', 'sha1', 'sha256', 'sha512'] as const
export type HashFunction = typeof HASH_FUNCTIONS[number]

export const DIGEST_BYTES: Record<Algorithm, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64, ntlm: 16 }
export const MAX_DIGEST_BYTES = 64

// How each name reads after "is not": "an md5", "a sha1".
const ALGORITHM_ARTICLES: Record<Algorithm, string> = { md5: 'an md5', sha1: 'a sha1', sha256: 'a sha256', sha512: 'a sha512', ntlm: 'an ntlm' }

// hashcat's -m numbers, so users can keep the names they know.
export const HASHCAT_MODES: Record<string, Algorithm> = { 0: 'md5', 100: 'sha1', 1400: 'sha256', 1700: 'sha512', 1000: 'ntlm' }

export function isAlgorithm (value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value)
}

export function parseAlgorithm (text: string): Algorithm {
  const name = text.toLowerCase().replace('-', '')
  if (isAlgorithm(name)) return name
  if (Object.hasOwn(HASHCAT_MODES, text)) return HASHCAT_MODES[text]
  throw new InvalidInputError(`unknown algorithm "${text}": use one of ${ALGORITHMS.join(', ')} (or hashcat's -m ${Object.keys(HASHCAT_MODES).join(', ')})`)
}

const HEX = /^[0-9a-f]*$/

export function parseDigest (algorithm: Algorithm, text: string): Uint8Array {
  const hex = text.trim().toLowerCase()
  const bytes = DIGEST_BYTES[algorithm]
  if (hex.length !== bytes * 2 || !HEX.test(hex)) {
    throw new InvalidInputError(`"${text}" is not ${ALGORITHM_ARTICLES[algorithm]} digest: expected ${bytes * 2} hex digits`)
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
