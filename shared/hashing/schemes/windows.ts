// Windows' schemes beyond the NT hash: LM (-m 3000), NetNTLMv1 and v2 challenge responses as
// Responder captures them (-m 5500, 5600), and domain cached credentials v2 (-m 2100).
import { createHash } from 'node:crypto'
import { desEncrypt, desKey, hmacMd5, pbkdf2 } from '../primitives.ts'
import { ntHash } from '../nt.ts'
import { hashBytes } from '../scalar.ts'
import { ParamsError, hex, hexField, packFields, readUint32, text, uint32, unpackFields, utf8, type Fail, type Scheme } from './scheme.ts'

// LM: the password upper-cased (ASCII), cut into two halves of 7 bytes, each the DES key that encrypts
// "KGS!@#$%". hashcat cracks each half on its own: a target is one half's 8 bytes, and a plaintext
// of more than 7 bytes is no half's.
const LM_MAGIC = utf8('KGS!@#$%')
export const LM_HALF_BYTES = 7

export const lm: Scheme<null> = {
  parse (line, fail) {
    const text = line.trim()
    if (/^[0-9a-fA-F]{32}$/.test(text)) fail(`32 hex digits: an NTLM hash is -m 1000; a whole LM hash is two halves, to give as two lines (${text.slice(0, 16)} and ${text.slice(16)})`)
    return { digest: hexField(text, 'hash', fail, 8), params: new Uint8Array(0) }
  },
  format: (digest) => hex(digest),
  prepare (params) {
    if (params.length !== 0) throw new ParamsError('LM takes no parameters')
    return null
  },
  compute (plaintext) {
    if (plaintext.length > LM_HALF_BYTES) return new Uint8Array(0)
    const seven = new Uint8Array(7)
    for (let i = 0; i < plaintext.length; i++) seven[i] = upper(plaintext[i])
    return desEncrypt(desKey(seven), LM_MAGIC)
  }
}

const upper = (b: number) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b)

// What both NetNTLM lines start with: `user::domain:`.
function netntlmNames (line: string, fields: number, fail: Fail): string[] {
  const parts = line.split(':')
  if (parts.length !== fields || parts[1] !== '') fail(`expected user::domain and ${fields - 3} more fields, separated by colons`)
  return parts
}

// NetNTLMv1: the server's challenge DES-encrypted under the NT hash (padded to 21 bytes, three keys
// of 7). With ESS the LM field holds the client's 8-byte challenge and 16 zero bytes, and the
// challenge encrypted is MD5(server's, client's)'s first 8 bytes.
type V1 = { challenge: Uint8Array }
export const netntlmv1: Scheme<V1> = {
  parse (line, fail) {
    const [user, , domain, lmText, ntText, challengeText] = netntlmNames(line.trim(), 6, fail)
    const lmResponse = lmText === '' ? new Uint8Array(0) : hexField(lmText, 'LM response', fail, 24)
    const digest = hexField(ntText, 'NT response', fail, 24)
    const challenge = hexField(challengeText, 'challenge', fail, 8)
    return { digest, params: packFields(utf8(user), utf8(domain), lmResponse, challenge) }
  },
  format (digest, params) {
    const [user, domain, lmResponse, challenge] = unpackFields(params, 4)
    return `${text(user)}::${text(domain)}:${hex(lmResponse)}:${hex(digest)}:${hex(challenge)}`
  },
  prepare (params) {
    const [, , lmResponse, server] = unpackFields(params, 4)
    if (server.length !== 8 || (lmResponse.length !== 0 && lmResponse.length !== 24)) throw new ParamsError('a NetNTLMv1 challenge has 8 bytes, its LM response 24 or none')
    const ess = lmResponse.length === 24 && lmResponse.subarray(8).every((b) => b === 0)
    const challenge = ess ? createHash('md5').update(server).update(lmResponse.subarray(0, 8)).digest().subarray(0, 8) : server
    return { challenge: Uint8Array.from(challenge) }
  },
  compute (plaintext, { challenge }) {
    const key = new Uint8Array(21)
    key.set(ntHash(plaintext))
    const out = new Uint8Array(24)
    for (let i = 0; i < 3; i++) out.set(desEncrypt(desKey(key.subarray(7 * i, 7 * i + 7)), challenge), 8 * i)
    return out
  }
}

// hashcat widens a user or domain name's bytes to UTF-16 (changing the case of ASCII letters only).
function widened (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * bytes.length)
  for (let i = 0; i < bytes.length; i++) out[2 * i] = bytes[i]
  return out
}

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b)

// NetNTLMv2: HMAC-MD5 keyed by the NT hash over the user (upper-cased) and domain gives the v2 hash;
// HMAC-MD5 keyed by that over the server's challenge and the client's blob gives NTProofStr.
type V2 = { identity: Uint8Array, challengeAndBlob: Uint8Array }
export const MAX_NETNTLMV2_BLOB_BYTES = 1024
export const netntlmv2: Scheme<V2> = {
  parse (line, fail) {
    const [user, , domain, challengeText, proofText, blobText] = netntlmNames(line.trim(), 6, fail)
    const challenge = hexField(challengeText, 'server challenge', fail, 8)
    const digest = hexField(proofText, 'NTProofStr', fail, 16)
    const blob = hexField(blobText, 'blob', fail, undefined, MAX_NETNTLMV2_BLOB_BYTES)
    // The user is hashed upper-cased, and hashcat writes it so.
    return { digest, params: packFields(utf8(user).map(upper), utf8(domain), challenge, blob) }
  },
  format (digest, params) {
    const [user, domain, challenge, blob] = unpackFields(params, 4)
    return `${text(user)}::${text(domain)}:${hex(challenge)}:${hex(digest)}:${hex(blob)}`
  },
  prepare (params) {
    const [user, domain, challenge, blob] = unpackFields(params, 4)
    if (challenge.length !== 8) throw new ParamsError('a NetNTLMv2 server challenge has 8 bytes')
    const identity = new Uint8Array(2 * (user.length + domain.length))
    identity.set(widened(user))
    identity.set(widened(domain), 2 * user.length)
    const challengeAndBlob = new Uint8Array(8 + blob.length)
    challengeAndBlob.set(challenge)
    challengeAndBlob.set(blob, 8)
    return { identity, challengeAndBlob }
  },
  compute (plaintext, { identity, challengeAndBlob }) {
    return hmacMd5(hmacMd5(ntHash(plaintext), identity), challengeAndBlob)
  }
}

// DCC2 (MS Cache v2): PBKDF2-HMAC-SHA1 over the MS Cache v1 hash (MD4 of the NT hash and the user
// name in UTF-16, lower-cased), salted with the same user name. `$DCC2$iterations#user#hash`.
type Dcc2 = { user: Uint8Array, iterations: number }
export const DCC2_ITERATIONS = { max: 0x7fffffff }
export const dcc2: Scheme<Dcc2> = {
  parse (line, fail) {
    const match = /^\$DCC2\$([0-9]{1,10})#([^#]*)#([^#]*)$/i.exec(line.trim())
    if (!match) fail('expected $DCC2$iterations#user#hash')
    const iterations = Number(match![1])
    if (iterations < 1 || iterations > DCC2_ITERATIONS.max) fail(`its iteration count must be 1 to ${DCC2_ITERATIONS.max}`)
    // The user is hashed lower-cased, and hashcat writes it so.
    return { digest: hexField(match![3], 'hash', fail, 16), params: packFields(uint32(iterations), utf8(match![2]).map(lower)) }
  },
  format (digest, params) {
    const [iterations, user] = unpackFields(params, 2)
    return `$DCC2$${readUint32(iterations)}#${text(user)}#${hex(digest)}`
  },
  prepare (params) {
    const [iterations, user] = unpackFields(params, 2)
    const count = readUint32(iterations)
    if (count < 1 || count > DCC2_ITERATIONS.max) throw new ParamsError('a DCC2 iteration count out of range')
    return { user: widened(user), iterations: count }
  },
  compute (plaintext, { user, iterations }) {
    const cache1 = new Uint8Array(16 + user.length)
    cache1.set(ntHash(plaintext))
    cache1.set(user, 16)
    return pbkdf2('sha1', hashBytes('md4', cache1), user, iterations, 16)
  }
}
