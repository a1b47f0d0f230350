// How each algorithm turns a plaintext into what its hash function reads, and whether a plaintext is
// a target's preimage (what the server checks of every find). NTLM hashes the plaintext's UTF-16LE
// form, as Windows and hashcat -m 1000 do (nt.ts). Salted modes hash the plaintext and the salt in the
// algorithm's order; crypt schemes run their own rounds (crypt.ts), other schemes their own
// computation over the target's parameters (schemes/).
import { infoOf, isPassThrough, targetParts, type Algorithm, type HashFunction } from '../algorithms.ts'
import { NoKernelError } from '../errors.ts'
import { Crypt } from './crypt.ts'
import { writeUtf16 } from './nt.ts'
import { hashBytes } from './scalar.ts'
import { SCHEMES, type SchemeName } from './schemes/index.ts'
import type { Scheme } from './schemes/scheme.ts'

export const ZERO = Uint8Array.of(0)

export function hashOf (algorithm: Algorithm): HashFunction {
  return infoOf(algorithm).hash
}

// Whether one digest costs as much as this many MD5 ones or more: the server computes such digests
// in a thread (server/find-check.ts).
const SLOW_COST = 1_000

export function isSlow (algorithm: Algorithm): boolean {
  return (infoOf(algorithm).cost ?? 1) >= SLOW_COST
}

// Whether its digest is computed whole, candidate by candidate, by a scheme (crypt's or its own), not
// by the kernels.
export function isScheme (algorithm: Algorithm): boolean {
  const { kind } = infoOf(algorithm)
  return kind === 'crypt' || kind === 'scheme'
}

// Whether the message is the plaintext itself.
export function isPlain (algorithm: Algorithm): boolean {
  return infoOf(algorithm).kind === 'plain' && algorithm !== 'ntlm'
}

// Writes the message of plaintext source[from, to) and `salt` into out (room for twice the plaintext
// and the salt); returns its length.
export function writeMessage (algorithm: Algorithm, source: Uint8Array, from: number, to: number, out: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0)): number {
  let n = 0
  if (algorithm === 'ntlm') return writeUtf16(source, from, to, out)
  const saltFirst = infoOf(algorithm).saltFirst === true
  if (saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  for (let i = from; i < to; i++) out[n++] = source[i]
  if (!saltFirst) for (let i = 0; i < salt.length; i++) out[n++] = salt[i]
  return n
}

let crypt: Crypt | null = null
// A scheme's parameters as it prepared them, by the bytes they came from: a search passes its salt
// group's same bytes for every candidate. Entries go with those bytes.
const prepared = new WeakMap<Uint8Array, unknown>()

// The digest `plaintext` makes with a group's salt (and rounds), or a scheme's with its parameters.
export function digestOf (algorithm: Algorithm, plaintext: Uint8Array, salt: Uint8Array = ZERO.subarray(0, 0), rounds = 0): Uint8Array {
  if (isPassThrough(algorithm)) throw new NoKernelError(algorithm)
  if (algorithm === 'md5crypt') return (crypt ??= new Crypt()).md5crypt(plaintext, salt)
  if (algorithm === 'sha256crypt') return (crypt ??= new Crypt()).shaCrypt('sha256', plaintext, salt, rounds)
  if (algorithm === 'sha512crypt') return (crypt ??= new Crypt()).shaCrypt('sha512', plaintext, salt, rounds)
  if (infoOf(algorithm).kind === 'scheme') {
    const scheme: Scheme = SCHEMES[algorithm as SchemeName]
    let params = prepared.get(salt)
    if (params === undefined) prepared.set(salt, params = scheme.prepare(salt))
    return scheme.compute(plaintext, params)
  }
  const out = new Uint8Array(plaintext.length * 2 + salt.length)
  return hashBytes(hashOf(algorithm), out.subarray(0, writeMessage(algorithm, plaintext, 0, plaintext.length, out, salt)))
}

// Whether `plaintext` is a preimage of `target` (a whole target: digest and salt).
export function matches (algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array): boolean {
  const { digest, salt, rounds } = targetParts(algorithm, target)
  const made = digestOf(algorithm, plaintext, salt, rounds)
  return made.length === digest.length && made.every((b, i) => b === digest[i])
}

// Work verification's canary: a target whose preimage is `candidate`, with `source`'s salt (and
// rounds, or a scheme's parameters; no source for a plain hash): its digest in `source`'s place, or
// a scheme's own canary where hashcat checks more than the digest. Null for a candidate no target
// can have (LM's of more than 7 bytes, WPA's of fewer than 8).
export function canaryTarget (algorithm: Algorithm, source: Uint8Array | null, candidate: Uint8Array): Uint8Array | null {
  const { digestBytes } = infoOf(algorithm)
  if (!source) return digestOf(algorithm, candidate)
  const { salt, rounds } = targetParts(algorithm, source)
  const scheme: Scheme | undefined = infoOf(algorithm).kind === 'scheme' ? SCHEMES[algorithm as SchemeName] : undefined
  if (scheme?.canary) {
    const made = scheme.canary(candidate, salt)
    const target = new Uint8Array(made.digest.length + made.params.length)
    target.set(made.digest)
    target.set(made.params, made.digest.length)
    return target
  }
  const made = digestOf(algorithm, candidate, salt, rounds)
  if (made.length !== digestBytes) return null
  const target = source.slice()
  target.set(made, 0)
  return target
}
