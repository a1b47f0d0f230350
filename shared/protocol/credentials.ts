// The credentials people handle: the fleet's token (made, fingerprinted, and turned into the
// handshake's pre-shared key; judged for strength by the server, server/token-strength.ts) and the
// server key's fingerprint, which workers pin.
import { scryptSync } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { TOKEN_KDF } from './limits.ts'

// How people compare server keys (join lines, known-servers files, mDNS): like OpenSSH's, the
// SHA-256 of the key, but in base64url so it survives shells, URLs and TXT records unquoted.
export function serverKeyFingerprint (publicKey: Uint8Array): string {
  return `SHA256:${Buffer.from(sha256(publicKey)).toString('base64url')}`
}

export const SERVER_KEY_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9_-]{43}$/

// Tokens are 32 random bytes, base64url: a sniffed message 1 cannot be brute-forced, KDF or not.
export const TOKEN_BYTES = 32

export function generateToken (): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString('base64url')
}

// Shown instead of the token so people can check two machines hold the same one. Made from the
// token's key (domain-separated), so a fingerprint on a screenshot is no faster to test guesses
// against than a recorded handshake; and short: it identifies, it does not help guess.
export function tokenFingerprint (token: string): string {
  const digest = sha256(Buffer.concat([Buffer.from('taskorch token fingerprint\0'), tokenKey(token)]))
  return Buffer.from(digest.subarray(0, 4)).toString('hex')
}

// The handshake's pre-shared key: scrypt of the token, so that anyone holding a recorded message 1
// (a worker pointed at a rogue listener, a first connection that pins nothing) pays a memory-hard
// hash for every guess instead of one SHA-256. Computed once per token and process (90 to 210 ms here).
const tokenKeys = new Map<string, Uint8Array>()

export function tokenKey (token: string): Uint8Array {
  let key = tokenKeys.get(token)
  if (key === undefined) {
    key = Uint8Array.from(scryptSync(token, TOKEN_KDF.salt, TOKEN_KDF.bytes, { N: TOKEN_KDF.N, r: TOKEN_KDF.r, p: TOKEN_KDF.p, maxmem: 2 * 128 * TOKEN_KDF.N * TOKEN_KDF.r }))
    tokenKeys.set(token, key)
  }
  return key
}
