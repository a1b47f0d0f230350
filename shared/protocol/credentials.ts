// The credentials people handle: the fleet's token (made, judged for strength, fingerprinted, and
// turned into the handshake's pre-shared key) and the server key's fingerprint, which workers pin.
import { sha256 } from '@noble/hashes/sha2.js'
import { WeakTokenError } from '../errors.ts'

// How people compare server keys (join lines, known-servers files, mDNS): like OpenSSH's, the
// SHA-256 of the key, but in base64url so it survives shells, URLs and TXT records unquoted.
export function serverKeyFingerprint (publicKey: Uint8Array): string {
  return `SHA256:${Buffer.from(sha256(publicKey)).toString('base64url')}`
}

export const SERVER_KEY_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9_-]{43}$/

// Tokens are 32 random bytes, base64url: long enough that a sniffed message 1 cannot be brute-forced.
export const TOKEN_BYTES = 32

export function generateToken (): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString('base64url')
}

// Shown instead of the token so people can check two machines hold the same one. Domain-separated
// from the key, and short: it identifies, it does not help guess.
export function tokenFingerprint (token: string): string {
  const digest = sha256(new TextEncoder().encode(`taskorch token fingerprint\0${token}`))
  return Buffer.from(digest.subarray(0, 4)).toString('hex')
}

// A token is refused below this estimate: a recorded message 1 lets anyone test guesses offline.
export const MIN_TOKEN_BITS = 128

// Roughly how many guesses (as bits) a token resists: its length, counted once if it repeats itself,
// times the bits per character of the smallest usual alphabet it fits (hex, base64, printable), but
// no more than four times its distinct characters allow. An estimate that generated tokens pass with
// a wide margin (about 250 bits) and words, dates and repetitions fail.
export function tokenStrength (token: string): number {
  const alphabet = /^[0-9a-fA-F]+$/.test(token) ? 16 : /^[A-Za-z0-9_\-+/=]+$/.test(token) ? 64 : 95
  const distinct = new Set(token).size
  const perCharacter = Math.log2(Math.max(2, Math.min(alphabet, 4 * distinct)))
  return Math.floor(period(token) * perCharacter)
}

// The length of the shortest unit the text repeats at least twice ("abcabcab" -> 3, "abxab" -> 5).
function period (text: string): number {
  for (let p = 1; p <= text.length / 2; p++) {
    let repeats = true
    for (let i = p; i < text.length && repeats; i++) repeats = text[i] === text[i - p]
    if (repeats) return p
  }
  return text.length
}

export function checkTokenStrength (token: string): void {
  const bits = tokenStrength(token)
  if (bits < MIN_TOKEN_BITS) throw new WeakTokenError(bits)
}

export function tokenBytes (token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token)) // any string works as a psk of the right size
}
